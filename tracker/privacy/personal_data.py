"""A person's data (AVG): everything we hold about them as JSON, and deletion by anonymisation.

Deletion keeps the user row so timeline events and foreign keys stay valid, but replaces the
name and e-mail with a pseudonym, drops the password, tokens, memberships, calendar link,
pending notices and upcoming event seats, and ends every session. Timeline values that equal the
person's name or address are rewritten to the pseudonym: the one, documented, exception to the
append-only timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from tracker import authz
from tracker.api.models import ApiToken
from tracker.auth.models import AuthToken, User
from tracker.bottlenecks.models import Bottleneck, BottleneckStatus, bottleneck_followers
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.duplicates.models import Cosignature
from tracker.escalations.models import Escalation
from tracker.events.models import (
    CalendarFeed,
    EventStatus,
    FollowUpAction,
    Registration,
    RegistrationStatus,
)
from tracker.events.registrations import locked, promote_waiting
from tracker.extensions import db
from tracker.notifications.models import Notice, OutboxMessage, OutboxStatus
from tracker.timeline.models import TimelineEvent
from tracker.timeline.services import record

PSEUDONYM = "Verwijderde gebruiker #{id}"
PLACEHOLDER_EMAIL = "verwijderd-{id}@anonymised.invalid"
FINISHED = (BottleneckStatus.RESOLVED, BottleneckStatus.CLOSED)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    return user


def _bottleneck(b: Bottleneck) -> dict[str, Any]:
    return {
        "id": b.id,
        "title": b.title,
        "dsv": b.dsv.slug,
        "status": b.status,
        "created_at": _when(b.created_at),
        "updated_at": _when(b.updated_at),
    }


def export(actor: User, user_id: int) -> dict[str, Any]:
    """All personal data of the user: for themselves, or for programme staff (admins)."""
    if actor.id != user_id:
        authz.require(actor, "registry.manage")
    user = _load(user_id)

    def rows(query):
        return list(db.session.scalars(query))

    events = rows(
        select(TimelineEvent).where(TimelineEvent.actor_id == user.id).order_by(TimelineEvent.id)
    )
    return {
        "exported_at": _when(utcnow()),
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "language": user.language,
            "delivery": user.delivery,
            "active": user.active,
            "is_admin": user.is_admin,
            "has_password": user.password_hash is not None,
            "created_at": _when(user.created_at),
            "last_login_at": _when(user.last_login_at),
        },
        "memberships": {
            "dsvs": [{"slug": d.slug, "name": d.name} for d in user.dsvs],
            "parties": [{"slug": p.slug, "name": p.name} for p in user.parties],
        },
        "bottlenecks_owned": [
            _bottleneck(b) for b in rows(select(Bottleneck).where(Bottleneck.owner_id == user.id))
        ],
        "bottlenecks_created": [
            _bottleneck(b)
            for b in rows(select(Bottleneck).where(Bottleneck.created_by_id == user.id))
        ],
        "comments": [
            {"bottleneck_id": e.subject_id, "created_at": _when(e.created_at), "body": e.body}
            for e in events
            if e.kind == "commented"
        ],
        "timeline_events": [
            {
                "subject": f"{e.subject_type}:{e.subject_id}",
                "kind": e.kind,
                "field": e.field,
                "old": e.old_value,
                "new": e.new_value,
                "created_at": _when(e.created_at),
            }
            for e in events
            if e.kind != "commented"
        ],
        "escalations_submitted": [
            {
                "id": e.id,
                "bottleneck_id": e.bottleneck_id,
                "party": e.party.slug,
                "status": e.status,
            }
            for e in rows(select(Escalation).where(Escalation.submitted_by_id == user.id))
        ],
        "cosignatures": [
            {
                "bottleneck_id": c.bottleneck_id,
                "road_block_id": c.road_block_id,
                "dsv": c.dsv.slug,
                "context": c.context,
                "created_at": _when(c.created_at),
            }
            for c in rows(select(Cosignature).where(Cosignature.created_by_id == user.id))
        ],
        "following": [
            {"bottleneck_id": b_id}
            for b_id in db.session.scalars(
                select(bottleneck_followers.c.bottleneck_id).where(
                    bottleneck_followers.c.user_id == user.id
                )
            )
        ],
        "event_registrations": [
            {
                "event_id": r.event_id,
                "event": r.event.title,
                "status": r.status,
                "registered_at": _when(r.registered_at),
                "attended": r.attended,
            }
            for r in rows(select(Registration).where(Registration.user_id == user.id))
        ],
        "follow_up_actions": [
            {"id": a.id, "event_id": a.event_id, "title": a.title, "done": a.done_at is not None}
            for a in rows(select(FollowUpAction).where(FollowUpAction.owner_user_id == user.id))
        ],
        "tokens": [
            {
                "purpose": t.purpose,
                "created_at": _when(t.created_at),
                "expires_at": _when(t.expires_at),
                "used_at": _when(t.used_at),
            }
            for t in rows(select(AuthToken).where(AuthToken.user_id == user.id))
        ],
        "api_tokens": [
            {
                "name": t.name,
                "scope": t.scope,
                "created_at": _when(t.created_at),
                "last_used_at": _when(t.last_used_at),
                "revoked_at": _when(t.revoked_at),
            }
            for t in rows(select(ApiToken).where(ApiToken.user_id == user.id))
        ],
        "calendar_feeds": [
            {"created_at": _when(f.created_at)}
            for f in rows(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
        ],
    }


def open_owned(user_id: int) -> list[Bottleneck]:
    """The user's bottlenecks that are still being worked on: they need a new owner first."""
    return list(
        db.session.scalars(
            select(Bottleneck)
            .where(Bottleneck.owner_id == user_id, Bottleneck.status.not_in(FINISHED))
            .order_by(Bottleneck.id)
        )
    )


