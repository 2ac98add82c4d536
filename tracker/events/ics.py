"""iCalendar: one event as a download, and a user's private feed of events and deadlines.

The feed is opened by calendar apps without a session: a long random token in the URL of which
only the SHA-256 is stored. Times are written in UTC; UIDs are stable so an update replaces the
entry instead of adding one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.errors import NotVisible
from tracker.core.timeutil import utcnow
from tracker.core.urls import external_url
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY
from tracker.events.closeout import actions_owned_by
from tracker.events.models import (
    CalendarFeed,
    Event,
    EventStatus,
    FollowUpAction,
    Registration,
    RegistrationStatus,
)
from tracker.extensions import db
from tracker.timeline.services import record

UID_DOMAIN = "dsv-tracker"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//DSV escalation tracker//events//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _entry(uid: str, summary: str, start: datetime, end: datetime, link: str) -> VEvent:
    entry = VEvent()
    entry.add("uid", f"{uid}@{UID_DOMAIN}")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", start)
    entry.add("dtend", end)
    entry.add("summary", summary)
    entry.add("url", link)
    return entry


def _event_entry(event: Event) -> VEvent:
    link = external_url("events.detail", event_id=event.id)
    entry = _entry(f"event-{event.id}", event.title, event.starts_at, event.ends_at, link)
    entry.add("description", f"{event.description}\n\n{link}".strip())
    if event.place or event.online_url:
        entry.add("location", event.place or event.online_url)
    if event.status == EventStatus.CANCELLED:
        entry.add("status", "CANCELLED")
    return entry


def for_event(event: Event) -> bytes:
    """A calendar file with this one event."""
    calendar = _calendar(event.title)
    calendar.add_component(_event_entry(event))
    return calendar.to_ical()


def _deadline(uid: str, summary: str, due: datetime, link: str) -> VEvent:
    return _entry(uid, summary, due - timedelta(minutes=30), due, link)


def _answer_deadlines(user: User) -> list[VEvent]:
    """Answer-due moments of open escalations: of the user's DSVs and of their parties' inbox."""
    mine = []
    if user.dsv_ids:
        mine.append(
            Escalation.bottleneck_id.in_(
                select(Bottleneck.id).where(Bottleneck.dsv_id.in_(user.dsv_ids))
            )
        )
    if user.party_ids:
        mine.append(Escalation.party_id.in_(user.party_ids))
    if not mine:
        return []
    escalations = db.session.scalars(
        select(Escalation)
        .where(Escalation.status.in_(AWAITING_PARTY), or_(*mine))
        .options(selectinload(Escalation.bottleneck), selectinload(Escalation.party))
        .order_by(Escalation.answer_due_at)
    )
    return [
        _deadline(
            f"escalation-{escalation.id}-answer",
            _(
                "Answer due from %(party)s: %(title)s",
                party=escalation.party.name,
                title=escalation.bottleneck.title,
            ),
            escalation.answer_due_at,
            external_url("bottlenecks.detail", bottleneck_id=escalation.bottleneck_id),
        )
        for escalation in escalations
    ]


def for_user(user: User) -> bytes:
    """The user's confirmed events, answer deadlines of their escalations, and their actions."""
    calendar = _calendar(_("DSV tracker: %(name)s", name=user.name))
    events = db.session.scalars(
        select(Event)
        .join(Registration, Registration.event_id == Event.id)
        .where(Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Event.starts_at)
    )
    for event in events:
        calendar.add_component(_event_entry(event))
    for entry in _answer_deadlines(user):
        calendar.add_component(entry)
    actions = db.session.scalars(
        select(FollowUpAction)
        .where(FollowUpAction.done_at.is_(None), actions_owned_by(user))
        .order_by(FollowUpAction.due_at)
    )
    for action in actions:
        calendar.add_component(
            _deadline(
                f"action-{action.id}",
                _("Follow-up action due: %(title)s", title=action.title),
                action.due_at,
                external_url("events.detail", event_id=action.event_id, _anchor="actions"),
            )
        )
    return calendar.to_ical()


# --- the private feed token -------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The user's feed, if they made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed(user: User) -> str:
    """A new feed token for the user (the old one stops working); only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _hash(raw)
    feed.created_at = utcnow()
    feed.last_used_at = None
    record("user", user.id, "calendar_feed_created", user)
    db.session.commit()
    return raw


def revoke_feed(user: User) -> None:
    """Stop the user's feed; its URL answers 404 from now on."""
    feed = feed_of(user)
    if feed is not None:
        db.session.delete(feed)
        record("user", user.id, "calendar_feed_revoked", user)
    db.session.commit()


def feed_user(raw: str) -> User:
    """The active user whose feed token this is (NotVisible for unknown or revoked tokens)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(raw)))
    if feed is None or not feed.user.active:
        raise NotVisible()
    feed.last_used_at = utcnow()
    db.session.commit()
    return feed.user
