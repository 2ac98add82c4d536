"""Queueing e-mails in the caller's transaction, and dispatching them from the workers.

A service that changes something calls `queue_email` before it commits: the e-mail exists if and
only if the change does. Nothing here talks to the broker; beat wakes `dispatch_due`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from tracker.auth.models import Delivery, User
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.extensions import db
from tracker.notifications import mailer
from tracker.notifications.models import LedgerEntry, Notice, OutboxMessage, OutboxStatus

#: Seconds to wait before attempt n+1 (the last value repeats).
BACKOFF = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
#: A claim older than this belongs to a dispatcher that died mid-batch.
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, language: str, **context) -> Rendered:
    """Render templates/email/<kind>.txt and .html in `language`; the subject is in the txt."""
    env = current_app.jinja_env
    context = {"language": language, **context}
    with force_locale(language):
        text_module = env.get_template(f"email/{kind}.txt").make_module(context)
        html = env.get_template(f"email/{kind}.html").render(context)
    subject = " ".join(str(text_module.subject).split())
    return Rendered(subject=subject, text=str(text_module).strip() + "\n", html=html)


def _message_id(outbox_id: int) -> str:
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "dsv-tracker.example"
    return f"<outbox-{outbox_id}.{uuid.uuid4().hex[:12]}@{host}>"


def queue_email(
    kind: str, recipient: User | str, *, language: str | None = None, **context
) -> OutboxMessage:
    """Add one rendered e-mail to the current transaction; it is sent only if that commits."""
    if isinstance(recipient, User):
        address, user_id, language = recipient.email, recipient.id, recipient.language
    else:
        address, user_id, language = recipient, None, language or "nl"
    rendered = render(kind, language, recipient=recipient, **context)
    message = OutboxMessage(
        kind=kind,
        recipient_email=address,
        recipient_id=user_id,
        language=language,
        subject=rendered.subject[:255],
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=f"<pending-{uuid.uuid4().hex}@local>",
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    message.message_id = _message_id(message.id)
    return message


@dataclass(frozen=True)
class Once:
    """The ledger key that makes a reminder or digest happen at most once."""

    kind: str
    recipient: str  # "user:12", "party:3", ...
    subject: str  # "escalation:7", ...
    stage: str  # a reminder stage with its deadline, or a digest window


def _claim_ledger(once: Once) -> LedgerEntry | None:
    """Write the ledger row in a savepoint; None when it already exists (someone sent it)."""
    try:
        with db.session.begin_nested():
            entry = LedgerEntry(
                kind=once.kind, recipient=once.recipient, subject=once.subject, stage=once.stage
            )
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        return None
    return entry


def queue_once(kind: str, recipient: User | str, once: Once, **context) -> OutboxMessage | None:
    """Queue an e-mail unless the ledger already holds `once`; the unique key decides races."""
    entry = _claim_ledger(once)
    if entry is None:
        return None
    message = queue_email(kind, recipient, **context)
    entry.outbox_message_id = message.id
    return message


def notify_user(
    kind: str, user: User, *, link: str, forced: bool = False, once: Once | None = None, **context
) -> bool:
    """Tell `user` per their delivery preference; False when `once` shows it was done before.

    Immediate: an e-mail now. Daily or weekly: a notice for the next summary. Off: nothing,
    unless `forced` (invitations, resets, very-overdue escalations always go out at once).
    """
    entry = _claim_ledger(once) if once is not None else None
    if once is not None and entry is None:
        return False
    if forced or user.delivery == Delivery.IMMEDIATE:
        message = queue_email(kind, user, link=link, **context)
        if entry is not None:
            entry.outbox_message_id = message.id
    elif user.delivery in (Delivery.DAILY, Delivery.WEEKLY):
        line = render(kind, user.language, recipient=user, link=link, **context).subject
        db.session.add(Notice(user_id=user.id, kind=kind, line=line[:255], link=link[:500]))
    return True


# --- dispatching (workers) -------------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


def claim_batch(limit: int) -> list[int]:
    """Claim due messages for this dispatcher (SKIP LOCKED on PostgreSQL) and commit the claim."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                and_(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                ),
                and_(
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_at < now - STALE_CLAIM,
                ),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(due),
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(
            status=OutboxStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.claim_token == token)
            .order_by(OutboxMessage.id)
        )
    )


def deliver_claimed(message_id: int, result: DispatchResult) -> None:
    """Send one claimed message and record the outcome in its own commit."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.SENDING:
        return
    try:
        mailer.deliver(message)
    except mailer.PermanentError as error:
        message.status, message.last_error = OutboxStatus.FAILED, str(error)
        result.failed += 1
    except mailer.TransientError as error:
        message.last_error = str(error)
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.FAILED
            result.failed += 1
        else:
            delay = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = utcnow() + timedelta(seconds=delay)
            result.retried += 1
    else:
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT, utcnow(), None
        result.sent += 1
    message.claim_token = None
    db.session.commit()


def dispatch_due(limit: int | None = None) -> DispatchResult:
    """Send what is due: each message at most once per claim, retried with backoff if transient."""
    result = DispatchResult()
    for message_id in claim_batch(limit or current_app.config["MAIL_BATCH_SIZE"]):
        deliver_claimed(message_id, result)
    return result


def resend(actor: User, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue, keeping its Message-ID (admins only)."""
    from tracker import authz

    authz.require(actor, "registry.manage")
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotVisible()
    if message.status != OutboxStatus.FAILED:
        raise InvalidInput(_("Only failed messages can be sent again."))
    message.status, message.attempts = OutboxStatus.PENDING, 0
    message.next_attempt_at = utcnow()
    db.session.commit()
    return message
