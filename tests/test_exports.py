"""CSV downloads of every list: Excel's format, the list's filters and the viewer's visibility."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import builders
from tracker.core.csv import lines
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks


@pytest.fixture
def world(ctx):
    return builders.World()


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment; filename=" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return [line.split(";") for line in text.removeprefix("\ufeff").splitlines()]


def test_cells_that_look_like_formulas_are_shown_as_text():
    text = "".join(lines(["a", "b"], [["=1+1", "+31"], ["-2", "@SUM(A1)"], [-3, "gewoon; tekst"]]))
    assert text.startswith("\ufeffa;b\r\n")
    assert "'=1+1;'+31\r\n'-2;'@SUM(A1)\r\n" in text
    assert text.endswith('-3;"gewoon; tekst"\r\n')  # numbers stay numbers, ; is quoted


def test_road_block_export_lists_the_ranked_road_blocks(client, world):
    first = builders.bottleneck(world.coordinator)
    second = builders.bottleneck(world.other_coordinator)
    road_blocks.create(
        world.admin,
        title="=Prijs maal volume",
        description="",
        building_block_id=first.building_block_id,
        party_id=world.party.id,
        bottleneck_ids=[first.id, second.id],
    )
    client.login(world.member.email, builders.PASSWORD)
    header, row = _rows(client.get("/road-blocks/export.csv"))
    assert header[1] == "Systeemknelpunt"
    assert row[1] == "'=Prijs maal volume" and row[3:6] == ["2", "2", "Partij Eigen"]
    assert "/road-blocks/export.csv" in client.get("/road-blocks/").get_data(as_text=True)


def test_inbox_export_has_the_inbox_filter_and_only_the_own_party(client, world):
    secret = builders.bottleneck(
        world.coordinator, title="Vertrouwelijk aan ons", confidential=True
    )
    builders.escalation(world.coordinator, secret, world.party)
    builders.escalation(
        world.coordinator,
        builders.bottleneck(world.coordinator, title="Aan ander"),
        world.other_party,
    )
    acknowledged = builders.escalation(
        world.coordinator, builders.bottleneck(world.coordinator, title="Bevestigd"), world.party
    )
    acknowledged.status = "acknowledged"
    db.session.commit()
    client.login(world.liaison.email, builders.PASSWORD)
    rows = _rows(client.get("/inbox/export.csv"))
    assert sorted(r[1] for r in rows[1:]) == ["Bevestigd", "Vertrouwelijk aan ons"]
    rows = _rows(client.get("/inbox/export.csv?status=acknowledged"))
    assert [r[1] for r in rows[1:]] == ["Bevestigd"]
    page = client.get("/inbox?status=acknowledged").get_data(as_text=True)
    assert "/inbox/export.csv?status=acknowledged" in page
    assert client.get("/inbox/export.csv?status=nonsense").status_code == 400


@pytest.mark.parametrize(
    ("key", "expected"),
    [("dsvs", "DSV Eigen"), ("parties", "Partij Eigen"), ("networks", "Netwerk Export")],
)
def test_registry_exports_for_programme_staff(client, world, key, expected):
    network = builders.network(world.party)
    network.name = "Netwerk Export"
    world.dsv.networks = [network]
    db.session.commit()
    client.login(world.admin.email, builders.PASSWORD)
    rows = _rows(client.get(f"/admin/{key}/export.csv"))
    row = next(r for r in rows if r[0] == expected)
    if key == "dsvs":
        assert "Netwerk Export" in row and "Coördinator Eigen" in row
    if key == "networks":
        assert row[1] == "Partij Eigen"
    assert f"/admin/{key}/export.csv" in client.get(f"/admin/{key}/").get_data(as_text=True)


def test_people_export_lists_roles(client, world):
    client.login(world.admin.email, builders.PASSWORD)
    rows = _rows(client.get("/admin/users/export.csv"))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Liaison Eigen"][2] == "Contactpersoon: Partij Eigen"
    assert "/admin/users/export.csv" in client.get("/admin/users/").get_data(as_text=True)


def _answered(world, item, party):
    escalation = builders.escalation(world.coordinator, item, party)
    escalation.submitted_at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    escalation.acknowledged_at = datetime(2026, 5, 5, 9, tzinfo=UTC)
    escalation.answered_at = datetime(2026, 5, 8, 21, tzinfo=UTC)
    escalation.answer_due_at = datetime(2026, 6, 1, 15, tzinfo=UTC)
    escalation.status = "answered"
    escalation.due_at = escalation.very_late_at = None
    db.session.commit()


def _fresh(app, person):
    """A separate browser for a second viewer (signing in again on one client keeps the first)."""
    other = app.test_client()
    assert other.login(person.email, builders.PASSWORD).status_code == 302
    return other


def test_response_times_export_follows_period_and_visibility(app, client, world):
    secret = builders.bottleneck(world.coordinator, confidential=True)
    _answered(world, secret, world.party)
    client.login(world.coordinator.email, builders.PASSWORD)
    url = "/insights/response-times.csv?from=2026-05&to=2026-05"
    header, row = _rows(client.get(url))
    assert header[0] == "Partij" and row == [
        "Partij Eigen",
        "1",
        "1,0",
        "4,5",
        "100%",
        "0%",
        "0%",
        "0%",
    ]
    assert len(_rows(client.get("/insights/response-times.csv?from=2026-06&to=2026-07"))) == 1
    page = client.get("/insights/response-times?from=2026-05&to=2026-05").get_data(as_text=True)
    assert "/insights/response-times.csv?from=2026-05&amp;to=2026-05" in page
    outsider = _fresh(app, world.other_coordinator)
    assert len(_rows(outsider.get(url))) == 1  # only the header: the bottleneck is confidential
    assert outsider.get("/insights/response-times.csv?from=nope").status_code == 422


def test_congestion_exports_never_count_a_confidential_bottleneck_of_another_dsv(
    app, client, world
):
    for party in (world.party, world.other_party):
        item = builders.bottleneck(world.coordinator, confidential=True)
        builders.escalation(world.coordinator, item, party)
    client.login(world.coordinator.email, builders.PASSWORD)
    rows = _rows(client.get("/insights/congestion/themes.csv"))
    assert [r[1] for r in rows[1:]] == ["Partij Ander", "Partij Eigen"]
    outsider = _fresh(app, world.other_coordinator)
    assert len(_rows(outsider.get("/insights/congestion/themes.csv"))) == 1


def test_congestion_export_of_dsvs_in_several_networks(client, world):
    world.dsv.networks = [builders.network(), builders.network()]
    db.session.commit()
    client.login(world.member.email, builders.PASSWORD)
    _header, row = _rows(client.get("/insights/congestion/dsvs.csv"))
    assert row[0] == "DSV Eigen" and row[2].count("Test network") == 2
    page = client.get("/insights/congestion").get_data(as_text=True)
    assert "/insights/congestion/dsvs.csv" in page
