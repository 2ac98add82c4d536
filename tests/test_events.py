"""Events: organisers, audiences, local times, the agenda, registration and the waiting list."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select, text

from tests import builders
from tests.event_builders import event, event_input
from tracker import authz
from tracker.core.errors import InvalidInput, NotAllowed, NotVisible
from tracker.directory.seed import seed_reference_data
from tracker.events import registrations, services
from tracker.events.models import Registration, RegistrationStatus
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.timeline.models import TimelineEvent


@pytest.fixture
def world(ctx):
    return builders.World()


def _mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_times_are_entered_in_amsterdam_time_summer_and_winter(world):
    summer = event(world.liaison, world.party, day=date(2027, 7, 1), start=time(14), end=time(16))
    winter = event(world.liaison, world.party, day=date(2027, 1, 14), start=time(14), end=time(16))
    assert summer.starts_at == datetime(2027, 7, 1, 12, tzinfo=UTC)  # CEST, UTC+2
    assert winter.starts_at == datetime(2027, 1, 14, 13, tzinfo=UTC)  # CET, UTC+1
    assert winter.ends_at == datetime(2027, 1, 14, 15, tzinfo=UTC)


def test_only_liaisons_of_the_organiser_or_staff_plan_and_manage(world):
    with pytest.raises(NotVisible):
        event(world.coordinator, world.party)
    with pytest.raises(InvalidInput):  # a liaison cannot organise on behalf of another party
        event(world.liaison, world.other_party)
    planned = event(world.admin, world.party)
    assert authz.can(world.liaison, "event.manage", planned)
    assert not authz.can(world.other_liaison, "event.manage", planned)


def test_a_network_organiser_is_managed_by_the_coordinating_partys_liaisons(world):
    network = builders.network(coordinator=world.party)
    planned = services.create(
        world.liaison,
        event_input(None, organiser_network_id=network.id),
    )
    assert planned.organiser == network
    assert authz.can(world.liaison, "event.manage", planned)
    assert not authz.can(world.other_liaison, "event.manage", planned)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": time(13, 0)}, "eind"),
        ({"place": "", "online_url": ""}, "plaats"),
        ({"place": "", "online_url": "javascript:alert(1)"}, "http"),
        ({"capacity": 0}, "capaciteit"),
        ({"audience": "network"}, "netwerk"),
        ({"organiser_network_id": 1}, "organisator"),
    ],
)
def test_invalid_event_input_is_refused_with_a_translated_message(world, overrides, message):
    with pytest.raises(InvalidInput) as refused:
        event(world.admin, world.party, **overrides)
    assert message in refused.value.message.lower()


def test_network_and_invitation_events_are_invisible_to_others(world):
    network = builders.network()
    world.dsv.networks.append(network)
    db.session.commit()
    for_network = event(
        world.admin, world.party, audience="network", audience_network_id=network.id
    )
    invited = event(
        world.admin, world.party, audience="invitation", invitee_ids=[world.other_coordinator.id]
    )
    open_one = event(world.admin, world.party)
    assert authz.can(world.coordinator, "event.view", for_network)
    assert not authz.can(world.other_coordinator, "event.view", for_network)
    assert authz.can(world.other_coordinator, "event.view", invited)
    assert not authz.can(world.coordinator, "event.view", invited)
    assert authz.can(world.liaison, "event.view", invited)  # organiser
    with pytest.raises(NotVisible):
        services.visible(world.other_coordinator, for_network.id)
    with pytest.raises(NotVisible):
        registrations.register(world.member, invited.id)

    def listed(user):
        rows = db.session.scalars(services.listing(user, past=False))
        return {e.id for e in rows} & {for_network.id, invited.id, open_one.id}

    assert listed(world.coordinator) == {for_network.id, open_one.id}
    assert listed(world.other_coordinator) == {invited.id, open_one.id}
    assert listed(world.member) == {open_one.id}
    assert listed(world.admin) == {for_network.id, invited.id, open_one.id}
    assert listed(world.liaison) == {for_network.id, invited.id, open_one.id}


def test_full_event_puts_people_on_a_fifo_waiting_list_and_a_cancel_promotes_the_first(world):
    webinar = event(world.admin, world.party, kind="webinar", capacity=1)
    first = registrations.register(world.coordinator, webinar.id)
    second = registrations.register(world.other_coordinator, webinar.id)
    third = registrations.register(world.member, webinar.id)
    assert [first.status, second.status, third.status] == ["confirmed", "waiting", "waiting"]
    assert registrations.waiting_position(third) == 2
    registrations.cancel(world.coordinator, webinar.id)
    assert second.status == RegistrationStatus.CONFIRMED
    assert registrations.waiting_position(third) == 1
    (mail,) = _mails("event_promoted")
    assert mail.recipient_email == world.other_coordinator.email
    assert webinar.title in mail.subject
    assert mail.subject.startswith("Er is een plaats vrijgekomen")
    kinds = db.session.scalars(
        select(TimelineEvent.kind).where(
            TimelineEvent.subject_type == "event", TimelineEvent.subject_id == webinar.id
        )
    ).all()
    assert "registration_promoted" in kinds


def test_registering_twice_keeps_one_seat_and_re_registering_reuses_the_row(world):
    planned = event(world.admin, world.party, capacity=5)
    first = registrations.register(world.coordinator, planned.id)
    again = registrations.register(world.coordinator, planned.id)
    assert again.id == first.id
    assert registrations.confirmed_count(planned.id) == 1
    registrations.cancel(world.coordinator, planned.id)
    back = registrations.register(world.coordinator, planned.id)
    assert back.id == first.id and back.status == "confirmed"
    rows = db.session.scalars(select(Registration).where(Registration.event_id == planned.id))
    assert len(list(rows)) == 1


def test_more_capacity_promotes_the_waiting_list(world):
    planned = event(world.admin, world.party, capacity=1)
    registrations.register(world.coordinator, planned.id)
    waiting = registrations.register(world.member, planned.id)
    services.update(
        world.admin, planned.id, event_input(world.party.id, capacity=2), planned.version
    )
    assert waiting.status == "confirmed"
    assert len(_mails("event_promoted")) == 1


def test_the_capacity_cannot_drop_below_the_seats_given(world):
    planned = event(world.admin, world.party, capacity=3)
    registrations.register(world.coordinator, planned.id)
    registrations.register(world.member, planned.id)
    with pytest.raises(InvalidInput, match="2 mensen hebben al een plaats"):
        services.update(
            world.admin, planned.id, event_input(world.party.id, capacity=1), planned.version
        )
    db.session.rollback()
    assert planned.capacity == 3
    services.update(
        world.admin, planned.id, event_input(world.party.id, capacity=2), planned.version
    )
    assert planned.capacity == 2 and registrations.confirmed_count(planned.id) == 2


def test_edit_with_a_stale_version_is_refused(world):
    from tracker.core.errors import StaleObject

    planned = event(world.admin, world.party)
    with pytest.raises(StaleObject):
        services.update(world.admin, planned.id, event_input(world.party.id), planned.version - 1)


def test_cancelling_an_event_tells_registrants_and_closes_registration(world):
    planned = event(world.admin, world.party, capacity=1)
    registrations.register(world.member, planned.id)
    registrations.register(world.other_coordinator, planned.id)  # waiting list
    services.cancel_event(world.admin, planned.id, planned.version)
    mails = _mails("event_cancelled")
    assert {m.recipient_email for m in mails} == {world.member.email, world.other_coordinator.email}
    assert mails[0].subject.startswith("Geannuleerd: ")
    with pytest.raises(NotAllowed):
        registrations.register(world.coordinator, planned.id)


def test_confidential_bottlenecks_cannot_go_on_the_agenda(world):
    planned = event(world.admin, world.party)
    secret = builders.bottleneck(world.coordinator, confidential=True, title="Geheim")
    public = builders.bottleneck(world.coordinator, title="Openbaar")
    builders.escalation(world.coordinator, secret, world.party)  # so the liaison may see it
    with pytest.raises(InvalidInput) as refused:
        services.add_agenda_item(world.liaison, planned.id, bottleneck_id=secret.id)
    assert "vertrouwelijk" in refused.value.message.lower()
    services.add_agenda_item(world.liaison, planned.id, bottleneck_id=public.id)
    assert [i.bottleneck_id for i in planned.agenda] == [public.id]


def test_agenda_items_move_up_and_down_and_close_ranks_on_removal(world):
    from tracker.roadblocks import services as road_blocks

    planned = event(world.admin, world.party)
    items = [builders.bottleneck(world.coordinator, title=f"Punt {n}") for n in range(3)]
    grouped = road_blocks.create(
        world.admin,
        title="Systeemknelpunt",
        description="",
        party_id=None,
        building_block_id=items[0].building_block_id,
        bottleneck_ids=[items[0].id],
    )
    services.add_agenda_item(world.admin, planned.id, road_block_id=grouped.id, note="Intro")
    for item in items[1:]:
        services.add_agenda_item(world.admin, planned.id, bottleneck_id=item.id)
    third = planned.agenda[2]
    services.move_agenda_item(world.admin, planned.id, third.id, "up")
    assert [i.subject.title for i in planned.agenda] == ["Systeemknelpunt", "Punt 2", "Punt 1"]
    with pytest.raises(InvalidInput):
        services.move_agenda_item(world.admin, planned.id, planned.agenda[0].id, "up")
    services.remove_agenda_item(world.admin, planned.id, planned.agenda[0].id)
    assert [i.position for i in planned.agenda] == [1, 2]


@pytest.fixture
def committed(app):
    """Real commits; afterwards every table is emptied and the reference data seeded again."""
    yield
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        seed_reference_data()
        db.session.remove()


@pytest.mark.no_db_isolation
def test_two_people_racing_for_the_last_seat_do_not_overbook(app, committed):
    """Real commits on two connections: the event lock serialises the seat count."""
    with app.app_context():
        world = builders.World()
        planned = event(world.admin, world.party, capacity=1)
        ids = (planned.id, world.coordinator.id, world.other_coordinator.id)
        db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(user_id):
        with app.app_context():
            from tracker.auth.models import User

            user = db.session.get(User, user_id)
            barrier.wait()
            outcomes.append(registrations.register(user, ids[0]).status)
            db.session.remove()

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in ids[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["confirmed", "waiting"]


def test_the_agenda_of_a_cancelled_event_is_frozen(world):
    planned = event(world.admin, world.party)
    public = builders.bottleneck(world.coordinator, title="Openbaar")
    services.cancel_event(world.admin, planned.id, planned.version)
    with pytest.raises(InvalidInput):
        services.add_agenda_item(world.admin, planned.id, bottleneck_id=public.id)
