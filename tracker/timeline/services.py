"""Writing and reading the timeline."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent


def _short(value: object) -> str | None:
    """Values as stored on the timeline: yes/no, comma-separated lists, at most 255 chars."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list | tuple | set):
        text = ", ".join(str(item) for item in value)
    else:
        text = str(value)
    return text if len(text) <= 255 else text[:254] + "…"


def record(
    subject_type: str,
    subject_id: int,
    kind: str,
    actor: User | None,
    *,
    escalation_id: int | None = None,
    field: str | None = None,
    old: object = None,
    new: object = None,
    body: str = "",
) -> TimelineEvent:
    """Add one event to the current transaction; it commits or rolls back with the change."""
    event = TimelineEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        escalation_id=escalation_id,
        field=field,
        old_value=_short(old),
        new_value=_short(new),
        body=body,
    )
    db.session.add(event)
    return event


def events_for(subject_type: str, *subject_ids: int) -> Sequence[TimelineEvent]:
    """All events of the subjects (one, or one with its merged duplicates), oldest first."""
    return db.session.scalars(
        select(TimelineEvent)
        .where(
            TimelineEvent.subject_type == subject_type, TimelineEvent.subject_id.in_(subject_ids)
        )
        .options(
            joinedload(TimelineEvent.actor),
            joinedload(TimelineEvent.escalation).joinedload(Escalation.party),
        )
        .order_by(TimelineEvent.created_at, TimelineEvent.id)
    ).all()
