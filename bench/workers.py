"""Worker figures at national scale: reminder sweep, digest compilation, outbox dispatch rate.

Runs against a scratch PostgreSQL database (`tracker_bench`, recreated each run) and an
in-process SMTP server. Prints a table; `make bench` runs it. Not part of `make test`.
"""

from __future__ import annotations

import gc
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
from sqlalchemy import func, insert, select, text

from tests import pg_admin
from tests.mail import free_port
from tracker.app import create_app
from tracker.auth.models import User, party_members
from tracker.bottlenecks.models import Bottleneck
from tracker.digests import services as digests
from tracker.directory.models import BuildingBlock, Dsv, Party
from tracker.directory.seed import seed_reference_data
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.notifications import services as outbox
from tracker.notifications.models import OutboxMessage
from tracker.reminders import services as reminders

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "tracker_bench")
ESCALATIONS = int(os.environ.get("BENCH_ESCALATIONS", 50_000))
DUE_SHARE = 0.01
MAILS = int(os.environ.get("BENCH_MAILS", 2_000))


def generate(now: datetime) -> None:
    """500 DSVs, the report's parties with two liaisons each, N open escalations, 1% overdue."""
    rng = random.Random(42)
    seed_reference_data()
    parties = list(db.session.scalars(select(Party)))
    blocks = list(db.session.scalars(select(BuildingBlock.id)))
    db.session.execute(
        insert(Dsv),
        [
            {"name": f"DSV {n}", "slug": f"dsv-{n}", "region": "", "municipalities": ""}
            for n in range(500)
        ],
    )
    db.session.execute(
        insert(User),
        [
            {
                "name": f"Persoon {n}",
                "email": f"p{n}@bench.example",
                "password_hash": "x",
                "language": "nl",
                "delivery": "immediate",
                "active": True,
                "is_admin": False,
                "session_version": 1,
                "created_at": now,
            }
            for n in range(600)
        ],
    )
    users = list(db.session.scalars(select(User.id).order_by(User.id)))
    db.session.execute(
        insert(party_members),
        [
            {"user_id": users[2 * i + k], "party_id": p.id}
            for i, p in enumerate(parties)
            for k in range(2)
        ],
    )
    dsv_ids = list(db.session.scalars(select(Dsv.id).order_by(Dsv.id)))
    owners = users[100:]
    db.session.execute(
        insert(Bottleneck),
        [
            {
                "dsv_id": dsv_ids[n % 500],
                "title": f"Knelpunt {n}",
                "description": "…",
                "building_block_id": blocks[n % 7],
                "owner_id": owners[n % len(owners)],
                "impact": "medium",
                "is_confidential": n % 20 == 0,
                "status": "escalated",
                "created_at": now - timedelta(days=3),
                "updated_at": now - timedelta(days=1),
                "created_by_id": owners[n % len(owners)],
                "version": 1,
            }
            for n in range(ESCALATIONS)
        ],
    )
    bottleneck_ids = list(db.session.scalars(select(Bottleneck.id).order_by(Bottleneck.id)))
    rows = []
    for n, bottleneck_id in enumerate(bottleneck_ids):
        due = rng.random() < DUE_SHARE
        submitted = now - timedelta(days=40 if due else 1)
        ack_due = submitted + timedelta(days=7)
        rows.append(
            {
                "bottleneck_id": bottleneck_id,
                "party_id": parties[n % len(parties)].id,
                "status": "submitted",
                "request": "…",
                "submitted_by_id": owners[0],
                "submitted_at": submitted,
                "acknowledge_due_at": ack_due,
                "answer_due_at": submitted + timedelta(days=28),
                "answer_working_days": 20,
                "due_at": ack_due,
                "very_late_at": submitted + timedelta(days=14),
                "version": 1,
            }
        )
    db.session.execute(insert(Escalation), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("SMTP server did not start")


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    pg_admin.recreate(DB_NAME)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"{PG_URL}/{DB_NAME}", "PUBLIC_URL": "http://localhost:5000"}
    )
    rows = []
    with app.app_context():
        flask_migrate.upgrade()
        gc.freeze()  # as the Celery worker does once the app is loaded (workers/worker.py)
        now = datetime.now(UTC)
        seconds, _ = timed(generate, now)
        print(f"generated {ESCALATIONS:,} open escalations in {seconds:.1f} s")
        db.session.remove()

        first, counts = timed(reminders.sweep, now)
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        rows.append(
            (
                "reminder sweep, first run (queues the due 1%)",
                first,
                f"{sum(counts.values())} reminders, {queued} e-mails",
                0.5,
            )
        )
        again, counts = timed(reminders.sweep, now)
        rows.append(
            (
                "reminder sweep, steady state (nothing new due)",
                again,
                f"{sum(counts.values())} reminders",
                0.5,
            )
        )

        later = now + timedelta(days=8)
        compile_time, compiled = timed(digests.compile_due, later)
        rows.append(
            ("digests for all parties (one window)", compile_time, f"{compiled} digests", 1.0)
        )

        db.session.execute(text("DELETE FROM notification_ledger"))
        db.session.execute(text("DELETE FROM outbox_messages"))
        db.session.commit()
        user = db.session.scalars(select(User)).first()
        for n in range(MAILS):
            outbox.queue_email("invitation", user, link=f"https://x.example/{n}", hours=72)
        db.session.commit()
        port = free_port()  # a real SMTP server in its own process, as in production
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ]
        )
        try:
            wait_for_port(port)
            app.config.update(
                MAIL_TRANSPORT="smtp",
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=port,
                MAIL_BATCH_SIZE=MAILS,
            )
            dispatch_time, result = timed(outbox.dispatch_due)
        finally:
            server.terminate()
        rate = result.sent / dispatch_time
        rows.append(
            (
                f"outbox dispatch to local SMTP ({MAILS} mails)",
                dispatch_time,
                f"{rate:.0f} mails/s, {result.sent} sent, {result.failed} failed",
                None,
            )
        )
        db.session.remove()

    print()
    print(f"{'measurement':<52} {'seconds':>8}  {'target':>7}  result")
    for name, seconds, result, target in rows:
        target_text = f"<= {target}" if target else ">= 200/s"
        print(f"{name:<52} {seconds:>8.3f}  {target_text:>7}  {result}")
    pg_admin.drop(DB_NAME)


if __name__ == "__main__":
    main()
