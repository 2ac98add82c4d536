"""Personal API tokens (only their SHA-256 is stored) and the per-token rate-limit windows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.extensions import db


class Scope(enum.StrEnum):
    READ = "read"  # GET only
    WRITE = "write"  # also create, update and workflow actions


class ApiToken(db.Model):
    """A personal token that acts with exactly its user's rights until revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(8), default=Scope.READ)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiRateWindow(db.Model):
    """Requests one token made in one fixed window; old windows are dropped as new ones start."""

    __tablename__ = "api_rate_windows"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
