"""Users, their memberships of DSVs (coordinator) and parties (liaison), and one-time tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.directory.models import Dsv, Party
from tracker.extensions import db

dsv_members = Table(
    "dsv_members",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("dsv_id", ForeignKey("dsvs.id", ondelete="CASCADE"), primary_key=True, index=True),
)

party_members = Table(
    "party_members",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("party_id", ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Delivery(enum.StrEnum):
    """How a user wants to hear about their work: each mail, a daily or weekly summary, or not."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    delivery: Mapped[str] = mapped_column(String(16), default=Delivery.IMMEDIATE, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Bumped on password change or deactivation: every existing session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person's data were deleted (AVG): the row stays as a pseudonym.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dsvs: Mapped[list[Dsv]] = relationship(
        secondary=dsv_members, back_populates="members", order_by="Dsv.name"
    )
    parties: Mapped[list[Party]] = relationship(
        secondary=party_members, back_populates="liaisons", order_by="Party.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def dsv_ids(self) -> set[int]:
        return {dsv.id for dsv in self.dsvs}

    @property
    def party_ids(self) -> set[int]:
        return {party.id for party in self.parties}

    @property
    def has_accepted_invite(self) -> bool:
        return self.password_hash is not None

    def __str__(self) -> str:
        return self.name


class TokenPurpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class AuthToken(db.Model):
    """A single-use, expiring token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed sign-in, counted per account and per address to slow down password guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "created_at"),
        Index("ix_login_attempts_address_at", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
