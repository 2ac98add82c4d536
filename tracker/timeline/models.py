"""Timeline events: written once, never updated or deleted by the app.

Every change is an event about one subject (a bottleneck, or a registry row such as a party or a
user), optionally about one escalation of that bottleneck.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.extensions import db


class TimelineEvent(db.Model):
    __tablename__ = "timeline_events"
    __table_args__ = (
        Index("ix_timeline_events_subject", "subject_type", "subject_id", "created_at"),
        # The API's update feed: one subject type, since a moment, in (created_at, id) order.
        Index("ix_timeline_events_feed", "subject_type", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    escalation = relationship("Escalation")


class TimelineIsAppendOnly(RuntimeError):
    pass


@event.listens_for(TimelineEvent, "before_update")
@event.listens_for(TimelineEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise TimelineIsAppendOnly("timeline events are never changed or deleted")
