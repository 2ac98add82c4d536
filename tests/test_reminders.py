"""Follow-up reminders per escalation stage, each at most once, and summaries per preference."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import builders
from tracker.auth.models import Delivery
from tracker.core.timeutil import AMSTERDAM, add_working_days, overdue_threshold
from tracker.escalations import services as escalations
from tracker.extensions import db
from tracker.notifications.models import Notice, OutboxMessage
from tracker.notifications.rendering import render_pending
from tracker.notifications.summaries import send_summaries
from tracker.reminders import services as reminders


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def world(ctx):
    return builders.World()


def _mails(kind: str) -> list[OutboxMessage]:
    """The queued mails of `kind`, rendered as the dispatcher renders them before sending."""
    mails = list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )
    assert render_pending(mails) == {}
    return mails


def _escalate_at(world, moment, title="Knelpunt"):
    item = builders.bottleneck(world.coordinator, title=title)
    with time_machine.travel(moment, tick=False):
        return builders.escalation(world.coordinator, item, world.party)


def test_not_acknowledged_reminder_goes_once_to_the_liaisons(world):
    escalation = _escalate_at(world, local(2027, 1, 4, 9))  # acknowledge by Mon 11 Jan 17:00
    assert reminders.sweep(local(2027, 1, 11, 16, 59))["not_acknowledged"] == 0
    assert reminders.sweep(local(2027, 1, 11, 17, 1))["not_acknowledged"] == 1
    assert reminders.sweep(local(2027, 1, 12, 9))["not_acknowledged"] == 0
    (mail,) = _mails("reminder_escalation")
    assert mail.recipient_email == world.liaison.email
    assert mail.subject == f"Nog niet bevestigd: {escalation.bottleneck.title}"


def test_answer_due_soon_then_overdue_each_once(world):
    escalation = _escalate_at(world, local(2027, 1, 4, 9))  # answer by Mon 1 Feb 17:00
    with time_machine.travel(local(2027, 1, 5, 9), tick=False):
        escalations.apply_action(world.liaison, escalation.id, "acknowledge", version=None)
    assert escalation.answer_due_at == local(2027, 2, 1, 17)
    assert reminders.sweep(local(2027, 1, 26, 9))["answer_due_soon"] == 0  # 4 working days
    assert reminders.sweep(local(2027, 1, 27, 9))["answer_due_soon"] == 1
    assert reminders.sweep(local(2027, 1, 28, 9))["answer_due_soon"] == 0
    assert reminders.sweep(local(2027, 2, 2, 9))["answer_overdue"] == 1
    assert reminders.sweep(local(2027, 2, 3, 9))["answer_overdue"] == 0


def test_very_overdue_also_goes_to_the_table_contact_even_for_off(world):
    world.liaison.delivery = Delivery.OFF
    db.session.commit()
    _escalate_at(world, local(2027, 1, 4, 9))  # twice 5 working days: Mon 18 Jan 17:00
    counts = reminders.sweep(local(2027, 1, 19, 9))
    assert counts["very_overdue"] == 1 and counts["very_overdue_table"] == 1
    recipients = {
        m.recipient_email
        for m in _mails("reminder_escalation")
        if m.subject.startswith("Ruim te laat")
    }
    assert recipients == {world.liaison.email, world.party.table_contact_email}


def test_reopening_starts_a_new_cycle_of_reminders(world):
    escalation = _escalate_at(world, local(2027, 1, 4, 9))
    with time_machine.travel(local(2027, 1, 5, 9), tick=False):
        escalations.apply_action(world.liaison, escalation.id, "acknowledge", version=None)
    assert reminders.sweep(local(2027, 2, 2, 9))["answer_overdue"] == 1
    with time_machine.travel(local(2027, 2, 3, 9), tick=False):
        escalations.apply_action(world.liaison, escalation.id, "respond", version=None, note="A")
        escalations.apply_action(
            world.coordinator, escalation.id, "reopen", version=None, note="Niet goed"
        )
    assert reminders.sweep(local(2027, 3, 4, 9))["answer_overdue"] == 1  # the new deadline


def test_unconfirmed_answer_asks_the_owner_with_accept_and_reopen_links(world):
    escalation = _escalate_at(world, local(2027, 1, 4, 9))
    with time_machine.travel(local(2027, 1, 6, 10), tick=False):
        escalations.apply_action(world.liaison, escalation.id, "respond", version=None, note="A")
    assert reminders.sweep(local(2027, 1, 20, 16))["answer_unconfirmed"] == 0  # 10th day
    assert reminders.sweep(local(2027, 1, 21, 9))["answer_unconfirmed"] == 1
    (mail,) = _mails("reminder_unconfirmed")
    assert mail.recipient_email == world.coordinator.email
    assert f"/escalations/{escalation.id}/accept" in mail.body_text
    assert f"/escalations/{escalation.id}/reopen" in mail.body_text


def test_idle_bottleneck_reminds_its_owner_once_per_idle_period(world):
    with time_machine.travel(local(2027, 1, 4, 9), tick=False):
        item = builders.bottleneck(world.coordinator, title="Stil knelpunt")
    assert reminders.sweep(local(2027, 2, 2, 9))["idle"] == 0
    assert reminders.sweep(local(2027, 2, 4, 9))["idle"] == 1
    assert reminders.sweep(local(2027, 2, 5, 9))["idle"] == 0
    with time_machine.travel(local(2027, 2, 10, 9), tick=False):
        from tracker.bottlenecks.services import add_comment

        add_comment(world.coordinator, item.id, "Nog steeds actueel")
    assert reminders.sweep(local(2027, 3, 15, 9))["idle"] == 1


def test_overdue_threshold_matches_add_working_days_across_dst_and_holidays():
    for now in (
        local(2027, 3, 29, 9),
        local(2027, 4, 28, 17, 30),
        local(2027, 10, 31, 12),
        local(2027, 12, 28, 8),
    ):
        threshold = overdue_threshold(now, 10)
        assert add_working_days(threshold, 10) >= now
        assert add_working_days(threshold - timedelta(minutes=1), 10) < now


def test_summary_preference_turns_events_into_one_daily_mail(world):
    world.liaison.delivery = Delivery.DAILY
    db.session.commit()
    _escalate_at(world, local(2027, 1, 4, 9), title="Eerste")
    _escalate_at(world, local(2027, 1, 4, 10), title="Tweede")
    assert _mails("escalation_submitted") == []
    assert send_summaries(Delivery.DAILY, local(2027, 1, 5, 6, 30)) == 0  # before 07:00
    assert send_summaries(Delivery.DAILY, local(2027, 1, 5, 7, 5)) == 1
    assert send_summaries(Delivery.DAILY, local(2027, 1, 5, 8, 5)) == 0  # once per window
    (summary,) = _mails("summary")
    assert "Eerste" in summary.body_text and "Tweede" in summary.body_text
    assert "2 updates" in summary.subject or "2 berichten" in summary.subject
    assert db.session.scalars(select(Notice).where(Notice.summary_message_id.is_(None))).all() == []


def test_no_summary_when_there_is_nothing_to_say(world):
    world.liaison.delivery = Delivery.WEEKLY
    db.session.commit()
    assert send_summaries(Delivery.WEEKLY, local(2027, 1, 4, 8)) == 0
    assert _mails("summary") == []


def test_off_means_no_mail_but_invitations_still_arrive(world):
    world.liaison.delivery = Delivery.OFF
    db.session.commit()
    _escalate_at(world, local(2027, 1, 4, 9))
    assert _mails("escalation_submitted") == []
    from tracker.notifications import notify

    notify.password_reset(world.liaison, "https://x.example/reset", 2)
    assert len(_mails("password_reset")) == 1


def test_table_contact_never_reads_the_title_of_a_confidential_bottleneck(world):
    item = builders.bottleneck(world.coordinator, title="Geheime titel", confidential=True)
    with time_machine.travel(local(2027, 1, 4, 9), tick=False):
        builders.escalation(world.coordinator, item, world.party)
    reminders.sweep(local(2027, 1, 19, 9))
    mails = {
        m.recipient_email: m for m in _mails("reminder_escalation") if "Ruim te laat" in m.subject
    }
    table = mails[world.party.table_contact_email]
    assert "Geheime titel" not in table.subject + table.body_text + table.body_html
    assert "Geheime titel" in mails[world.liaison.email].subject  # the liaison may see it


def test_answer_reminders_also_come_when_nobody_acknowledged(world):
    _escalate_at(world, local(2027, 1, 4, 9))  # answer by Mon 1 Feb 17:00, never acknowledged
    assert reminders.sweep(local(2027, 2, 2, 9))["answer_overdue"] == 1


def test_invited_but_not_signed_up_liaison_gets_no_reminder(world):
    newcomer = builders.user(parties=[world.party])
    newcomer.password_hash = None
    db.session.commit()
    _escalate_at(world, local(2027, 1, 4, 9))
    reminders.sweep(local(2027, 1, 12, 9))
    assert {m.recipient_email for m in _mails("reminder_escalation")} == {world.liaison.email}


def test_a_liaison_who_joins_later_gets_the_reminder_the_others_already_had(world):
    _escalate_at(world, local(2027, 1, 4, 9))
    assert reminders.sweep(local(2027, 1, 12, 9))["not_acknowledged"] == 1
    newcomer = builders.user(parties=[world.party])
    db.session.commit()
    assert reminders.sweep(local(2027, 1, 12, 10))["not_acknowledged"] == 1
    recipients = [m.recipient_email for m in _mails("reminder_escalation")]
    assert sorted(recipients) == sorted([world.liaison.email, newcomer.email])


def test_a_summary_covers_the_closed_day_not_the_running_one(world):
    world.liaison.delivery = Delivery.DAILY
    db.session.commit()
    _escalate_at(world, local(2027, 1, 5, 10), title="Vandaag")
    assert send_summaries(Delivery.DAILY, local(2027, 1, 5, 11, 5)) == 0
    assert send_summaries(Delivery.DAILY, local(2027, 1, 6, 7, 5)) == 1


def test_switching_back_to_each_mail_still_delivers_what_was_waiting(world):
    world.liaison.delivery = Delivery.WEEKLY
    db.session.commit()
    _escalate_at(world, local(2027, 1, 5, 10), title="Wachtend")
    world.liaison.delivery = Delivery.IMMEDIATE
    db.session.commit()
    assert send_summaries(Delivery.DAILY, local(2027, 1, 6, 7, 5)) == 1
    (summary,) = _mails("summary")
    assert "Wachtend" in summary.body_text


def test_a_reminder_for_a_daily_reader_becomes_a_summary_line(world):
    world.liaison.delivery = Delivery.DAILY
    db.session.commit()
    _escalate_at(world, local(2027, 1, 4, 9), title="Dagelijks")
    assert reminders.sweep(local(2027, 1, 11, 17, 1))["not_acknowledged"] == 1
    assert _mails("reminder_escalation") == []
    (notice,) = db.session.scalars(select(Notice).where(Notice.kind == "reminder_escalation"))
    assert notice.line == "Nog niet bevestigd: Dagelijks"


def test_an_escalation_falling_due_later_is_reminded_despite_earlier_reminders(world):
    _escalate_at(world, local(2027, 1, 4, 9), title="Eerste")  # acknowledge by 11 Jan
    assert reminders.sweep(local(2027, 1, 11, 18))["not_acknowledged"] == 1
    _escalate_at(world, local(2027, 1, 5, 9), title="Tweede")  # by 12 Jan, the same party
    assert reminders.sweep(local(2027, 1, 12, 18))["not_acknowledged"] == 1
    subjects = [m.subject for m in _mails("reminder_escalation")]
    assert subjects == ["Nog niet bevestigd: Eerste", "Nog niet bevestigd: Tweede"]


def test_the_sweep_links_each_reminder_to_its_escalation(world):
    escalation = _escalate_at(world, local(2027, 1, 4, 9))
    reminders.sweep(local(2027, 1, 11, 17, 1))
    (mail,) = _mails("reminder_escalation")
    link = f"http://localhost/bottlenecks/{escalation.bottleneck_id}#escalation-{escalation.id}"
    assert link in mail.body_text
    assert reminders._link(escalation, reminders._link_base()) == reminders._link(escalation)
