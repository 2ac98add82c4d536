"""Bulk writes for the sweeps: ledger claims and deferred outbox rows, thousands per statement.

On PostgreSQL each write is one statement reading its rows from a single JSON parameter
(`json_to_recordset`): compiled once and sent as one string, instead of a fresh multi-row
VALUES with thousands of bind parameters, whose building (not the database) was most of a
large sweep. SQLite takes the portable path.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, text, update

from tracker.extensions import db
from tracker.notifications.models import LedgerEntry, OutboxMessage, OutboxStatus

CHUNK = 500  # rows per statement on the portable path

_CLAIM = text(
    """
    INSERT INTO notification_ledger (kind, recipient, subject, stage, created_at)
    SELECT k.kind, k.recipient, k.subject, k.stage, :now
    FROM json_to_recordset(CAST(:rows AS json))
         AS k(kind varchar, recipient varchar, subject varchar, stage varchar)
    ON CONFLICT DO NOTHING
    RETURNING id, kind, recipient, subject, stage
    """
)

_OUTBOX = text(
    """
    INSERT INTO outbox_messages (kind, recipient_email, recipient_id, language, subject,
        body_text, body_html, context, message_id, status, attempts, next_attempt_at, created_at)
    SELECT m.kind, m.address, m.user_id, m.language, '', '', '', m.context, m.message_id,
        :status, 0, :now, :now
    FROM json_to_recordset(CAST(:rows AS json))
         AS m(kind varchar, address varchar, user_id integer, language varchar, context json,
              message_id varchar)
    RETURNING id, message_id
    """
)

_CLAIM_AND_QUEUE = text(
    """
    WITH wanted AS (
        SELECT * FROM json_to_recordset(CAST(:rows AS json))
            AS w(kind varchar, recipient varchar, subject varchar, stage varchar,
                 mail_kind varchar, address varchar, user_id integer, language varchar,
                 context json, message_id varchar)
    ),
    mail AS (
        INSERT INTO outbox_messages (kind, recipient_email, recipient_id, language, subject,
            body_text, body_html, context, message_id, status, attempts, next_attempt_at,
            created_at)
        SELECT w.mail_kind, w.address, w.user_id, w.language, '', '', '', w.context,
            w.message_id, :status, 0, :now, :now
        FROM wanted w
        WHERE w.message_id IS NOT NULL AND NOT EXISTS (
            SELECT FROM notification_ledger l
            WHERE (l.kind, l.recipient, l.subject, l.stage)
                = (w.kind, w.recipient, w.subject, w.stage)
        )
        RETURNING id, message_id
    ),
    claimed AS (
        INSERT INTO notification_ledger (kind, recipient, subject, stage, created_at,
            outbox_message_id)
        SELECT w.kind, w.recipient, w.subject, w.stage, :now, mail.id
        FROM wanted w LEFT JOIN mail ON mail.message_id = w.message_id
        ON CONFLICT DO NOTHING
        RETURNING kind, recipient, subject, stage, outbox_message_id
    )
    SELECT claimed.kind, claimed.recipient, claimed.subject, claimed.stage, mail.message_id
    FROM claimed LEFT JOIN mail ON mail.id = claimed.outbox_message_id
    """
)

_LINK = text(
    """
    UPDATE notification_ledger SET outbox_message_id = l.outbox_id
    FROM json_to_recordset(CAST(:rows AS json)) AS l(id integer, outbox_id integer)
    WHERE notification_ledger.id = l.id
    """
)


def claim_and_queue(
    planned: list[tuple[tuple[str, str, str, str], dict | None]], now: datetime
) -> set[tuple]:
    """Claim each ledger key and queue its deferred outbox row (if any) with it, at most once.

    Returns the keys claimed here. On PostgreSQL one statement writes both and links them,
    writing no e-mail for a key the ledger already holds; an e-mail whose key a concurrent
    sweep wins meanwhile (or that comes twice in a batch) is deleted again before anyone can
    see it.
    """
    if not planned:
        return set()
    if not _postgresql():
        ids = claim([key for key, _ in planned], now)
        rows = {key: row for key, row in planned if key in ids and row is not None}
        outbox_ids = insert_deferred(list(rows.values()), now)
        link([(ids[key], outbox_ids[row["message_id"]]) for key, row in rows.items()])
        return set(ids)
    fields = ("kind", "recipient", "subject", "stage")
    wanted = []
    for key, row in planned:
        entry = dict(zip(fields, key, strict=True))
        if row is not None:
            entry.update(row, mail_kind=row["kind"], kind=key[0])
        wanted.append(entry)
    claimed, kept = set(), set()
    for *key, message_id in db.session.execute(
        _CLAIM_AND_QUEUE,
        {"rows": json.dumps(wanted), "now": now, "status": OutboxStatus.PENDING.value},
    ):
        claimed.add(tuple(key))
        kept.add(message_id)
    lost = [row["message_id"] for _, row in planned if row and row["message_id"] not in kept]
    if lost:  # its key was claimed by another sweep, or twice in this batch
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.message_id.in_(lost)))
    return claimed


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def claim(keys: list[tuple[str, str, str, str]], now: datetime) -> dict[tuple, int]:
    """Insert these ledger keys, skipping existing ones; returns key -> id of those claimed here."""
    if not keys:
        return {}
    if _postgresql():
        fields = ("kind", "recipient", "subject", "stage")
        rows = json.dumps([dict(zip(fields, key, strict=True)) for key in keys])
        claimed = db.session.execute(_CLAIM, {"now": now, "rows": rows})
        return {tuple(key): ledger_id for ledger_id, *key in claimed}
    from sqlalchemy.dialects.sqlite import insert

    claimed = {}
    for start in range(0, len(keys), CHUNK):
        values = [
            dict(zip(("kind", "recipient", "subject", "stage"), key, strict=True), created_at=now)
            for key in keys[start : start + CHUNK]
        ]
        statement = (
            insert(LedgerEntry)
            .values(values)
            .on_conflict_do_nothing()
            .returning(
                LedgerEntry.id,
                LedgerEntry.kind,
                LedgerEntry.recipient,
                LedgerEntry.subject,
                LedgerEntry.stage,
            )
        )
        claimed.update({tuple(key): ledger_id for ledger_id, *key in db.session.execute(statement)})
    return claimed


def insert_deferred(rows: list[dict], now: datetime) -> dict[str, int]:
    """Insert deferred outbox rows (kind, address, user_id, language, context, message_id).

    Returns message_id -> outbox id.
    """
    if not rows:
        return {}
    if _postgresql():
        inserted = db.session.execute(
            _OUTBOX,
            {"now": now, "status": OutboxStatus.PENDING.value, "rows": json.dumps(rows)},
        )
        return {message_id: outbox_id for outbox_id, message_id in inserted}
    from sqlalchemy import insert

    ids = {}
    for start in range(0, len(rows), CHUNK):
        values = [
            {
                "kind": r["kind"],
                "recipient_email": r["address"],
                "recipient_id": r["user_id"],
                "language": r["language"],
                "subject": "",
                "body_text": "",
                "body_html": "",
                "context": r["context"],
                "message_id": r["message_id"],
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for r in rows[start : start + CHUNK]
        ]
        inserted = db.session.execute(
            insert(OutboxMessage).returning(OutboxMessage.id, OutboxMessage.message_id), values
        )
        ids.update({message_id: outbox_id for outbox_id, message_id in inserted})
    return ids


def link(pairs: list[tuple[int, int]]) -> None:
    """Point ledger entries (id, outbox id) at the e-mail each one queued."""
    if not pairs:
        return
    if _postgresql():
        rows = json.dumps([{"id": i, "outbox_id": o} for i, o in pairs])
        db.session.execute(_LINK, {"rows": rows})
        return
    db.session.execute(
        update(LedgerEntry), [{"id": i, "outbox_message_id": o} for i, o in pairs]
    )  # ORM bulk UPDATE by primary key: one executemany
