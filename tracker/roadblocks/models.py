"""A road block (systeemknelpunt) and the bottlenecks that make it up."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import BuildingBlock, Party
from tracker.extensions import db


class RoadBlockStatus(enum.StrEnum):
    OPEN = "open"
    ON_AGENDA = "on_agenda"  # taken up by a national table
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = {
    RoadBlockStatus.OPEN: _l("open"),
    RoadBlockStatus.ON_AGENDA: _l("on the agenda of a national table"),
    RoadBlockStatus.RESOLVED: _l("resolved"),
    RoadBlockStatus.CLOSED: _l("closed"),
}


class RoadBlock(db.Model):
    __tablename__ = "road_blocks"
    __table_args__ = (
        # The ranked list reads it backwards: most DSVs, then most recently changed.
        Index("ix_road_blocks_ranking", "dsv_count", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    building_block_id: Mapped[int] = mapped_column(ForeignKey("building_blocks.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RoadBlockStatus.OPEN, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    #: How many DSVs it affects (see services.affected) and how many bottlenecks it groups:
    #: stored so the list can rank on them, recomputed by services.refresh_counts on every
    #: change to its members or to their or its co-signatures.
    dsv_count: Mapped[int] = mapped_column(default=0, server_default="0")
    bottleneck_count: Mapped[int] = mapped_column(default=0, server_default="0")

    building_block: Mapped[BuildingBlock] = relationship()
    party: Mapped[Party | None] = relationship()
    created_by: Mapped[User] = relationship()
    members: Mapped[list[RoadBlockMember]] = relationship(
        back_populates="road_block",
        order_by="RoadBlockMember.added_at",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class RoadBlockMember(db.Model):
    """A bottleneck in a road block; a bottleneck belongs to at most one road block."""

    __tablename__ = "road_block_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    road_block_id: Mapped[int] = mapped_column(
        ForeignKey("road_blocks.id", ondelete="CASCADE"), index=True
    )
    bottleneck_id: Mapped[int] = mapped_column(ForeignKey("bottlenecks.id"), unique=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    road_block: Mapped[RoadBlock] = relationship(back_populates="members")
    bottleneck: Mapped[Bottleneck] = relationship()
    added_by: Mapped[User] = relationship()
