"""Road-block digests: fixed windows in Amsterdam time, compiled once, stored and e-mailed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from tests import builders
from tracker.core.timeutil import AMSTERDAM
from tracker.digests import services
from tracker.digests.models import Cadence, Digest
from tracker.digests.windows import last_closed_window, window_containing
from tracker.escalations import services as escalations
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.notifications.rendering import render_pending


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("cadence", "moment", "start", "end"),
    [
        (Cadence.WEEKLY, local(2027, 3, 31, 12), local(2027, 3, 29), local(2027, 4, 5)),
        # The week of the spring DST switch is 167 hours long, still Monday to Monday.
        (Cadence.WEEKLY, local(2027, 3, 28, 23), local(2027, 3, 22), local(2027, 3, 29)),
        # Fortnights count from Monday 1 January 2024 (the same on every installation).
        (Cadence.BIWEEKLY, local(2027, 1, 6), local(2026, 12, 28), local(2027, 1, 11)),
        (Cadence.BIWEEKLY, local(2027, 1, 20), local(2027, 1, 11), local(2027, 1, 25)),
        (Cadence.BIWEEKLY, local(2024, 1, 14, 23), local(2024, 1, 1), local(2024, 1, 15)),
        (Cadence.MONTHLY, local(2027, 10, 31, 23, 30), local(2027, 10, 1), local(2027, 11, 1)),
        (Cadence.MONTHLY, local(2027, 12, 31, 23, 59), local(2027, 12, 1), local(2028, 1, 1)),
    ],
)
def test_windows_are_fixed_on_the_amsterdam_calendar(cadence, moment, start, end):
    assert window_containing(cadence, moment) == (start, end)


def test_last_closed_window_is_the_one_before_now():
    assert last_closed_window(Cadence.WEEKLY, local(2027, 3, 29, 0, 30)) == (
        local(2027, 3, 22),
        local(2027, 3, 29),
    )


@pytest.fixture
def world(ctx):
    return builders.World()


def _escalate(world, moment, *, title, confidential=False, author=None):
    author = author or world.coordinator
    item = builders.bottleneck(author, title=title, confidential=confidential)
    with time_machine.travel(moment, tick=False):
        return builders.escalation(author, item, world.party)


def test_digest_lists_new_late_answered_and_themes_and_hides_confidential_titles(world):
    old = _escalate(world, local(2027, 1, 4, 9), title="Oude vraag")  # very late by week 3
    _escalate(world, local(2027, 1, 18, 9), title="Nieuwe vraag")
    _escalate(
        world,
        local(2027, 1, 19, 9),
        title="Geheime vraag",
        confidential=True,
    )
    answered = _escalate(world, local(2027, 1, 12, 9), title="Beantwoorde vraag")
    with time_machine.travel(local(2027, 1, 20, 10), tick=False):
        escalations.apply_action(world.liaison, answered.id, "respond", version=None, note="A")
    content = services.compile_content(world.party, local(2027, 1, 18), local(2027, 1, 25))
    assert content["new"]["total"] == 2
    assert [i["title"] for i in content["new"]["items"]] == ["Nieuwe vraag"]
    assert content["new"]["confidential"] == 1
    assert [i["title"] for i in content["very_late"]["items"]] == [old.bottleneck.title]
    assert [i["title"] for i in content["answered"]["items"]] == ["Beantwoorde vraag"]
    (theme,) = content["themes"]
    assert (theme["block"], theme["bottlenecks"], theme["dsvs"]) == (4, 4, 1)


def test_a_window_is_compiled_once_and_mailed_to_the_table_contact(world):
    _escalate(world, local(2027, 1, 19, 9), title="Vraag")
    with time_machine.travel(local(2027, 1, 25, 1), tick=False):
        first = services.compile_due()
        again = services.compile_due()
    assert again == 0 and first >= 1
    digest = db.session.scalars(select(Digest).where(Digest.party_id == world.party.id)).one()
    assert (digest.window_start, digest.window_end) == (local(2027, 1, 18), local(2027, 1, 25))
    mail = db.session.get(OutboxMessage, digest.outbox_message_id)
    assert mail.recipient_email == world.party.table_contact_email
    assert mail.body_text == "" and render_pending([mail]) == {}  # as the dispatcher does
    assert "Vraag" in mail.body_text and f"/digests/show/{digest.id}" in mail.body_text
    assert services.compile_digest(world.party, digest.window_start, digest.window_end) is None


def test_after_an_outage_the_missed_windows_are_compiled_late_not_lost(world):
    with time_machine.travel(local(2027, 1, 11, 1), tick=False):
        services.compile_due()
    with time_machine.travel(local(2027, 2, 1, 9), tick=False):  # three weeks later
        services.compile_due()
    ends = db.session.scalars(
        select(Digest.window_end)
        .where(Digest.party_id == world.party.id)
        .order_by(Digest.window_end)
    ).all()
    assert ends == [local(2027, 1, 11), local(2027, 1, 18), local(2027, 1, 25), local(2027, 2, 1)]


def test_monthly_party_gets_one_digest_per_month(world):
    world.party.digest_cadence = Cadence.MONTHLY
    db.session.commit()
    with time_machine.travel(local(2027, 3, 1, 1), tick=False):
        services.compile_due()
    (digest,) = db.session.scalars(select(Digest).where(Digest.party_id == world.party.id))
    assert (digest.window_start, digest.window_end) == (local(2027, 2, 1), local(2027, 3, 1))


def test_archive_and_digest_pages_show_the_stored_digest(client, world):
    _escalate(world, local(2027, 1, 19, 9), title="Zichtbaar in het archief")
    digest = services.compile_digest(world.party, local(2027, 1, 18), local(2027, 1, 25))
    db.session.commit()
    client.login(world.member.email, builders.PASSWORD)
    archive = client.get(f"/digests/{world.party.slug}").get_data(as_text=True)
    assert f"/digests/show/{digest.id}" in archive
    page = client.get(f"/digests/show/{digest.id}").get_data(as_text=True)
    assert "Zichtbaar in het archief" in page and "24 jan 2027" in page


def test_cli_preview_prints_any_window_without_storing_or_sending(app, world):
    _escalate(world, local(2027, 1, 19, 9), title="Alleen een voorbeeld")
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    result = app.test_cli_runner().invoke(
        args=[
            "digest",
            "preview",
            "--party",
            world.party.slug,
            "--window",
            "2027-01-20",
            "--language",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Alleen een voorbeeld" in result.output and "New escalations: 1" in result.output
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before
    bad = app.test_cli_runner().invoke(args=["digest", "preview", "--party", "nope"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_windows_are_utc_aware():
    start, end = window_containing(Cadence.WEEKLY, datetime(2027, 6, 2, tzinfo=UTC))
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_digest_names_the_road_blocks_its_party_is_asked_about(world):
    from tracker.roadblocks import services as road_blocks

    first = _escalate(world, local(2027, 1, 19, 9), title="Eerste DSV")
    second_author = world.other_coordinator
    item = builders.bottleneck(second_author, title="Tweede DSV")
    with time_machine.travel(local(2027, 1, 19, 10), tick=False):
        builders.escalation(second_author, item, world.party)
    road_blocks.create(
        world.admin,
        title="Geen populatiebekostiging",
        description="",
        party_id=world.party.id,
        building_block_id=builders.block().id,
        bottleneck_ids=[first.bottleneck_id, item.id],
    )
    content = services.compile_content(world.party, local(2027, 1, 18), local(2027, 1, 25))
    assert [(r["title"], r["dsvs"]) for r in content["road_blocks"]] == [
        ("Geen populatiebekostiging", 2)
    ]


def test_a_stored_digest_stops_naming_a_bottleneck_that_became_confidential(client, world):
    escalation = _escalate(world, local(2027, 1, 19, 9), title="Later geheim")
    digest = services.compile_digest(world.party, local(2027, 1, 18), local(2027, 1, 25))
    escalation.bottleneck.is_confidential = True
    db.session.commit()
    client.login(world.member.email, builders.PASSWORD)
    page = client.get(f"/digests/show/{digest.id}").get_data(as_text=True)
    assert "Later geheim" not in page
    assert "vertrouwelijk" in page


def test_parties_compiled_together_each_get_only_their_own_escalations(world):
    _escalate(world, local(2027, 1, 18, 9), title="Voor ons")
    item = builders.bottleneck(world.coordinator, title="Voor de ander")
    with time_machine.travel(local(2027, 1, 19, 9), tick=False):
        builders.escalation(world.coordinator, item, world.other_party)
    ids = [world.party.id, world.other_party.id]
    contents = services.compile_contents(ids, local(2027, 1, 18), local(2027, 1, 25))
    ours, theirs = contents[world.party.id], contents[world.other_party.id]
    assert [i["title"] for i in ours["new"]["items"]] == ["Voor ons"]
    assert [i["title"] for i in theirs["new"]["items"]] == ["Voor de ander"]
    assert (ours["new"]["total"], theirs["new"]["total"]) == (1, 1)
    window = (local(2027, 1, 18), local(2027, 1, 25))
    for party in (world.party, world.other_party):
        assert contents[party.id] == services.compile_content(party, *window)
