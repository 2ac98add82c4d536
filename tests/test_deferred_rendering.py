"""Reminders queued in bulk are rendered by the dispatcher: the same e-mail, and a cheap sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, select

from tests import builders
from tests.test_email_snapshots import SNAPSHOTS, _moment
from tracker.auth.models import Delivery
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import Dsv, Party
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.models import LedgerEntry, OutboxMessage, OutboxStatus
from tracker.notifications.rendering import ref, render_pending
from tracker.notifications.services import Once, Pending, send_once
from tracker.reminders import services as reminders

LINK = "https://tracker.example/bottlenecks/7#escalation-3"


@pytest.fixture
def world(ctx):
    return builders.World()


def _snapshot_objects(world, language: str):
    """The snapshot test's objects, stored: the same names, titles and deadlines."""
    party = db.session.scalar(select(Party).filter_by(name="ZonMw")) or builders.party("ZonMw")
    dsv = db.session.scalar(select(Dsv).filter_by(name="Samen Gezond Twente"))
    dsv = dsv or builders.dsv("Samen Gezond Twente")
    gert = builders.user(parties=[party], dsvs=[dsv], name="Gert Smit", language=language)
    gert.delivery = Delivery.IMMEDIATE
    bottleneck = builders.bottleneck(gert, dsv, title="Prijs maal volume belemmert substitutie")
    escalation = Escalation(
        bottleneck=bottleneck,
        party=party,
        status="answered",
        submitted_by_id=gert.id,
        acknowledge_due_at=_moment(11),
        answer_due_at=_moment(29),
        very_late_at=_moment(29),
        answered_at=_moment(20, 10),
    )
    db.session.add(escalation)
    db.session.flush()
    return gert, bottleneck, escalation


def _deferred_cases(escalation: Escalation, bottleneck: Bottleneck) -> dict[str, dict]:
    common = {
        "escalation": ref(Escalation, escalation.id),
        "bottleneck": ref(Bottleneck, bottleneck.id),
        "link": LINK,
    }
    return {
        **{
            f"reminder_escalation.{stage}": {**common, "stage": stage}
            for stage in ("not_acknowledged", "answer_due_soon", "answer_overdue", "very_overdue")
        },
        "reminder_unconfirmed": {
            **common,
            "accept_link": "https://tracker.example/escalations/3/accept",
            "reopen_link": "https://tracker.example/escalations/3/reopen",
        },
        "reminder_idle": {"bottleneck": ref(Bottleneck, bottleneck.id), "link": LINK, "days": 30},
    }


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_deferred_reminder_renders_exactly_as_its_snapshot(world, language):
    gert, bottleneck, escalation = _snapshot_objects(world, language)
    cases = _deferred_cases(escalation, bottleneck)
    items = [
        Pending(Once(case.split(".")[0], f"user:{gert.id}", case, "s"), case.split(".")[0], gert, c)
        for case, c in cases.items()
    ]
    assert send_once(items) == len(cases)
    db.session.commit()
    db.session.expunge_all()  # the dispatcher starts from the stored rows alone
    messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.subject for m in messages] == [""] * len(cases)  # nothing rendered in the sweep
    assert render_pending(messages) == {}
    for case, message in zip(cases, messages, strict=True):
        assert message.context is None and message.language == language
        text = f"Subject: {message.subject}\n\n{message.body_text}\n--- html ---\n"
        text += f"{message.body_html}\n"
        assert text == (SNAPSHOTS / f"{case}.{language}.txt").read_text(), case


def test_the_dispatcher_renders_deferred_mail_and_sends_it(world, smtp):
    item = builders.bottleneck(world.coordinator, title="Uitgestelde tekst")
    with time_machine.travel(datetime.now(UTC) - timedelta(days=30), tick=False):
        builders.escalation(world.coordinator, item, world.party)
    reminders.sweep()
    result = services.dispatch_due()
    assert result.sent == len(smtp.messages) > 0 and result.failed == 0
    subjects = {m["Subject"] for m in smtp.messages}
    assert "Nog niet bevestigd: Uitgestelde tekst" in subjects
    assert all(m.context is None and m.body_text for m in db.session.scalars(select(OutboxMessage)))
    left = select(OutboxMessage.id).where(OutboxMessage.context.is_not(None))  # SQL NULL
    assert db.session.scalars(left).all() == []


