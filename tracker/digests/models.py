"""A compiled digest: what happened for one party in one closed window."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import Party
from tracker.extensions import db


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


CADENCE_LABELS = {
    Cadence.WEEKLY: _l("weekly"),
    Cadence.BIWEEKLY: _l("every two weeks"),
    Cadence.MONTHLY: _l("monthly"),
}


class Digest(db.Model):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("party_id", "window_start", "window_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    cadence: Mapped[str] = mapped_column(String(16))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    compiled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[dict] = mapped_column(JSON)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )

    party: Mapped[Party] = relationship()
    outbox_message = relationship("OutboxMessage")