def _reassign(actor: User, bottlenecks: list[Bottleneck], new_owner_id: int | None) -> None:
    if not bottlenecks:
        return
    titles = ", ".join(f"“{b.title}”" for b in bottlenecks)
    new_owner = db.session.get(User, new_owner_id) if new_owner_id else None
    if new_owner is None:
        raise InvalidInput(
            _("Choose a new owner for the open bottlenecks first: %(titles)s.", titles=titles)
        )
    misfits = [b for b in bottlenecks if b.dsv_id not in new_owner.dsv_ids]
    if misfits or not new_owner.active or new_owner.id == bottlenecks[0].owner_id:
        raise InvalidInput(
            _(
                "The new owner must be an active member of the DSV of every open bottleneck: "
                "%(titles)s.",
                titles=titles,
            )
        )
    for b in bottlenecks:
        record(
            "bottleneck",
            b.id,
            "changed",
            actor,
            field="owner",
            old=b.owner.name,
            new=new_owner.name,
        )
        b.owner = new_owner
        b.updated_at = utcnow()


def anonymise(actor: User, user_id: int, new_owner_id: int | None = None) -> User:
    """Delete a person's data in place; refused while they own open bottlenecks and no new owner
    is given. Their timeline events stay, pointing at the pseudonym."""
    authz.require(actor, "registry.manage")
    user = _load(user_id)
    if user.id == actor.id:
        raise InvalidInput(_("You cannot delete your own personal data here."))
    if user.anonymised_at is not None:
        raise InvalidInput(_("The personal data of this person were already deleted."))
    _reassign(actor, open_owned(user.id), new_owner_id)
    old_name, old_email = user.name, user.email
    pseudonym = PSEUDONYM.format(id=user.id)
    _give_up_seats(user, pseudonym)
    for model, column in (
        (AuthToken, AuthToken.user_id),
        (CalendarFeed, CalendarFeed.user_id),
        (Notice, Notice.user_id),
    ):
        db.session.execute(delete(model).where(column == user.id))
    db.session.execute(
        delete(bottleneck_followers).where(bottleneck_followers.c.user_id == user.id)
    )
    # API tokens stay as revoked rows (their rate windows refer to them), without their names.
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id)
        .values(name="", revoked_at=func.coalesce(ApiToken.revoked_at, utcnow()))
    )
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient_id == user.id, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    user.name, user.email = pseudonym, PLACEHOLDER_EMAIL.format(id=user.id)
    user.password_hash, user.last_login_at = None, None
    user.active, user.is_admin = False, False
    user.dsvs, user.parties = [], []
    user.session_version += 1
    user.anonymised_at = utcnow()
    db.session.flush()
    _scrub_timeline(old_name, old_email, pseudonym)
    record("user", user.id, "anonymised", actor)
    db.session.commit()
    return user


def _give_up_seats(user: User, pseudonym: str) -> None:
    """Seats at upcoming events go to the waiting list; past registrations keep the pseudonym."""
    upcoming = db.session.scalars(
        select(Registration).where(
            Registration.user_id == user.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    ).all()
    for registration in upcoming:
        event = registration.event
        if event.status != EventStatus.PLANNED or event.starts_at <= utcnow():
            continue
        locked(event.id)
        registration.status = RegistrationStatus.CANCELLED
        record("event", event.id, "registration_cancelled", None, old=pseudonym)
        promote_waiting(event)


def _scrub_timeline(name: str, email: str, pseudonym: str) -> None:
    """Replace the person's name and address in timeline values (bulk: bypasses append-only).

    The name only when nobody else bears it, so another person's history stays theirs.
    """
    namesake = db.session.scalar(select(User.id).where(User.name == name).limit(1))
    values = [email] if namesake is not None else [email, name]
    for column in ("old_value", "new_value"):
        attribute = getattr(TimelineEvent, column)
        db.session.execute(
            update(TimelineEvent)
            .where(attribute.in_(values))
            .values({column: pseudonym})
            .execution_options(synchronize_session=False)
        )
