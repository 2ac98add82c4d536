"""Registering for an event: seats up to the capacity, then a FIFO waiting list.

Seats are counted while the event row is locked (`FOR UPDATE` on PostgreSQL), so two people
registering at the same moment for the last seat cannot both get it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import authz
from tracker.auth.models import User
from tracker.core.concurrency import conflicts_are_stale
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.core.urls import external_url
from tracker.events.models import Event, EventStatus, Registration, RegistrationStatus
from tracker.extensions import db
from tracker.notifications.services import deliver_to_user
from tracker.timeline.services import record

SUBJECT = "event"


def locked(event_id: int) -> Event:
    """The event, its row locked until the transaction ends (or NotVisible)."""
    event = db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update(of=Event)
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise NotVisible()
    return event


def confirmed_count(event_id: int) -> int:
    """How many seats are taken."""
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )


def _has_seat_free(event: Event) -> bool:
    return event.capacity is None or confirmed_count(event.id) < event.capacity


def registration_of(user: User, event_id: int) -> Registration | None:
    """The user's registration row for an event (any status), if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id, Registration.user_id == user.id
        )
    )


def _waiting(event_id: int):
    return (
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.registered_at, Registration.id)
    )


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ids = db.session.scalars(_waiting(registration.event_id).with_only_columns(Registration.id))
    return list(ids).index(registration.id) + 1


@conflicts_are_stale
def register(actor: User, event_id: int) -> Registration:
    """A seat if free, else the end of the waiting list; registering twice changes nothing."""
    event = locked(event_id)
    authz.require(actor, "event.register", event)
    registration = registration_of(actor, event.id)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        return registration
    status = RegistrationStatus.CONFIRMED if _has_seat_free(event) else RegistrationStatus.WAITING
    if registration is None:
        registration = Registration(event_id=event.id, user_id=actor.id)
        db.session.add(registration)
    registration.status = status
    registration.registered_at = utcnow()
    registration.attended = None
    record(SUBJECT, event.id, f"registration_{status}", actor, new=actor.name)
    db.session.commit()
    return registration


@conflicts_are_stale
def cancel(actor: User, event_id: int) -> None:
    """Give up a seat or a place on the waiting list; a freed seat goes to the first waiting."""
    event = locked(event_id)
    authz.require(actor, "event.view", event)
    registration = registration_of(actor, event.id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise InvalidInput(_("You are not registered for this event."))
    if event.status != EventStatus.PLANNED or event.starts_at <= utcnow():
        raise InvalidInput(_("This event has started or is no longer planned."))
    registration.status = RegistrationStatus.CANCELLED
    record(SUBJECT, event.id, "registration_cancelled", actor, old=actor.name)
    db.session.flush()
    promote_waiting(event)
    db.session.commit()


def promote_waiting(event: Event) -> list[Registration]:
    """Give free seats to the waiting list, first come first served, and e-mail each of them.

    The caller holds the event lock and commits.
    """
    promoted = []
    if event.status != EventStatus.PLANNED:
        return promoted
    db.session.flush()
    while _has_seat_free(event):
        first = db.session.scalar(_waiting(event.id).limit(1))
        if first is None:
            break
        first.status = RegistrationStatus.CONFIRMED
        db.session.flush()
        record(SUBJECT, event.id, "registration_promoted", None, new=first.user.name)
        deliver_to_user(
            "event_promoted",
            first.user,
            forced=True,
            event=event,
            link=external_url("events.detail", event_id=event.id),
        )
        promoted.append(first)
    return promoted


def registrations(event: Event) -> list[Registration]:
    """Every registration of an event: seats first, then the waiting list in order."""
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITING: 1}
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id)
        .order_by(Registration.registered_at, Registration.id)
    )
    return sorted(rows, key=lambda r: order.get(r.status, 2))


def tell_cancelled(event: Event) -> None:
    """E-mail every active registrant (seat or waiting list) that the event is called off."""
    rows = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )
    for registration in rows:
        if registration.user.active:
            deliver_to_user(
                "event_cancelled",
                registration.user,
                forced=True,
                event=event,
                link=external_url("events.detail", event_id=event.id),
            )
