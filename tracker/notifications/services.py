"""Queueing e-mails in the caller's transaction, and dispatching them from the workers.

A service that changes something calls `queue_email` before it commits: the e-mail exists if and
only if the change does. Nothing here talks to the broker; beat wakes `dispatch_due`.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from tracker.auth.models import Delivery, User
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.extensions import db
from tracker.notifications import bulk, mailer
from tracker.notifications.models import LedgerEntry, Notice, OutboxMessage, OutboxStatus
from tracker.notifications.rendering import Rendered, freeze, render, render_pending, resolve

__all__ = ["Rendered", "render"]  # re-exported: callers render through this module

#: Seconds to wait before attempt n+1 (the last value repeats).
BACKOFF = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
#: A claim older than this belongs to a dispatcher that died mid-batch.
STALE_CLAIM = timedelta(minutes=10)
#: How often a dispatcher working through a long batch refreshes its claim (seconds).
RENEW_CLAIM = 60


def _mail_host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "dsv-tracker.example"


def _message_id(kind: str, host: str | None = None) -> str:
    """Chosen once when queued and kept on every retry, so a resend can be recognised."""
    return f"<{kind}.{secrets.token_hex(16)}@{host or _mail_host()}>"


def queue_email(
    kind: str,
    recipient: User | str,
    *,
    language: str | None = None,
    defer: bool = False,
    **context,
) -> OutboxMessage:
    """Add one e-mail to the current transaction; it is sent only if that commits.

    Rendered now, or with `defer` by the dispatcher from a context of ids and plain values.
    """
    if isinstance(recipient, User):
        address, user_id, language = recipient.email, recipient.id, recipient.language
    else:
        address, user_id, language = recipient, None, language or "nl"
    if defer:
        rendered, frozen = Rendered("", "", ""), freeze(context)
    else:
        rendered, frozen = render(kind, language, recipient=recipient, **context), None
    message = OutboxMessage(
        kind=kind,
        recipient_email=address,
        recipient_id=user_id,
        language=language,
        subject=rendered.subject[:255],
        body_text=rendered.text,
        body_html=rendered.html,
        context=frozen,
        message_id=_message_id(kind),
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


@dataclass(frozen=True)
class Once:
    """The ledger key that makes a reminder or digest happen at most once."""

    kind: str
    recipient: str  # "user:12", "party:3", ...
    subject: str  # "escalation:7", ...
    stage: str  # a reminder stage with its deadline, or a digest window

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.recipient, self.subject, self.stage)


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
    entry.outbox_message = message
    return message


@dataclass(frozen=True)
class Pending:
    """One reminder or digest to send at most once: its ledger key, whom, what, with what."""

    once: Once
    kind: str
    recipient: User | str
    context: dict
    forced: bool = False


def send_once(items: list[Pending]) -> int:
    """Claim the ledger keys in bulk and queue (or defer to a summary) what this call claimed.

    The unique key still decides: a concurrent sweep that claimed a key first wins it, and
    `ON CONFLICT DO NOTHING` leaves it out here. The e-mails are rendered by the dispatcher.
    """
    if not items:
        return 0
    host = _mail_host()
    planned = [(item.once.key, _deferred_row(item, host)) for item in items]
    claimed = bulk.claim_and_queue(planned, utcnow())
    noticed = set()
    for item in items:
        if item.once.key in claimed and item.once.key not in noticed:  # once per key
            noticed.add(item.once.key)
            notice = _notice(item)
            if notice is not None:
                db.session.add(notice)
    return len(claimed)


def _wants_mail(item: Pending) -> bool:
    user = item.recipient
    return not isinstance(user, User) or item.forced or user.delivery == Delivery.IMMEDIATE


def _deferred_row(item: Pending, host: str) -> dict | None:
    """The outbox row to render later, or None (a notice for a summary instead, or "off")."""
    if not _wants_mail(item):
        return None
    context = dict(item.context)
    if isinstance(item.recipient, User):
        user = item.recipient
        address, user_id, language = user.email, user.id, user.language
    else:
        address, user_id = item.recipient, None
        language = context.pop("language", None) or "nl"
    return {
        "kind": item.kind,
        "address": address,
        "user_id": user_id,
        "language": language,
        "context": freeze(context),
        "message_id": _message_id(item.kind, host),
    }


def _notice(item: Pending) -> Notice | None:
    """The summary line for a user who reads summaries; None for e-mail or "off"."""
    user = item.recipient
    if _wants_mail(item) or user.delivery not in (Delivery.DAILY, Delivery.WEEKLY):
        return None
    context = resolve(item.context)
    line = render(item.kind, user.language, recipient=user, **context).subject
    return Notice(user_id=user.id, kind=item.kind, line=line[:255], link=context["link"][:500])


def deliver_to_user(
    kind: str, user: User, *, link: str, forced: bool = False, **context
) -> OutboxMessage | None:
    """An e-mail now, or a notice for the next summary, or nothing, per the user's preference."""
    if forced or user.delivery == Delivery.IMMEDIATE:
        return queue_email(kind, user, link=link, **context)
    if user.delivery in (Delivery.DAILY, Delivery.WEEKLY):
        line = render(kind, user.language, recipient=user, link=link, **context).subject
        db.session.add(Notice(user_id=user.id, kind=kind, line=line[:255], link=link[:500]))
    return None


