"""Rules for escalations: escalate to parties, apply workflow actions, compute deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks import services as bottlenecks
from tracker.core.concurrency import check_version, conflicts_are_stale
from tracker.core.errors import InvalidInput, InvalidTransition, NotVisible
from tracker.core.timeutil import add_working_days, utcnow
from tracker.directory.models import Party
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import (
    ENDED,
    STATUS_LABELS,
    TRANSITIONS,
    Status,
    Transition,
    transition_for,
)
from tracker.extensions import db
from tracker.notifications import notify
from tracker.timeline.services import record

SUBJECT = "bottleneck"


def _acknowledge_days() -> int:
    return current_app.config["ACKNOWLEDGE_WORKING_DAYS"]


def start_clock(escalation: Escalation, party: Party, now: datetime) -> None:
    """Set the deadlines of a (re)submitted escalation; the party's answer period is kept."""
    ack_days = _acknowledge_days()
    escalation.submitted_at = now
    escalation.answer_working_days = party.answer_working_days
    escalation.acknowledge_due_at = add_working_days(now, ack_days)
    escalation.answer_due_at = add_working_days(now, party.answer_working_days)
    escalation.due_at = escalation.acknowledge_due_at
    escalation.very_late_at = add_working_days(now, 2 * ack_days)


def _move_clock(escalation: Escalation, target: Status, now: datetime) -> None:
    days = escalation.answer_working_days
    if target is Status.SUBMITTED:
        start_clock(escalation, escalation.party, now)
    elif target is Status.ACKNOWLEDGED:
        escalation.due_at = escalation.answer_due_at
        escalation.very_late_at = add_working_days(escalation.submitted_at, 2 * days)
    elif target is Status.REOPENED:
        escalation.answer_due_at = add_working_days(now, days)
        escalation.due_at = escalation.answer_due_at
        escalation.very_late_at = add_working_days(now, 2 * days)
    else:
        escalation.due_at = None
        escalation.very_late_at = None


def get_visible(user: User, escalation_id: int) -> Escalation:
    """The escalation, or NotVisible when it does not exist or the user may not see it."""
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotVisible()
    authz.require(user, "escalation.view", escalation)
    return escalation


def open_parties(bottleneck_id: int) -> list[Party]:
    """Parties this bottleneck has not been escalated to yet (one escalation per pair)."""
    addressed = select(Escalation.party_id).where(Escalation.bottleneck_id == bottleneck_id)
    return list(
        db.session.scalars(select(Party).where(Party.id.not_in(addressed)).order_by(Party.name))
    )


def _submit(
    bottleneck, party: Party, actor: User, request: str, now: datetime, **extra
) -> Escalation:
    escalation = Escalation(
        bottleneck=bottleneck,
        party=party,
        status=Status.SUBMITTED,
        request=request,
        submitted_by_id=actor.id,
        submitted_at=now,
        **extra,
    )
    start_clock(escalation, party, now)
    db.session.add(escalation)
    db.session.flush()
    return escalation


@conflicts_are_stale
def escalate(
    actor: User, bottleneck_id: int, party_ids: Iterable[int], request: str
) -> list[Escalation]:
    """Escalate to parties not yet addressed, with deadlines and events, in one commit."""
    bottleneck = bottlenecks.get_visible(actor, bottleneck_id)
    authz.require(actor, "bottleneck.escalate", bottleneck)
    ids = set(party_ids)
    if not ids:
        raise InvalidInput(_("Choose at least one national party."))
    if not request.strip():
        raise InvalidInput(_("Say what you ask of the party."))
    parties = list(db.session.scalars(select(Party).where(Party.id.in_(ids)).order_by(Party.name)))
    if len(parties) != len(ids):
        raise InvalidInput(_("Choose parties from the list."))
    already = {e.party_id for e in bottleneck.escalations}
    if duplicates := [p.name for p in parties if p.id in already]:
        raise InvalidInput(
            _(
                "This bottleneck was already escalated to: %(parties)s.",
                parties=", ".join(duplicates),
            )
        )
    now = utcnow()
    created = []
    for party in parties:
        escalation = _submit(bottleneck, party, actor, request.strip(), now)
        notify.escalation_submitted(escalation)
        record(
            SUBJECT,
            bottleneck.id,
            "escalated",
            actor,
            escalation_id=escalation.id,
            new=party.name,
            body=request.strip(),
        )
        created.append(escalation)
    bottlenecks.refresh_status(bottleneck, actor)
    db.session.commit()
    return created


