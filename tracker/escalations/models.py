"""One escalation per bottleneck and addressed party, with its own status and deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import Party
from tracker.escalations.workflow import AWAITING_PARTY, Status
from tracker.extensions import db

REQUEST_MAX = 5000


class Escalation(db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("bottleneck_id", "party_id"),
        Index("ix_escalations_party_status_due", "party_id", "status", "due_at"),
        Index("ix_escalations_party_due", "party_id", "due_at"),  # the inbox, unfiltered
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bottleneck_id: Mapped[int] = mapped_column(ForeignKey("bottlenecks.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    status: Mapped[str] = mapped_column(String(16), default=Status.SUBMITTED, index=True)
    request: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledge_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The party's answer period when this escalation was submitted: later changes to the
    # party's setting do not move running deadlines.
    answer_working_days: Mapped[int] = mapped_column(default=20)
    # The deadline that applies now (acknowledge while submitted, answer while acknowledged or
    # reopened), and twice that period: "late" and "very late" are plain indexed comparisons.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    very_late_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    version: Mapped[int] = mapped_column(default=1)

    bottleneck: Mapped[Bottleneck] = relationship(back_populates="escalations")
    party: Mapped[Party] = relationship()
    submitted_by: Mapped[User] = relationship()
    forwarded_from: Mapped[Escalation | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def awaiting_party(self) -> bool:
        return self.status in AWAITING_PARTY

    def is_late(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and (now or utcnow()) > self.due_at

    def is_very_late(self, now: datetime | None = None) -> bool:
        return self.very_late_at is not None and (now or utcnow()) > self.very_late_at
