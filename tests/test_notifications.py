"""The outbox: e-mails queued in the change's transaction, delivered over real SMTP, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests import builders
from tracker.escalations import services as escalations
from tracker.extensions import db
from tracker.notifications import mailer, services
from tracker.notifications.models import LedgerEntry, OutboxMessage, OutboxStatus


@pytest.fixture
def world(ctx):
    return builders.World()


def _outbox(**filters) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id))
    )


def test_new_escalation_mails_each_active_liaison_in_their_language(world):
    english = builders.user(parties=[world.party], language="en", name="English Liaison")
    gone = builders.user(parties=[world.party], name="Vertrokken")
    gone.active = False
    db.session.commit()
    item = builders.bottleneck(world.coordinator, title="Geen KvK-nummer")
    builders.escalation(world.coordinator, item, world.party)
    mails = {m.recipient_email: m for m in _outbox(kind="escalation_submitted")}
    assert set(mails) == {world.liaison.email, english.email}
    assert (
        mails[world.liaison.email].subject == "Nieuwe escalatie voor Partij Eigen: Geen KvK-nummer"
    )
    assert mails[english.email].subject == "New escalation for Partij Eigen: Geen KvK-nummer"
    assert f"/bottlenecks/{item.id}#escalation-" in mails[english.email].body_text


def test_party_steps_go_to_the_owner_and_dsv_steps_to_the_liaisons(world):
    item = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, item, world.party)
    escalations.apply_action(world.liaison, escalation.id, "respond", version=None, note="Ja")
    escalations.apply_action(world.coordinator, escalation.id, "reopen", version=None, note="Nee")
    changed = _outbox(kind="escalation_changed")
    assert [m.recipient_email for m in changed] == [world.coordinator.email, world.liaison.email]


def test_a_rolled_back_change_sends_nothing(world):
    item = builders.bottleneck(world.coordinator)
    before = len(_outbox())
    with pytest.raises(Exception, match="Partij Eigen"):
        escalations.escalate(world.coordinator, item.id, [world.party.id, world.party.id], "x")
        escalations.escalate(world.coordinator, item.id, [world.party.id], "twice")
    db.session.rollback()
    assert len(_outbox()) == before + 1  # only the first, committed escalation mailed
    services.queue_email("invitation", world.member, link="https://x.example", hours=1)
    db.session.rollback()
    assert len(_outbox()) == before + 1


def test_dispatch_delivers_over_smtp_with_text_html_and_a_stable_message_id(world, smtp):
    item = builders.bottleneck(world.coordinator)
    builders.escalation(world.coordinator, item, world.party)
    (queued,) = _outbox()
    result = services.dispatch_due()
    assert (result.sent, result.failed) == (1, 0)
    (received,) = smtp.messages
    assert received["Message-ID"] == queued.message_id
    assert received["To"] == world.liaison.email
    assert {part.get_content_type() for part in received.iter_parts()} == {
        "text/plain",
        "text/html",
    }
    assert db.session.get(OutboxMessage, queued.id).status == OutboxStatus.SENT
    assert services.dispatch_due().claimed == 0  # nothing sent twice
    assert len(smtp.messages) == 1


def test_transient_refusal_is_retried_with_backoff_and_delivered_once(world, smtp):
    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    smtp.recorder.refuse("451 4.3.0 try again later", times=2)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        assert services.dispatch_due().retried == 1
    (message,) = _outbox()
    assert message.status == OutboxStatus.PENDING and "451" in message.last_error
    assert message.next_attempt_at == start + timedelta(seconds=30)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert services.dispatch_due().claimed == 0  # not due yet
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert services.dispatch_due().retried == 1
    with time_machine.travel(start + timedelta(seconds=31 + 121), tick=False):
        assert services.dispatch_due().sent == 1
    assert len(smtp.messages) == 1
    assert db.session.get(OutboxMessage, message.id).attempts == 3


def test_permanent_refusal_fails_visibly_and_an_admin_can_resend(world, smtp, client):
    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    smtp.recorder.refuse("550 5.1.1 no such user")
    assert services.dispatch_due().failed == 1
    (message,) = _outbox()
    assert message.status == OutboxStatus.FAILED
    client.login(world.admin.email, builders.PASSWORD)
    assert "550" in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert client.post_form(f"/admin/outbox/{message.id}/resend").status_code == 302
    assert services.dispatch_due().sent == 1
    assert smtp.messages[0]["Message-ID"] == message.message_id


def test_unreachable_server_is_a_transient_error(world, app):
    from tests.mail import free_port

    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    app.config.update(
        MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2
    )
    try:
        assert services.dispatch_due().retried == 1
    finally:
        app.config.update(MAIL_TRANSPORT="file")


def test_out_of_attempts_becomes_failed(world, smtp, app):
    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    (message,) = _outbox()
    message.attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
    db.session.commit()
    smtp.recorder.refuse("421 service not available")
    assert services.dispatch_due().failed == 1


def test_a_dispatcher_that_died_mid_batch_leaves_nothing_lost_or_doubled(world, smtp):
    for n in range(3):
        services.queue_email("invitation", builders.user(), link=f"https://x.example/{n}", hours=72)
    db.session.commit()
    claim = services.claim_batch(limit=10)  # this dispatcher "dies" right after claiming
    result = services.DispatchResult()
    with mailer.Transport() as transport:  # ... having sent only the first
        services.deliver(services.Claim(claim.token, claim.ids[:1]), result, transport)
    assert services.dispatch_due().claimed == 0  # the others are claimed, not lost: wait
    later = datetime.now(UTC) + services.STALE_CLAIM + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert services.dispatch_due().sent == 2
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(m.message_id for m in _outbox())


def test_two_dispatchers_claim_disjoint_batches(world):
    for n in range(5):
        services.queue_email("invitation", builders.user(), link=f"https://x.example/{n}", hours=72)
    db.session.commit()
    first = services.claim_batch(limit=3).ids
    second = services.claim_batch(limit=3).ids
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)


def test_a_slow_dispatcher_whose_claim_was_taken_over_sends_nothing_twice(world, smtp):
    for n in range(3):
        services.queue_email("invitation", builders.user(), link=f"https://x.example/{n}", hours=72)
    db.session.commit()
    slow = services.claim_batch(limit=10)  # dispatcher A claims, then stalls
    later = datetime.now(UTC) + services.STALE_CLAIM + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert services.dispatch_due().sent == 3  # dispatcher B takes over and sends
    with mailer.Transport() as transport:  # A wakes up and carries on with its old claim
        result = services.DispatchResult()
        services.deliver(slow, result, transport)
    assert result.claimed == 0
    assert len(smtp.messages) == 3


def test_ledger_lets_a_reminder_be_queued_only_once(world):
    def remind():
        once = services.Once("invitation", f"user:{world.member.id}", "escalation:1", "overdue")
        return services.queue_once(
            "invitation", world.member, once, link="https://x.example", hours=1
        )

    assert remind() is not None
    assert remind() is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert len(_outbox(kind="invitation")) == 1


def test_caught_mail_is_written_as_eml_files_in_the_embedded_default(world, app, tmp_path):
    app.config.update(MAIL_TRANSPORT="file", MAIL_CATCH_DIR=str(tmp_path))
    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    assert services.dispatch_due().sent == 1
    (eml,) = tmp_path.glob("*.eml")
    assert "https://x.example/i" in eml.read_text()


def test_forgot_password_mails_existing_accounts_and_says_the_same_for_unknown(world, client):
    known = client.post_form("/auth/forgot", {"email": world.coordinator.email.upper()})
    unknown = client.post_form("/auth/forgot", {"email": "niemand@nergens.example"})
    assert known.status_code == unknown.status_code == 302
    assert [m.recipient_email for m in _outbox(kind="password_reset")] == [world.coordinator.email]


def test_a_relay_refusing_the_connection_fails_no_message_for_good(world, app):
    import asyncio  # noqa: F401  (aiosmtpd runs on asyncio)

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    from tests.mail import free_port

    class Maintenance(SMTP):
        async def _handle_client(self):
            await self.push("554 maintenance")
            self.transport.close()

    class Refusing(Controller):
        def factory(self):
            return Maintenance(self.handler)

    port = free_port()
    server = Refusing(object(), hostname="127.0.0.1", port=port)
    server.start()
    services.queue_email("invitation", world.member, link="https://x.example/i", hours=72)
    db.session.commit()
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        result = services.dispatch_due()
    finally:
        app.config.update(MAIL_TRANSPORT="file")
        server.stop()
    assert (result.retried, result.failed) == (1, 0)


def test_forgot_password_sends_at_most_one_link_per_few_minutes(world, client):
    for _ in range(3):
        client.post_form("/auth/forgot", {"email": world.coordinator.email})
    assert len(_outbox(kind="password_reset")) == 1


def test_the_wire_format_round_trips_non_ascii_and_over_long_lines(ctx):
    import email
    from email.policy import default

    long_line = "één " * 300  # 1,500 bytes: too long for SMTP as it is
    message = OutboxMessage(
        subject="Ruim te laat: Één knelpunt — “quotes”",
        recipient_email="gert@zonmw.example",
        message_id="<x.1@localhost>",
        created_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
        language="nl",
        body_text=f"Beste Gert,\n\n{long_line}\n",
        body_html="<p>Beste Gert, één</p>\n",
    )
    mail = mailer.build(message, "DSV-tracker <noreply@tracker.example>")
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    assert b"\n" not in mail.data.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(mail.data, policy=default)
    assert parsed["Subject"] == message.subject and parsed["Message-ID"] == "<x.1@localhost>"
    for subtype, body in (("plain", message.body_text), ("html", message.body_html)):
        content = parsed.get_body((subtype,)).get_content()
        assert content.replace("\r\n", "\n") == body  # the wire's line ends, as any MIME body
    assert (mail.sender, mail.recipient) == ("noreply@tracker.example", "gert@zonmw.example")
