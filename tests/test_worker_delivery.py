"""Drills with a real Celery worker, a real Redis broker and a real SMTP server.

These tests commit for real (the worker runs in another thread with its own connections), so
they clean the database afterwards instead of rolling back.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select, text

from tests import builders
from tests.services import PrivateRedis
from tracker.directory.seed import seed_reference_data
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage, OutboxStatus
from workers.celery_app import celery_init_app

pytestmark = pytest.mark.no_db_isolation


@pytest.fixture
def committed(app):
    """Real commits; afterwards every table is emptied and the reference data seeded again."""
    yield
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        seed_reference_data()
        db.session.remove()


@pytest.fixture
def redis_server():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def _wait_until(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _statuses(app) -> list[str]:
    with app.app_context():
        statuses = list(db.session.scalars(select(OutboxMessage.status)))
        db.session.remove()
        return statuses


def test_escalating_while_redis_is_down_succeeds_and_mail_follows_when_it_returns(
    app, committed, smtp, redis_server
):
    with app.app_context():
        world = builders.World()
        item = builders.bottleneck(world.coordinator, title="Redis ligt eruit")
        coordinator_email, party_id, item_id = world.coordinator.email, world.party.id, item.id
        liaison_email = world.liaison.email
        db.session.remove()

    redis_server.stop()
    client = app.test_client()
    client.login(coordinator_email, builders.PASSWORD)
    started = time.monotonic()
    response = client.post_form(
        f"/bottlenecks/{item_id}/escalate", {"party_ids": [party_id], "request": "Graag reactie"}
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 2  # the request never waited on the broker
    assert _statuses(app) == [OutboxStatus.PENDING]

    redis_server.start()
    celery = celery_init_app(app)
    celery.conf.update(broker_url=redis_server.url, task_always_eager=False)
    celery.loader.import_default_modules()
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery.send_task("workers.tasks.mail.dispatch_outbox")
        assert _wait_until(lambda: _statuses(app) == [OutboxStatus.SENT])
    assert [m["To"] for m in smtp.messages] == [liaison_email]
    with app.app_context():
        assert db.session.scalar(select(Escalation.status)) == "submitted"
        db.session.remove()


def test_smtp_refusing_for_a_while_is_retried_by_the_worker_and_delivered_once(
    app, committed, smtp, redis_server
):
    from tracker.notifications import services

    with app.app_context():
        world = builders.World()
        services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
        db.session.commit()
        db.session.remove()
    smtp.recorder.refuse("451 4.3.0 busy", times=2)
    celery = celery_init_app(app)
    celery.conf.update(broker_url=redis_server.url)
    celery.loader.import_default_modules()

    def state():
        with app.app_context():
            row = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).one()
            db.session.remove()
            return tuple(row)

    def make_due():  # stands in for waiting out the backoff
        with app.app_context():
            db.session.execute(
                text("UPDATE outbox_messages SET next_attempt_at = now() WHERE status = 'pending'")
            )
            db.session.commit()
            db.session.remove()

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(3):  # three beats: refused, refused, delivered
            before = state()
            make_due()
            celery.send_task("workers.tasks.mail.dispatch_outbox")
            assert _wait_until(lambda b=before: state()[1] > b[1] and state()[0] != "sending")
    assert state() == (OutboxStatus.SENT, 3)
    assert len(smtp.messages) == 1


def test_two_beats_sweeping_at_once_queue_each_reminder_once(app, committed):
    import threading
    from datetime import UTC, datetime, timedelta

    import time_machine

    from tracker.reminders import services as reminders

    with app.app_context():
        world = builders.World()
        for n in range(5):
            item = builders.bottleneck(world.coordinator, title=f"Knelpunt {n}")
            with time_machine.travel(datetime.now(UTC) - timedelta(days=30), tick=False):
                builders.escalation(world.coordinator, item, world.party)
        db.session.remove()

    barrier = threading.Barrier(2)
    results = []

    def beat():
        with app.app_context():
            barrier.wait()
            results.append(reminders.sweep())
            db.session.remove()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        kinds = list(
            db.session.scalars(
                select(OutboxMessage.subject).where(OutboxMessage.kind == "reminder_escalation")
            )
        )
        db.session.remove()
    # Five escalations, each overdue for acknowledgement, with the answer overdue and very
    # overdue: liaison x 3 stages plus the table contact once; and five bottlenecks idle for
    # 30 days. Whichever beat won, nothing is doubled.
    assert len(kinds) == 5 * 4
    total = sum(results, start=type(results[0])())
    assert dict(total) == {
        "answer_overdue": 5,
        "not_acknowledged": 5,
        "very_overdue": 5,
        "very_overdue_table": 5,
        "idle": 5,
    }


def test_a_dispatcher_killed_mid_batch_loses_nothing(app, committed, smtp):
    """SIGKILL a real dispatcher process while it sends; the next one finishes the batch."""
    import os
    import signal
    import subprocess
    import sys
    from datetime import UTC, datetime, timedelta

    import time_machine

    from tests.conftest import PG_URL, TEST_DB
    from tracker.notifications import services

    with app.app_context():
        world = builders.World()
        for n in range(30):
            services.queue_email(
                "invitation", world.member, link=f"https://x.example/{n}", hours=72
            )
        db.session.commit()
        ids = set(db.session.scalars(select(OutboxMessage.message_id)))
        db.session.remove()
    smtp.recorder.delay = 0.1  # a slow relay, so the kill lands mid-batch
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}/{TEST_DB}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "SECRET_KEY": "test",
    }
    dispatcher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tracker import create_app\n"
            "from tracker.notifications.services import dispatch_due\n"
            "with create_app().app_context():\n    dispatch_due()\n",
        ],
        env=env,
    )
    assert _wait_until(lambda: len(smtp.messages) >= 5, 30)
    dispatcher.send_signal(signal.SIGKILL)
    dispatcher.wait(timeout=10)
    sent_before = len(smtp.messages)
    assert sent_before < 30  # it really died mid-batch

    later = datetime.now(UTC) + services.STALE_CLAIM + timedelta(seconds=5)
    with app.app_context(), time_machine.travel(later, tick=False):
        services.dispatch_due()
        db.session.remove()
    received = [m["Message-ID"] for m in smtp.messages]
    assert set(received) == ids  # nothing lost
    # At most the one message in flight at the kill is sent twice, with the same Message-ID.
    assert len(received) - len(set(received)) <= 1
    assert _statuses(app) == [OutboxStatus.SENT] * 30
