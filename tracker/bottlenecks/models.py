"""The bottleneck (knelpunt) a DSV cannot solve alone."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import BuildingBlock, Domain, Dsv
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.escalations.models import Escalation

TITLE_MAX = 200
DESCRIPTION_MAX = 5000


class Impact(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class BottleneckStatus(enum.StrEnum):
    """Derived from the escalations; see services.derive_status."""

    OPEN = "open"  # not (or no longer) escalated
    ESCALATED = "escalated"  # a party still has to act
    ANSWERED = "answered"  # the DSV still has to accept or reopen an answer
    RESOLVED = "resolved"  # an answer was accepted, nothing pending
    CLOSED = "closed"  # closed by the parties without an accepted answer


STATUS_LABELS = {
    BottleneckStatus.OPEN: _l("open"),
    BottleneckStatus.ESCALATED: _l("escalated"),
    BottleneckStatus.ANSWERED: _l("answered"),
    BottleneckStatus.RESOLVED: _l("resolved"),
    BottleneckStatus.CLOSED: _l("closed"),
}

IMPACT_LABELS = {
    Impact.LOW: _l("low"),
    Impact.MEDIUM: _l("medium"),
    Impact.HIGH: _l("high"),
    Impact.CRITICAL: _l("critical"),
}

bottleneck_domains = Table(
    "bottleneck_domains",
    db.metadata,
    Column("bottleneck_id", ForeignKey("bottlenecks.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True),
)


bottleneck_followers = Table(
    "bottleneck_followers",
    db.metadata,
    Column("bottleneck_id", ForeignKey("bottlenecks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Bottleneck(db.Model):
    __tablename__ = "bottlenecks"
    __table_args__ = (
        Index("ix_bottlenecks_dsv_status", "dsv_id", "status"),
        # The road block and agenda pickers list the first candidates by title.
        Index("ix_bottlenecks_title", "title"),
        Index("ix_bottlenecks_block_title", "building_block_id", "title"),
        # Every column the overview's one pass reads (tracker/insights/queries.py): it scans
        # a period of this index only, not the table (an index-only scan on PostgreSQL).
        Index(
            "ix_bottlenecks_overview",
            "created_at",
            "is_confidential",
            "merged_into_id",
            "building_block_id",
            "status",
            "dsv_id",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dsv_id: Mapped[int] = mapped_column(ForeignKey("dsvs.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    building_block_id: Mapped[int] = mapped_column(ForeignKey("building_blocks.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    impact: Mapped[str] = mapped_column(String(16), default=Impact.MEDIUM)
    is_confidential: Mapped[bool] = mapped_column(default=False, index=True)
    status: Mapped[str] = mapped_column(String(16), default=BottleneckStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    #: Set while this bottleneck is merged into another as a duplicate (undo clears it).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("bottlenecks.id"), index=True)

    dsv: Mapped[Dsv] = relationship()
    building_block: Mapped[BuildingBlock] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    domains: Mapped[list[Domain]] = relationship(secondary=bottleneck_domains, order_by="Domain.id")
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="bottleneck", order_by="Escalation.id"
    )
    merged_into: Mapped[Bottleneck | None] = relationship(remote_side=[id])
    #: People who follow the bottleneck: told about every step of its escalations.
    followers: Mapped[list[User]] = relationship(secondary=bottleneck_followers, order_by="User.id")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title
