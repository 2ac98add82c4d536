"""The outbox of rendered e-mails and the ledger that makes every reminder and digest unique."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.timeutil import utcnow
from tracker.core.types import UTCDateTime
from tracker.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) delivery attempt at next_attempt_at
    SENDING = "sending"  # claimed by a dispatcher; reclaimed when the claim grows stale
    SENT = "sent"
    FAILED = "failed"  # permanent failure or out of attempts; an admin can resend


STATUS_LABELS = {
    OutboxStatus.PENDING: _l("waiting"),
    OutboxStatus.SENDING: _l("sending"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.FAILED: _l("failed"),
}


class OutboxMessage(db.Model):
    """One e-mail to one recipient in their language: rendered when queued, or deferred.

    A deferred row (bulk-queued by a sweep) has empty texts and a `context` of object
    references; the dispatcher renders it before sending and clears the context.
    """

    __tablename__ = "outbox_messages"
    # Only what a query asks for: every index is paid on each of the thousands of rows a sweep
    # queues. The claim token is set only while a dispatcher holds the row, so its index stays
    # tiny and a new row costs it nothing.
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index(
            "ix_outbox_messages_claim_token",
            "claim_token",
            postgresql_where=text("claim_token IS NOT NULL"),
            sqlite_where=text("claim_token IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    context: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # Stable across retries, so a resend after a crash can be recognised by the receiving side.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notice(db.Model):
    """Something a summary-preferring user should hear about, waiting for their next summary."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_pending", "user_id", "summary_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    line: Mapped[str] = mapped_column(String(255))  # the would-be subject, in the user's language
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )

    summary_message: Mapped[OutboxMessage | None] = relationship()


class LedgerEntry(db.Model):
    """A reminder or digest that was queued once: the unique key makes a second one impossible."""

    __tablename__ = "notification_ledger"
    __table_args__ = (
        UniqueConstraint("kind", "recipient", "subject", "stage"),
        # The sweeps ask "was this stage of this escalation sent to anyone yet?" per row.
        Index("ix_notification_ledger_subject_stage", "subject", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(64))  # "user:12" or "party:3"
    subject: Mapped[str] = mapped_column(String(64))  # "escalation:7", "bottleneck:3", ...
    stage: Mapped[str] = mapped_column(String(64))  # a reminder stage or a digest window
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    outbox_message: Mapped[OutboxMessage | None] = relationship()