def test_a_deferred_mail_about_something_deleted_fails_visibly(world, smtp):
    item = builders.bottleneck(world.coordinator)
    send_once(
        [
            Pending(
                Once("reminder_idle", f"user:{world.coordinator.id}", "x", "y"),
                "reminder_idle",
                world.coordinator,
                {"bottleneck": ref(Bottleneck, item.id + 1000), "link": LINK, "days": 30},
            )
        ]
    )
    db.session.commit()
    result = services.dispatch_due()
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (result.failed, message.status, smtp.messages) == (1, OutboxStatus.FAILED, [])
    assert "no longer exists" in message.last_error


@pytest.fixture
def queries(app):
    counted = []
    engine = db.engines[None].engine

    def before(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield counted
    event.remove(engine, "before_cursor_execute", before)


def _escalate_overdue(world, count: int) -> None:
    for n in range(count):
        item = builders.bottleneck(world.coordinator, title=f"Knelpunt {n}")
        with time_machine.travel(datetime.now(UTC) - timedelta(days=40), tick=False):
            builders.escalation(world.coordinator, item, world.party)


def _steady_state_queries(queries) -> int:
    reminders.sweep()
    queries.clear()
    assert sum(reminders.sweep().values()) == 0
    return len([q for q in queries if not q.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))])


def test_a_sweep_with_nothing_new_costs_the_same_few_queries(world, queries):
    _escalate_overdue(world, 1)
    few = _steady_state_queries(queries)
    _escalate_overdue(world, 8)
    many = _steady_state_queries(queries)
    # One query per escalation stage, one for unconfirmed answers, one for idle bottlenecks,
    # plus the transaction bookkeeping: nothing is loaded only to be filtered out in Python.
    assert few == many <= 6


def test_a_key_won_elsewhere_or_twice_in_a_batch_leaves_no_mail_behind(world):
    item = builders.bottleneck(world.coordinator)

    def pending(subject: str) -> Pending:
        context = {"bottleneck": ref(Bottleneck, item.id), "link": LINK, "days": 30}
        once = Once("reminder_idle", f"user:{world.coordinator.id}", subject, "idle@1")
        return Pending(once, "reminder_idle", world.coordinator, context)

    assert send_once([pending("won-elsewhere")]) == 1  # another sweep got there first
    assert send_once([pending("won-elsewhere"), pending("twice"), pending("twice")]) == 1
    db.session.commit()
    messages = list(db.session.scalars(select(OutboxMessage)))
    ledger = list(db.session.scalars(select(LedgerEntry)))
    assert len(messages) == len(ledger) == 2
    assert {entry.outbox_message_id for entry in ledger} == {m.id for m in messages}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_deferred_digest_renders_exactly_as_its_snapshot(world, language):
    from tests.test_email_snapshots import _cases
    from tracker.digests.models import Digest

    case = _cases()["digest"]
    party = db.session.scalar(select(Party).filter_by(name="ZonMw")) or builders.party("ZonMw")
    digest = Digest(
        party=party,
        cadence="weekly",
        window_start=case["digest"].window_start,
        window_end=case["digest"].window_end,
        content=case["digest"].content,
    )
    db.session.add(digest)
    db.session.flush()
    gert = builders.user(parties=[party], name="Gert Smit", language=language)
    context = {**case, "digest": digest, "party": party}
    services.queue_email("digest", gert, defer=True, **context)
    db.session.commit()
    db.session.expunge_all()  # the dispatcher starts from the stored row alone
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).one()
    assert message.subject == "" and render_pending([message]) == {}
    text = f"Subject: {message.subject}\n\n{message.body_text}\n--- html ---\n"
    text += f"{message.body_html}\n"
    assert text == (SNAPSHOTS / f"digest.{language}.txt").read_text()


def test_the_outbox_page_shows_caught_deferred_mail_rendered_without_storing_it(world, client):
    item = builders.bottleneck(world.coordinator, title="Nog te renderen")
    with time_machine.travel(datetime.now(UTC) - timedelta(days=30), tick=False):
        builders.escalation(world.coordinator, item, world.party)
    reminders.sweep()
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reminder_escalation")
    ).first()
    client.login(world.admin.email, builders.PASSWORD)
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Nog te renderen" in page and "Open de escalatie" in page
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).body_text == ""  # still for the dispatcher
