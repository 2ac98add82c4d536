"""The escalation workflow, exhaustively: every status x every action is allowed or refused."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from tests import builders
from tracker.bottlenecks.models import BottleneckStatus
from tracker.bottlenecks.services import derive_status
from tracker.core.errors import InvalidTransition, NotAllowed
from tracker.escalations import services
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import (
    ENDED,
    TERMINAL,
    TRANSITIONS,
    Side,
    Status,
    actions_from,
)
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent

PAIRS = list(itertools.product(Status, TRANSITIONS.values()))


@pytest.fixture
def world(ctx):
    return builders.World()


def _escalation_in(world, status: Status) -> Escalation:
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    escalation.status = status  # put it straight into the state under test
    db.session.commit()
    return escalation


def _actor(world, transition):
    return world.liaison if transition.side is Side.PARTY else world.coordinator


@pytest.mark.parametrize(
    ("status", "transition"), PAIRS, ids=[f"{s.value}-{t.action}" for s, t in PAIRS]
)
def test_every_status_and_action_pair_is_applied_or_refused_per_the_table(
    world, status, transition
):
    escalation = _escalation_in(world, status)
    allowed = status in transition.sources
    kwargs = {"version": escalation.version, "note": "Toelichting"}
    if transition.action == "forward":
        kwargs["forward_to_party_id"] = world.other_party.id
    if allowed:
        services.apply_action(_actor(world, transition), escalation.id, transition.action, **kwargs)
        assert escalation.status == transition.target
        event = db.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.escalation_id == escalation.id,
                TimelineEvent.kind == transition.action,
            )
        ).one()
        assert (event.old_value, event.new_value) == (status.value, transition.target.value)
    else:
        with pytest.raises(InvalidTransition):
            services.apply_action(
                _actor(world, transition), escalation.id, transition.action, **kwargs
            )
        db.session.rollback()
        assert db.session.get(Escalation, escalation.id).status == status


@pytest.mark.parametrize("transition", TRANSITIONS.values(), ids=lambda t: t.action)
def test_the_other_side_may_never_apply_an_action(world, transition):
    source = sorted(transition.sources)[0]
    escalation = _escalation_in(world, Status(source))
    wrong = world.coordinator if transition.side is Side.PARTY else world.liaison
    with pytest.raises(NotAllowed):
        services.apply_action(
            wrong,
            escalation.id,
            transition.action,
            version=escalation.version,
            note="x",
            forward_to_party_id=world.other_party.id,
        )


def test_terminal_statuses_allow_no_action_and_ended_ones_only_escalating_again():
    for status in TERMINAL:
        assert actions_from(status) == []
    for status in ENDED - TERMINAL:
        assert [t.action for t in actions_from(status)] == ["resubmit"]


def test_escalating_again_after_a_withdrawal_restarts_the_clock(world):
    escalation = _escalation_in(world, Status.WITHDRAWN)
    escalation.due_at = None
    db.session.commit()
    services.apply_action(
        world.coordinator, escalation.id, "resubmit", version=None, note="Toch nodig"
    )
    assert escalation.status == Status.SUBMITTED
    assert escalation.due_at == escalation.acknowledge_due_at is not None
    assert escalation.closed_at is None


def test_forward_creates_a_new_submitted_escalation_to_the_other_party(world):
    escalation = _escalation_in(world, Status.ACKNOWLEDGED)
    services.apply_action(
        world.liaison,
        escalation.id,
        "forward",
        version=escalation.version,
        note="Hoort bij de ander",
        forward_to_party_id=world.other_party.id,
    )
    forwarded = db.session.scalars(
        select(Escalation).where(Escalation.forwarded_from_id == escalation.id)
    ).one()
    assert forwarded.party_id == world.other_party.id
    assert forwarded.status == Status.SUBMITTED
    assert forwarded.due_at is not None


def test_forward_to_an_already_addressed_party_changes_nothing(world):
    escalation = _escalation_in(world, Status.SUBMITTED)
    with pytest.raises(Exception) as raised:
        services.apply_action(
            world.liaison,
            escalation.id,
            "forward",
            version=escalation.version,
            note="x",
            forward_to_party_id=world.party.id,
        )
    assert raised.value.status == 422
    db.session.rollback()
    assert db.session.get(Escalation, escalation.id).status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], BottleneckStatus.OPEN),
        ([Status.WITHDRAWN], BottleneckStatus.OPEN),
        ([Status.SUBMITTED, Status.ACCEPTED], BottleneckStatus.ESCALATED),
        ([Status.REOPENED], BottleneckStatus.ESCALATED),
        ([Status.ANSWERED, Status.ACCEPTED], BottleneckStatus.ANSWERED),
        ([Status.ACCEPTED, Status.CLOSED], BottleneckStatus.RESOLVED),
        ([Status.CLOSED, Status.FORWARDED], BottleneckStatus.CLOSED),
    ],
)
def test_bottleneck_status_follows_its_escalations(statuses, expected):
    assert derive_status(statuses) is expected


def test_bottleneck_status_change_is_written_to_the_timeline(world):
    item = builders.bottleneck(world.coordinator)
    builders.escalation(world.coordinator, item, world.party)
    assert item.status == BottleneckStatus.ESCALATED
    kinds = db.session.scalars(
        select(TimelineEvent.kind).where(
            TimelineEvent.subject_type == "bottleneck", TimelineEvent.subject_id == item.id
        )
    ).all()
    assert kinds == ["created", "escalated", "status"]