def check_transition(escalation: Escalation, transition: Transition) -> None:
    """Raise InvalidTransition (409) unless `transition` is allowed from the current status."""
    if escalation.status not in transition.sources:
        raise InvalidTransition(
            _(
                "This escalation is %(status)s now, so “%(action)s” is not possible.",
                status=STATUS_LABELS[Status(escalation.status)],
                action=transition.label,
            )
        )


def available_actions(user: User, escalation: Escalation) -> list[Transition]:
    """The transitions this user may apply now: the buttons they see."""
    return [
        t
        for t in TRANSITIONS.values()
        if escalation.status in t.sources and authz.can(user, f"escalation.{t.action}", escalation)
    ]


@conflicts_are_stale
def apply_action(
    actor: User,
    escalation_id: int,
    action: str,
    *,
    version: int | None,
    note: str = "",
    forward_to_party_id: int | None = None,
) -> Escalation:
    """Apply one workflow action after checking permission, version and transition; one commit."""
    transition = transition_for(action)
    escalation = get_visible(actor, escalation_id)
    if transition is None:
        raise NotVisible()
    authz.require(actor, f"escalation.{action}", escalation)
    check_version(escalation, version)
    check_transition(escalation, transition)
    note = note.strip()
    if transition.note_required and not note:
        raise InvalidInput(_("Please add a note: this step needs an explanation."))
    forward_to = _forward_target(escalation, forward_to_party_id) if action == "forward" else None
    now = utcnow()
    old = escalation.status
    escalation.status = transition.target
    _stamp(escalation, transition.target, now)
    _move_clock(escalation, transition.target, now)
    bottleneck = escalation.bottleneck
    record(
        SUBJECT,
        bottleneck.id,
        action,
        actor,
        escalation_id=escalation.id,
        old=old,
        new=transition.target.value,
        body=note,
    )
    if forward_to is not None:
        forwarded = _submit(
            bottleneck, forward_to, actor, escalation.request, now, forwarded_from_id=escalation.id
        )
        notify.escalation_submitted(forwarded)
        record(
            SUBJECT,
            bottleneck.id,
            "escalated",
            actor,
            escalation_id=forwarded.id,
            old=escalation.party.name,
            new=forward_to.name,
            body=note,
        )
    if transition.target is Status.SUBMITTED:
        notify.escalation_submitted(escalation)
    else:
        notify.escalation_changed(escalation, transition, actor)
    bottlenecks.refresh_status(bottleneck, actor)
    db.session.commit()
    return escalation


def _stamp(escalation: Escalation, target: Status, now: datetime) -> None:
    if target is Status.SUBMITTED:
        escalation.acknowledged_at = escalation.answered_at = escalation.closed_at = None
    elif target is Status.ACKNOWLEDGED:
        escalation.acknowledged_at = now
    elif target is Status.ANSWERED:
        escalation.acknowledged_at = escalation.acknowledged_at or now
        escalation.answered_at = now
    elif target in ENDED:
        escalation.closed_at = now


def _forward_target(escalation: Escalation, party_id: int | None) -> Party:
    party = db.session.get(Party, party_id) if party_id else None
    if party is None:
        raise InvalidInput(_("Choose the party to forward to."))
    if any(e.party_id == party.id for e in escalation.bottleneck.escalations):
        raise InvalidInput(
            _("This bottleneck was already escalated to: %(parties)s.", parties=party.name)
        )
    return party
