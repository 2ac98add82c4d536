"""Co-signatures ("this is ours too") and merges of duplicate bottlenecks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import Dsv
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock

CONTEXT_MAX = 2000


class Cosignature(db.Model):
    """A DSV that has the same bottleneck or road block, with its own context.

    Exactly one subject: a bottleneck (of another DSV) or a road block. A DSV co-signs a
    subject at most once.
    """

    __tablename__ = "cosignatures"
    __table_args__ = (
        CheckConstraint("(bottleneck_id IS NULL) <> (road_block_id IS NULL)", name="one_subject"),
        UniqueConstraint("bottleneck_id", "dsv_id"),
        UniqueConstraint("road_block_id", "dsv_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bottleneck_id: Mapped[int | None] = mapped_column(ForeignKey("bottlenecks.id"), index=True)
    road_block_id: Mapped[int | None] = mapped_column(
        ForeignKey("road_blocks.id", ondelete="CASCADE"), index=True
    )
    dsv_id: Mapped[int] = mapped_column(ForeignKey("dsvs.id"), index=True)
    context: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bottleneck: Mapped[Bottleneck | None] = relationship()
    road_block: Mapped[RoadBlock | None] = relationship()
    dsv: Mapped[Dsv] = relationship()
    created_by: Mapped[User] = relationship()


class Merge(db.Model):
    """One duplicate merged into a target, with exactly what moved, so undo restores it."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    duplicate_id: Mapped[int] = mapped_column(ForeignKey("bottlenecks.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("bottlenecks.id"), index=True)
    #: {"moved": [cosignature ids], "created": id | None, "followers": [user ids added],
    #:  "left": road block id | None, "joined": road block id | None}
    moved: Mapped[dict] = mapped_column(JSON, default=dict)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    duplicate: Mapped[Bottleneck] = relationship(foreign_keys=[duplicate_id])
    target: Mapped[Bottleneck] = relationship(foreign_keys=[target_id])
    merged_by: Mapped[User] = relationship(foreign_keys=[merged_by_id])