# --- dispatching (workers) -------------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class Claim:
    token: str
    ids: list[int]


def claim_batch(limit: int) -> Claim:
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
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.claim_token == token)
            .order_by(OutboxMessage.id)
        )
    )
    return Claim(token, ids)


def _renew(token: str, ids: list[int]) -> set[int]:
    """Refresh this dispatcher's claim; returns the ids that are still ours (not taken over)."""
    if not ids:
        return set()
    rows = (
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claim_token == token,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(claimed_at=utcnow())
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return set(rows)


def _outcome(attempts: int, transport: mailer.Transport, email, result: DispatchResult) -> dict:
    """Send one e-mail and say what to record: sent, failed, or pending again after backoff."""
    try:
        transport.send(email)
    except mailer.PermanentError as error:
        result.failed += 1
        return {"status": OutboxStatus.FAILED, "last_error": str(error)}
    except mailer.TransientError as error:
        if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            result.failed += 1
            return {"status": OutboxStatus.FAILED, "last_error": str(error)}
        result.retried += 1
        delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        return {
            "status": OutboxStatus.PENDING,
            "last_error": str(error),
            "next_attempt_at": utcnow() + timedelta(seconds=delay),
        }
    result.sent += 1
    return {"status": OutboxStatus.SENT, "sent_at": utcnow(), "last_error": None}


class _Outcomes:
    """Records each outcome on its own, on one held connection: a single round trip each.

    One commit per message keeps a crash from losing more than one outcome; autocommit on a
    connection of its own (no BEGIN, no pool checkout and ping per message) and not waiting
    for the WAL flush make that affordable. A lost "sent" mark means one resend with the same
    Message-ID, never a lost message.
    """

    def __init__(self) -> None:
        bind = db.session.get_bind()
        self.owned = isinstance(bind, Engine)  # else the session runs in a given connection
        self.postgresql = bind.dialect.name == "postgresql"
        self.connection = bind.connect() if self.owned else bind
        if self.owned:
            self.connection = self.connection.execution_options(isolation_level="AUTOCOMMIT")
            if self.postgresql:
                self.connection.exec_driver_sql("SET synchronous_commit TO OFF")

    def record(self, message_id: int, token: str, values: dict) -> None:
        """Record an outcome, only while the claim is still ours."""
        table = OutboxMessage.__table__
        self.connection.execute(
            update(table)
            .where(table.c.id == message_id, table.c.claim_token == token)
            .values(claim_token=None, **values)
        )

    def close(self) -> None:
        if self.owned:
            if self.postgresql:
                self.connection.exec_driver_sql("RESET synchronous_commit")
            self.connection.close()


def _claimed_emails(claim: Claim, result: DispatchResult) -> list[tuple[int, int, mailer.Mail]]:
    """Render what was deferred (failing what can no longer be rendered), then build MIME."""
    messages = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claim.ids), OutboxMessage.status == OutboxStatus.SENDING)
            .order_by(OutboxMessage.id)
        )
    )
    errors = render_pending([m for m in messages if m.claim_token == claim.token])
    for message in messages:
        if message.id in errors:
            message.status, message.claim_token = OutboxStatus.FAILED, None
            message.last_error = f"cannot render: {errors[message.id]}"[:500]
            result.failed += 1
    sender = current_app.config["MAIL_FROM"]
    emails = [(m.id, m.attempts, mailer.build(m, sender)) for m in messages if m.id not in errors]
    db.session.commit()  # the rendered texts stay, so a retry sends the same e-mail
    return emails


def deliver(claim: Claim, result: DispatchResult, transport: mailer.Transport) -> None:
    """Send each claimed message that is still ours, recording every outcome on its own.

    The claim is renewed when sending starts and every RENEW_CLAIM seconds, far inside
    STALE_CLAIM, so another dispatcher never takes over a message this one is about to send.
    """
    emails = _claimed_emails(claim, result)
    renewed_at = time.monotonic()
    mine = _renew(claim.token, [outbox_id for outbox_id, _, _ in emails])
    outcomes = _Outcomes()
    try:
        for position, (outbox_id, attempts, email) in enumerate(emails):
            if time.monotonic() - renewed_at > RENEW_CLAIM:
                renewed_at = time.monotonic()
                mine = _renew(claim.token, [i for i, _, _ in emails[position:]])
            if outbox_id in mine:
                outcomes.record(
                    outbox_id, claim.token, _outcome(attempts, transport, email, result)
                )
    finally:
        outcomes.close()


def dispatch_due(limit: int | None = None) -> DispatchResult:
    """Send what is due: each message at most once per claim, retried with backoff if transient."""
    result = DispatchResult()
    claim = claim_batch(limit or current_app.config["MAIL_BATCH_SIZE"])
    with mailer.Transport() as transport:
        deliver(claim, result, transport)
    return result


def requeue(message: OutboxMessage) -> None:
    """Put a failed message back in the queue at once, keeping its Message-ID."""
    if message.status != OutboxStatus.FAILED:
        raise InvalidInput(_("Only failed messages can be sent again."))
    message.status, message.attempts, message.last_error = OutboxStatus.PENDING, 0, None
    message.next_attempt_at = utcnow()


def resend(actor: User, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue, keeping its Message-ID (admins only)."""
    from tracker import authz

    authz.require(actor, "registry.manage")
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotVisible()
    requeue(message)
    db.session.commit()
    return message
