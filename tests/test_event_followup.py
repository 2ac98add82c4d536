"""After the event: reminders two days before, close-out, follow-up actions and their reminders."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests import builders
from tests.event_builders import event
from tracker.core.errors import InvalidInput, NotAllowed, NotVisible
from tracker.core.timeutil import AMSTERDAM
from tracker.events import closeout, registrations
from tracker.events import reminders as event_reminders
from tracker.events.models import EventStatus
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.notifications.rendering import render_pending
from tracker.roadblocks import services as road_blocks


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def world(ctx):
    return builders.World()


def _mails(kind: str) -> list[OutboxMessage]:
    """The queued mails of `kind`, rendered as the dispatcher renders them before sending."""
    mails = list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )
    assert render_pending(mails) == {}
    return mails


def _held_event(world, **overrides):
    """An event on Thu 14 Jan 2027 13:30, planned and registered for a week before."""
    with time_machine.travel(local(2027, 1, 7, 9), tick=False):
        held = event(world.admin, world.party, day=date(2027, 1, 14), **overrides)
        registrations.register(world.coordinator, held.id)
        registrations.register(world.other_coordinator, held.id)
    return held


def test_confirmed_registrants_get_one_reminder_two_days_before(world):
    held = event(world.admin, world.party, day=date(2027, 1, 14), capacity=1)
    with time_machine.travel(local(2027, 1, 7, 9), tick=False):
        registrations.register(world.coordinator, held.id)
        registrations.register(world.member, held.id)  # waiting list: no reminder
    assert event_reminders.sweep(local(2027, 1, 12, 13, 29))["event_reminder"] == 0
    assert event_reminders.sweep(local(2027, 1, 12, 13, 31))["event_reminder"] == 1
    assert event_reminders.sweep(local(2027, 1, 13, 9))["event_reminder"] == 0
    (mail,) = _mails("event_reminder")
    assert mail.recipient_email == world.coordinator.email
    assert mail.subject == f"Herinnering: {held.title} op 14 januari 13:30"


def test_close_out_records_attendance_and_report_only_after_the_start(world):
    held = _held_event(world)
    with time_machine.travel(local(2027, 1, 14, 12), tick=False), pytest.raises(InvalidInput):
        closeout.close(world.admin, held.id, attended_ids=[], report="x", version=held.version)
    with time_machine.travel(local(2027, 1, 14, 17), tick=False):
        closeout.close(
            world.liaison,
            held.id,
            attended_ids=[world.coordinator.id],
            report="Goed gesprek.",
            version=held.version,
        )
    assert held.status == EventStatus.CLOSED and held.report == "Goed gesprek."
    seats = {r.user_id: r.attended for r in registrations.registrations(held)}
    assert seats == {world.coordinator.id: True, world.other_coordinator.id: False}
    with pytest.raises(NotAllowed):
        closeout.close(world.other_liaison, held.id, attended_ids=[], report="x", version=None)


def test_follow_up_actions_are_reminded_due_soon_then_overdue_once_each(world):
    held = _held_event(world)
    with time_machine.travel(local(2027, 1, 14, 17), tick=False):
        action = closeout.add_action(
            world.admin,
            held.id,
            title="Notitie populatiebekostiging",
            owner=f"party:{world.party.id}",
            due=date(2027, 1, 29),  # Friday
        )
    assert action.due_at == local(2027, 1, 29, 17)
    assert event_reminders.sweep(local(2027, 1, 26, 17, 1))["action_due_soon"] == 0
    assert event_reminders.sweep(local(2027, 1, 27, 17, 1))["action_due_soon"] == 1
    assert event_reminders.sweep(local(2027, 1, 28, 9))["action_due_soon"] == 0
    assert event_reminders.sweep(local(2027, 1, 29, 16))["action_overdue"] == 0
    assert event_reminders.sweep(local(2027, 1, 29, 17, 1))["action_overdue"] == 1
    assert event_reminders.sweep(local(2027, 2, 5, 9))["action_overdue"] == 0
    mails = _mails("reminder_action")
    assert [m.recipient_email for m in mails] == [world.liaison.email] * 2
    assert mails[1].subject == "Vervolgactie te laat: Notitie populatiebekostiging"


def test_owners_party_liaisons_or_managers_mark_actions_done(world):
    held = _held_event(world)
    with time_machine.travel(local(2027, 1, 14, 17), tick=False):
        mine = closeout.add_action(
            world.admin,
            held.id,
            title="A",
            owner=f"user:{world.coordinator.id}",
            due=date(2027, 2, 1),
        )
    with pytest.raises(NotAllowed):
        closeout.complete_action(world.other_coordinator, mine.id)
    closeout.complete_action(world.coordinator, mine.id)
    assert mine.done_at is not None and mine.done_by_id == world.coordinator.id
    with pytest.raises(NotVisible):
        closeout.complete_action(world.coordinator, 999999)
    with pytest.raises(InvalidInput):  # the owner must be a registrant or a party
        closeout.add_action(
            world.admin, held.id, title="B", owner=f"user:{world.member.id}", due=date(2027, 2, 1)
        )


def test_open_actions_show_on_the_linked_road_block(client, world):
    item = builders.bottleneck(world.coordinator)
    grouped = road_blocks.create(
        world.admin,
        title="Geen populatiebekostiging",
        description="",
        party_id=None,
        building_block_id=item.building_block_id,
        bottleneck_ids=[item.id],
    )
    held = _held_event(world)
    from tracker.events import services

    services.add_agenda_item(world.admin, held.id, road_block_id=grouped.id)
    with time_machine.travel(local(2027, 1, 14, 17), tick=False):
        closeout.add_action(
            world.admin,
            held.id,
            title="Pilot bekostiging uitwerken",
            owner=f"party:{world.party.id}",
            due=date(2027, 3, 1),
            road_block_id=grouped.id,
        )
    client.login(world.member.email, builders.PASSWORD)
    page = client.get(f"/road-blocks/{grouped.id}").get_data(as_text=True)
    assert "Pilot bekostiging uitwerken" in page
    assert "Openstaande vervolgacties" in page


def test_close_out_page_round_trip(client, world):
    held = _held_event(world)
    with time_machine.travel(local(2027, 1, 14, 17), tick=False):
        client.login(world.admin.email, builders.PASSWORD)
        assert client.get(f"/events/{held.id}/close").status_code == 200
        response = client.post_form(
            f"/events/{held.id}/close",
            {
                "version": str(held.version),
                "attended": [str(world.coordinator.id)],
                "report": "Verslag",
            },
        )
        assert response.status_code == 302
        bad = client.post_form(
            f"/events/{held.id}/actions", {"title": "Actie", "owner": "user:x", "due": "morgen"}
        )
        assert bad.status_code == 422
        assert 'value="Actie"' in bad.get_data(as_text=True)
    assert held.status == EventStatus.CLOSED


def test_sweep_cli_runs(app, world):
    result = app.test_cli_runner().invoke(args=["events", "sweep"])
    assert result.exit_code == 0, result.output


def test_the_beat_task_runs_the_same_sweep(world):
    from workers.tasks.events import sweep_events

    held = event(world.admin, world.party, day=date(2027, 1, 14))
    with time_machine.travel(local(2027, 1, 7, 9), tick=False):
        registrations.register(world.coordinator, held.id)
    with time_machine.travel(local(2027, 1, 13, 9), tick=False):
        assert sweep_events()["event_reminder"] == 1
        assert sweep_events()["event_reminder"] == 0
