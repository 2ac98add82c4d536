"""The events sweep: a reminder two days before an event, and follow-up actions due soon or late.

Each reminder has a ledger key (kind, recipient, subject, stage with its moment), so it goes out
at most once however often the sweep runs; a rescheduled event or a new due date is a new stage.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.core.timeutil import add_working_days, utcnow
from tracker.core.urls import external_url
from tracker.directory.models import Party
from tracker.events.models import (
    Event,
    EventStatus,
    FollowUpAction,
    Registration,
    RegistrationStatus,
)
from tracker.extensions import db
from tracker.notifications.services import Once, Pending, send_once

EVENT_REMINDER_BEFORE = timedelta(days=2)
ACTION_DUE_SOON_WORKING_DAYS = 2


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M")


def _eligible(user: User) -> bool:
    return user.active and user.has_accepted_invite


def _remind_events(now: datetime, counts: Counter) -> None:
    kind = "event_reminder"
    rows = db.session.execute(
        select(Event, Registration)
        .join(Registration, Registration.event_id == Event.id)
        .where(
            Event.status == EventStatus.PLANNED,
            Event.starts_at > now,
            Event.starts_at <= now + EVENT_REMINDER_BEFORE,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.user))
        .order_by(Event.id, Registration.id)
    )
    pending = [
        Pending(
            Once(
                kind,
                f"user:{reg.user_id}",
                f"event:{event.id}",
                f"starts@{_stamp(event.starts_at)}",
            ),
            kind,
            reg.user,
            {"event": event, "link": external_url("events.detail", event_id=event.id)},
            forced=True,  # a seat you asked for: no summary, no "off"
        )
        for event, reg in rows
        if _eligible(reg.user)
    ]
    counts["event_reminder"] += send_once(pending)


def _owners(action: FollowUpAction) -> list[User]:
    if action.owner_user is not None:
        return [action.owner_user]
    return list(action.owner_party.liaisons) if action.owner_party else []


def _remind_actions(actions: list[FollowUpAction], stage: str, counts: Counter) -> None:
    kind = "reminder_action"
    pending = []
    for action in actions:
        context = {
            "action": action,
            "event": action.event,
            "stage": stage,
            "link": external_url("events.detail", event_id=action.event_id, _anchor="actions"),
        }
        for user in _owners(action):
            once = Once(
                kind, f"user:{user.id}", f"action:{action.id}", f"{stage}@{_stamp(action.due_at)}"
            )
            if _eligible(user):
                pending.append(Pending(once, kind, user, context))
    counts[f"action_{stage}"] += send_once(pending)


def _open_actions(*conditions) -> list[FollowUpAction]:
    return list(
        db.session.scalars(
            select(FollowUpAction)
            .where(FollowUpAction.done_at.is_(None), *conditions)
            .options(
                selectinload(FollowUpAction.event),
                selectinload(FollowUpAction.owner_user),
                selectinload(FollowUpAction.owner_party).selectinload(Party.liaisons),
            )
            .order_by(FollowUpAction.id)
        )
    )


def sweep(now: datetime | None = None) -> Counter:
    """Queue every event and action reminder that is due and not sent before; counts per stage."""
    now = now or utcnow()
    counts: Counter = Counter()
    _remind_events(now, counts)
    db.session.commit()
    soon = add_working_days(now, ACTION_DUE_SOON_WORKING_DAYS)
    _remind_actions(
        _open_actions(FollowUpAction.due_at >= now, FollowUpAction.due_at <= soon),
        "due_soon",
        counts,
    )
    db.session.commit()
    _remind_actions(_open_actions(FollowUpAction.due_at < now), "overdue", counts)
    db.session.commit()
    return counts
