"""The overview: charts, response times and congestion, counted only over what the viewer sees."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import builders
from tracker.authz import bottleneck_scope as scope
from tracker.extensions import db
from tracker.insights import queries
from tracker.insights.congestion import congestion
from tracker.insights.period import Period

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
YEAR = Period(date(2026, 1, 1), date(2026, 12, 1))


@pytest.fixture
def world(ctx):
    return builders.World()


def _logged_at(item, moment: datetime):
    item.created_at = moment
    db.session.commit()
    return item


def _counts(rows) -> dict[str, int]:
    return {row.label: row.value for row in rows}


def test_confidential_bottleneck_is_counted_for_its_own_dsv_only(world):
    moment = datetime(2026, 3, 10, 12, tzinfo=UTC)
    _logged_at(builders.bottleneck(world.coordinator, confidential=True), moment)
    _logged_at(builders.bottleneck(world.coordinator), moment)
    own = queries.overview(scope(world.coordinator), YEAR)
    other = queries.overview(scope(world.other_coordinator), YEAR)
    assert own.total_bottlenecks == 2
    assert other.total_bottlenecks == 1
    assert _counts(own.bottlenecks_by_month)["2026-03"] == 2
    assert _counts(other.bottlenecks_by_month)["2026-03"] == 1
    assert sum(c.value for c in other.bottlenecks_by_block) == 1


def test_confidential_bottleneck_is_counted_for_the_party_it_was_escalated_to(world):
    item = builders.bottleneck(world.coordinator, confidential=True)
    builders.escalation(world.coordinator, item, world.party)
    _logged_at(item, datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert queries.overview(scope(world.liaison), YEAR).total_bottlenecks == 1
    assert queries.overview(scope(world.other_liaison), YEAR).total_bottlenecks == 0
    assert _counts(queries.overview(scope(world.liaison), YEAR).bottlenecks_by_party) == {
        "Partij Eigen": 1
    }
    assert queries.overview(scope(world.other_liaison), YEAR).bottlenecks_by_party == []


@pytest.mark.parametrize(
    ("logged", "before", "after"),
    [
        (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), date(2026, 1, 1), date(2026, 2, 1)),  # CET
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 6, 1), date(2026, 7, 1)),  # CEST
    ],
)
def test_a_bottleneck_logged_late_on_the_last_evening_counts_in_the_next_local_month(
    world, logged, before, after
):
    # 23:30 UTC on the last day of January is 00:30 on 1 February in Amsterdam (22:30 in summer).
    _logged_at(builders.bottleneck(world.coordinator), logged)
    assert queries.overview(scope(world.admin), Period(before, before)).total_bottlenecks == 0
    assert queries.overview(scope(world.admin), Period(after, after)).total_bottlenecks == 1
    months = _counts(queries.overview(scope(world.admin), YEAR).bottlenecks_by_month)
    assert months[before.strftime("%Y-%m")] == 0 and months[after.strftime("%Y-%m")] == 1
    assert (
        queries.overview(scope(world.admin), Period(after, after)).bottlenecks_by_month[0].value
        == 1
    )


def test_counts_by_network_party_block_and_status(world):
    network_a, network_b = builders.network(), builders.network()
    world.dsv.networks = [network_a, network_b]
    item = builders.bottleneck(world.coordinator)
    builders.escalation(world.coordinator, item, world.party)
    builders.escalation(world.coordinator, item, world.other_party)
    _logged_at(item, datetime(2026, 4, 1, 12, tzinfo=UTC))
    overview = queries.overview(scope(world.admin), YEAR)
    assert _counts(overview.bottlenecks_by_network) == {network_a.name: 1, network_b.name: 1}
    assert _counts(overview.bottlenecks_by_party) == {"Partij Eigen": 1, "Partij Ander": 1}
    assert len(overview.bottlenecks_by_block) == 7
    assert _counts(overview.bottlenecks_by_block)["4. Bekostiging en financiering"] == 1
    assert _counts(overview.bottlenecks_by_status)["geëscaleerd"] == 1


def _escalation(world, party, *, ack=None, answer=None, status="submitted", answer_days=20):
    """An escalation submitted on 1 June 2026 09:00 UTC with hand-set timestamps."""
    item = builders.bottleneck(world.coordinator)
    row = builders.escalation(world.coordinator, item, party)
    submitted = datetime(2026, 6, 1, 9, tzinfo=UTC)
    row.submitted_at = submitted
    row.answer_due_at = submitted + timedelta(days=answer_days)
    row.status = status
    row.acknowledged_at = submitted + timedelta(days=ack) if ack is not None else None
    row.answered_at = submitted + timedelta(days=answer) if answer is not None else None
    if status in ("submitted", "acknowledged", "reopened"):
        row.due_at = submitted + timedelta(days=5 if status == "submitted" else answer_days)
        row.very_late_at = submitted + timedelta(days=10 if status == "submitted" else 40)
    else:
        row.due_at = row.very_late_at = None
    db.session.commit()
    return row


@pytest.fixture
def timed(world):
    """Partij Eigen: five escalations with known outcomes (20-day answer period)."""
    party = world.party
    _escalation(world, party, ack=1, answer=10, status="answered")  # on time
    _escalation(world, party, ack=2, answer=30, status="accepted")  # late (<= 40 days)
    _escalation(world, party, ack=4, answer=50, status="answered")  # very late (> 40 days)
    _escalation(world, party, status="submitted")  # open, 14 days on: past 2 x 5: very late
    _escalation(world, party, status="withdrawn")  # ended without an answer: none
    return world


@pytest.mark.parametrize(
    "compute", [queries._response_times_sql, queries._response_times_python], ids=["sql", "py"]
)
def test_response_times_medians_and_shares(timed, compute):
    (row,) = compute(scope(timed.admin), YEAR, NOW)
    assert row.party == "Partij Eigen" and row.escalations == 5
    assert row.median_acknowledge_days == pytest.approx(2.0)  # 1, 2, 4
    assert row.median_answer_days == pytest.approx(30.0)  # 10, 30, 50
    assert (row.on_time, row.late, row.very_late) == (1, 1, 2)
    assert row.share(row.very_late) == pytest.approx(0.4)
    assert row.other == 1  # the withdrawn one


def test_an_open_escalation_past_twice_its_period_is_very_late(world):
    _escalation(world, world.party, status="submitted")
    later = datetime(2026, 6, 20, tzinfo=UTC)
    (row,) = queries.response_times(scope(world.admin), YEAR, later)
    assert (row.on_time, row.late, row.very_late) == (0, 0, 1)
    (row,) = queries.response_times(scope(world.admin), YEAR, datetime(2026, 6, 8, tzinfo=UTC))
    assert (row.on_time, row.late, row.very_late) == (0, 1, 0)


def test_response_times_leave_out_escalations_the_viewer_may_not_see(world):
    row = _escalation(world, world.other_party, ack=1, answer=3, status="answered")
    row.bottleneck.is_confidential = True
    db.session.commit()
    assert queries.response_times(scope(world.other_coordinator), YEAR, NOW) == []
    assert len(queries.response_times(scope(world.coordinator), YEAR, NOW)) == 1
    assert (
        queries.response_times(scope(world.admin), Period(date(2026, 7, 1), date(2026, 8, 1)), NOW)
        == []
    )


def test_congestion_lists(world):
    a, b, c = builders.network(), builders.network(), builders.network()
    world.dsv.networks = [a, b]
    world.other_dsv.networks = [c]
    mine = builders.bottleneck(world.coordinator, title="Eigen")
    theirs = builders.bottleneck(world.other_coordinator, title="Ander")
    hidden = builders.bottleneck(world.other_coordinator, title="Geheim", confidential=True)
    builders.escalation(world.coordinator, mine, world.party)
    builders.escalation(world.other_coordinator, theirs, world.other_party)
    builders.escalation(world.other_coordinator, hidden, world.liaison.parties[0])
    from tracker.roadblocks import services as road_blocks

    road_block = road_blocks.create(
        world.admin,
        title="Systeemknelpunt bekostiging",
        description="",
        building_block_id=mine.building_block_id,
        party_id=None,
        bottleneck_ids=[mine.id, theirs.id],
    )
    lists = congestion(scope(world.member))
    assert [d.name for d in lists.dsvs] == ["DSV Eigen"]
    assert lists.dsvs[0].networks == sorted([a.name, b.name])
    (spread,) = lists.road_blocks
    assert spread.road_block_id == road_block.id and spread.dsvs == 2
    assert spread.networks == sorted([a.name, b.name, c.name])
    (theme,) = lists.themes
    assert theme.building_block == "4. Bekostiging en financiering"
    # The confidential escalation to Partij Eigen is not counted for an outsider.
    loads = {p.party: (p.escalations, p.bottlenecks, p.dsvs) for p in theme.parties}
    assert loads == {"Partij Eigen": (1, 1, 1), "Partij Ander": (1, 1, 1)}
    seen = congestion(scope(world.liaison)).themes[0].parties
    assert {p.party: p.escalations for p in seen} == {"Partij Eigen": 2, "Partij Ander": 1}


def test_a_theme_with_one_party_is_not_listed(world):
    builders.escalation(world.coordinator, builders.bottleneck(world.coordinator), world.party)
    assert congestion(scope(world.admin)).themes == []


def test_charts_page_has_svg_charts_with_tables(client, world):
    _logged_at(builders.bottleneck(world.coordinator), datetime(2026, 3, 3, tzinfo=UTC))
    client.login(world.coordinator.email, builders.PASSWORD)
    response = client.get("/insights/?from=2026-01&to=2026-12")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('role="img"') == 3  # the empty charts say so instead
    assert 'aria-labelledby="per-block-title per-block-desc"' in page
    assert '<title id="per-block-title">' in page and '<desc id="per-block-desc">' in page
    assert "<table" in page and "<details" in page
    assert re.search(r"<th scope=\"row\">maart 2026</th><td class=\"numeric\">1</td>", page)


def test_charts_page_counts_a_confidential_bottleneck_only_for_its_own_dsv(app, client, world):
    _logged_at(
        builders.bottleneck(world.coordinator, confidential=True), datetime(2026, 3, 3, tzinfo=UTC)
    )
    tile = re.compile(r"Knelpunten <span class=\"count\">(\d+)</span>")
    client.login(world.coordinator.email, builders.PASSWORD)
    assert (
        tile.search(client.get("/insights/?from=2026-03&to=2026-03").get_data(as_text=True))[1]
        == "1"
    )
    outsider = app.test_client()
    outsider.login(world.other_coordinator.email, builders.PASSWORD)
    page = outsider.get("/insights/?from=2026-03&to=2026-03").get_data(as_text=True)
    assert tile.search(page)[1] == "0" and 'role="img"' not in page


def test_charts_page_in_english(client, world):
    client.login(world.admin.email, builders.PASSWORD)
    client.post_form("/language", {"language": "en", "next": "/"})
    page = client.get("/insights/?from=2026-01&to=2026-02").get_data(as_text=True)
    assert "Bottlenecks by building block" in page and "4. Funding and financing" in page


def test_response_times_page_says_how_it_counts(client, timed):
    client.login(timed.admin.email, builders.PASSWORD)
    page = client.get("/insights/response-times?from=2026-06&to=2026-06").get_data(as_text=True)
    assert "kalenderdagen" in page and "Partij Eigen" in page
    assert '<title id="median-answer-title">Mediaan dagen tot antwoord, per partij</title>' in page
    assert re.search(r'<rect class="chart-bar" x="0" y="20" width="344.0"', page)  # the longest
    assert '<td class="numeric">30,0</td>' in page


def test_congestion_page_links_road_blocks(client, world):
    client.login(world.member.email, builders.PASSWORD)
    assert client.get("/insights/congestion").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13",
        "from=abc",
        "to=2026-1x",
        "from=2026-05&to=2026-01",
        "from=2010-01&to=2026-01",
    ],
)
@pytest.mark.parametrize("url", ["/insights/", "/insights/response-times"])
def test_bad_period_is_a_422_that_keeps_the_input(client, world, url, query):
    client.login(world.admin.email, builders.PASSWORD)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "field-error" in page
    for value in re.findall(r"=([^&]+)", query):
        assert f'value="{value}"' in page


def test_default_period_is_the_last_twelve_months_in_amsterdam():
    period = Period.last_twelve_months(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert (period.first, period.last) == (date(2026, 2, 1), date(2027, 1, 1))
    assert period.start == datetime(2026, 1, 31, 23, 0, tzinfo=UTC)


def test_a_merged_duplicate_is_counted_once_through_the_bottleneck_it_went_into(world):
    from tracker.duplicates import services as duplicates

    moment = datetime(2026, 3, 10, 12, tzinfo=UTC)
    target = _logged_at(builders.bottleneck(world.coordinator, title="Doel"), moment)
    duplicate = _logged_at(builders.bottleneck(world.other_coordinator, title="Dubbel"), moment)
    assert queries.overview(scope(world.member), YEAR).total_bottlenecks == 2
    merge = duplicates.merge(world.admin, duplicate.id, target.id)
    assert queries.overview(scope(world.member), YEAR).total_bottlenecks == 1
    duplicates.undo_merge(world.admin, merge.id)
    assert queries.overview(scope(world.member), YEAR).total_bottlenecks == 2


def test_the_filter_shows_the_default_period_it_uses(client, world):
    from tests.htmlforms import form_fields
    from tracker.core.timeutil import utcnow
    from tracker.insights.period import Period

    client.login(world.member.email, builders.PASSWORD)
    fields = form_fields(client.get("/insights/").get_data(as_text=True))
    default = Period.last_twelve_months(utcnow())
    assert fields["from"] == default.first.strftime("%Y-%m")
    assert fields["to"] == default.last.strftime("%Y-%m")


def test_the_one_statement_overview_agrees_with_the_python_view_rule(world):
    """Counts per month, block, status, network and party for every kind of viewer, against
    `tests.insights_oracle` (every bottleneck loaded, `authz.can`)."""
    from tests import insights_oracle
    from tracker.duplicates import services as duplicates

    a, b = builders.network(), builders.network()
    world.dsv.networks = [a, b]
    world.other_dsv.networks = [b]
    made = []
    for month, author, confidential in [
        (1, world.coordinator, False),
        (1, world.coordinator, True),
        (3, world.other_coordinator, True),
        (3, world.other_coordinator, False),
        (6, world.other_coordinator, False),
        (12, world.coordinator, False),
    ]:
        item = builders.bottleneck(author, confidential=confidential)
        made.append(_logged_at(item, datetime(2026, month, 10, 12, tzinfo=UTC)))
    builders.escalation(world.coordinator, made[1], world.party)
    builders.escalation(world.coordinator, made[1], world.other_party)
    builders.escalation(world.other_coordinator, made[2], world.party)
    builders.escalation(world.other_coordinator, made[3], world.other_party)
    duplicates.merge(world.admin, made[4].id, made[3].id)
    both = builders.user(dsvs=[world.dsv], parties=[world.other_party])
    db.session.commit()
    viewers = [world.admin, world.coordinator, world.other_coordinator, world.liaison, both]
    for viewer in viewers:
        for period in (YEAR, Period(date(2026, 3, 1), date(2026, 6, 1))):
            assert insights_oracle.actual(viewer, period) == insights_oracle.expected(
                viewer, period
            ), (viewer.name, period)
