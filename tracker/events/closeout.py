"""After an event: attendance, a short report, and follow-up actions reminded until done."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker import authz
from tracker.auth.models import User
from tracker.core.concurrency import check_version, conflicts_are_stale
from tracker.core.errors import InvalidInput, NotAllowed, NotVisible
from tracker.core.timeutil import AMSTERDAM, utcnow
from tracker.directory.models import Party
from tracker.events.models import (
    Event,
    EventStatus,
    FollowUpAction,
    Registration,
    RegistrationStatus,
)
from tracker.events.services import get
from tracker.extensions import db
from tracker.timeline.services import record

SUBJECT = "event"
DUE_HOUR = time(17, 0)


def due_moment(day: date) -> datetime:
    """A local due date as the UTC moment it falls due: 17:00 in Amsterdam."""
    return datetime.combine(day, DUE_HOUR, tzinfo=AMSTERDAM).astimezone(UTC)


@conflicts_are_stale
def close(
    actor: User, event_id: int, *, attended_ids: list[int], report: str, version: int | None
) -> None:
    """Record who came and what was said, and close the event (only once it has started)."""
    event = get(event_id)
    authz.require(actor, "event.manage", event)
    check_version(event, version)
    if event.status == EventStatus.CANCELLED:
        raise InvalidInput(_("A cancelled event cannot be closed."))
    if event.starts_at > utcnow():
        raise InvalidInput(_("An event can be closed only after it has started."))
    if not report.strip():
        raise InvalidInput(_("Write a short report."))
    attended = set(attended_ids)
    seats = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )
    for registration in seats:
        registration.attended = registration.user_id in attended
    if event.status != EventStatus.CLOSED:
        record(SUBJECT, event.id, "status", actor, old=event.status, new=EventStatus.CLOSED)
        event.status = EventStatus.CLOSED
        event.closed_at = utcnow()
    else:
        record(SUBJECT, event.id, "report_changed", actor)
    event.report = report.strip()
    event.updated_at = utcnow()
    db.session.commit()


def owner_choices(event_id: int) -> list[tuple[str, str]]:
    """Possible owners of an action: the event's registrants and every party."""
    users = db.session.scalars(
        select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED
        )
        .order_by(User.name)
    )
    parties = db.session.scalars(select(Party).order_by(Party.name))
    return [(f"user:{u.id}", u.name) for u in users] + [(f"party:{p.id}", p.name) for p in parties]


@conflicts_are_stale
def add_action(
    actor: User,
    event_id: int,
    *,
    title: str,
    owner: str,
    due: date,
    road_block_id: int | None = None,
) -> FollowUpAction:
    """Agree a follow-up action at a held event: one owner (a person or a party), due at 17:00."""
    event = get(event_id)
    authz.require(actor, "event.manage", event)
    if event.status == EventStatus.CANCELLED or event.starts_at > utcnow():
        raise InvalidInput(_("Follow-up actions are agreed at an event that has taken place."))
    if owner not in {code for code, _name in owner_choices(event.id)}:
        raise InvalidInput(_("Choose the owner from the list."))
    kind, _sep, ident = owner.partition(":")
    agenda_road_blocks = {i.road_block_id for i in event.agenda if i.road_block_id}
    if road_block_id is not None and road_block_id not in agenda_road_blocks:
        raise InvalidInput(_("Choose a road block from the agenda."))
    action = FollowUpAction(
        title=title.strip(),
        owner_user_id=int(ident) if kind == "user" else None,
        owner_party_id=int(ident) if kind == "party" else None,
        due_at=due_moment(due),
        road_block_id=road_block_id,
    )
    event.actions.append(action)
    db.session.flush()
    record(SUBJECT, event.id, "action_added", actor, new=action.title)
    db.session.commit()
    return action


@conflicts_are_stale
def complete_action(actor: User, action_id: int) -> FollowUpAction:
    """Mark an action done (its owner, the owning party's liaisons, or the event's managers)."""
    action = db.session.get(FollowUpAction, action_id)
    if action is None or not authz.can(actor, "event.view", action.event):
        raise NotVisible()
    if not authz.can(actor, "action.complete", action):
        raise NotAllowed()
    if action.done_at is not None:
        return action
    action.done_at = utcnow()
    action.done_by_id = actor.id
    record(SUBJECT, action.event_id, "action_done", actor, new=action.title)
    if action.road_block_id:
        record("road_block", action.road_block_id, "action_done", actor, new=action.title)
    db.session.commit()
    return action


def open_actions_for_road_block(road_block_id: int) -> list[FollowUpAction]:
    """Open follow-up actions linked to a road block, soonest due first."""
    return list(
        db.session.scalars(
            select(FollowUpAction)
            .where(FollowUpAction.road_block_id == road_block_id, FollowUpAction.done_at.is_(None))
            .options(
                # One query for the actions with everything the list shows and checks.
                joinedload(FollowUpAction.event).joinedload(Event.organiser_network),
                joinedload(FollowUpAction.owner_user),
                joinedload(FollowUpAction.owner_party),
            )
            .order_by(FollowUpAction.due_at)
        )
    )


def actions_owned_by(user: User):
    """The SQL condition for actions the user owns, personally or through a party."""
    clauses = [FollowUpAction.owner_user_id == user.id]
    if user.party_ids:
        clauses.append(FollowUpAction.owner_party_id.in_(user.party_ids))
    return or_(*clauses)
