"""Working-day deadlines with Dutch public holidays, stored in UTC, late and very late in SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests import builders
from tracker.bottlenecks import queries
from tracker.core.timeutil import AMSTERDAM, add_working_days, is_working_day
from tracker.escalations import services
from tracker.escalations.models import Escalation
from tracker.extensions import db


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday + 5 working days skips the weekend, Christmas Day and Boxing Day (Saturday).
        (local(2026, 12, 18, 10), 5, local(2026, 12, 28, 17)),
        # King's Day (Monday 27 April 2026) is not a working day.
        (local(2026, 4, 24, 9), 1, local(2026, 4, 28, 17)),
        # Across the spring DST switch (29 March 2026): still 17:00 local on Monday.
        (local(2026, 3, 27, 16), 1, local(2026, 3, 30, 17)),
        # Across the autumn switch (25 October 2026).
        (local(2026, 10, 23, 16), 1, local(2026, 10, 26, 17)),
        # Ascension Day (14 May 2026) and Whit Monday (25 May 2026).
        (local(2026, 5, 13, 12), 1, local(2026, 5, 15, 17)),
        (local(2026, 5, 22, 12), 1, local(2026, 5, 26, 17)),
        # Late evening in Amsterdam is already the next day in neither UTC nor local terms.
        (local(2026, 6, 1, 23, 30), 1, local(2026, 6, 2, 17)),
    ],
)
def test_add_working_days_counts_on_the_dutch_calendar(start, days, due):
    result = add_working_days(start.astimezone(UTC), days)
    assert result == due
    assert result.tzinfo is UTC


def test_public_holidays_come_from_the_holidays_package():
    assert not is_working_day(local(2026, 4, 27).date())  # Koningsdag
    assert not is_working_day(local(2026, 1, 1).date())  # Nieuwjaarsdag
    assert is_working_day(local(2026, 4, 28).date())


@pytest.fixture
def world(ctx):
    return builders.World()


def _late_ids(user, now):
    query = queries.bottleneck_list(user, queries.Filters(late="late"), now)
    return {b.id for b in db.session.scalars(query)}


def test_escalation_gets_acknowledge_and_answer_deadlines_from_the_party(world):
    world.party.answer_working_days = 10
    item = builders.bottleneck(world.coordinator)
    with time_machine.travel(local(2026, 12, 18, 10), tick=False):
        escalation = builders.escalation(world.coordinator, item, world.party)
    assert escalation.acknowledge_due_at == local(2026, 12, 28, 17)
    assert escalation.answer_due_at == local(2027, 1, 5, 17)  # New Year's Day skipped
    assert escalation.due_at == escalation.acknowledge_due_at


def test_late_and_very_late_are_plain_comparisons_on_stored_columns(world):
    item = builders.bottleneck(world.coordinator)
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        escalation = builders.escalation(world.coordinator, item, world.party)
    day_before = local(2026, 11, 6, 12)  # acknowledge due Monday 9 Nov 17:00
    assert item.id not in _late_ids(world.coordinator, day_before)
    after = local(2026, 11, 10, 9)
    assert item.id in _late_ids(world.coordinator, after)
    assert escalation.is_late(after) and not escalation.is_very_late(after)
    assert escalation.is_very_late(local(2026, 11, 17, 9))  # past 2 x 5 working days


def test_acknowledging_moves_the_clock_to_the_answer_deadline(world):
    item = builders.bottleneck(world.coordinator)
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        escalation = builders.escalation(world.coordinator, item, world.party)
    with time_machine.travel(local(2026, 11, 3, 9), tick=False):
        services.apply_action(world.liaison, escalation.id, "acknowledge", version=None)
    assert escalation.due_at == escalation.answer_due_at == local(2026, 11, 30, 17)
    assert escalation.very_late_at == local(2026, 12, 29, 17)  # 40 working days, Christmas skipped


def test_answered_escalation_is_never_late(world):
    item = builders.bottleneck(world.coordinator)
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        escalation = builders.escalation(world.coordinator, item, world.party)
        services.apply_action(
            world.liaison, escalation.id, "respond", version=None, note="Antwoord"
        )
    assert escalation.due_at is None
    assert item.id not in _late_ids(world.coordinator, local(2027, 6, 1, 9))


def test_reopening_restarts_the_answer_period(world):
    item = builders.bottleneck(world.coordinator)
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        escalation = builders.escalation(world.coordinator, item, world.party)
        services.apply_action(world.liaison, escalation.id, "respond", version=None, note="A")
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        services.apply_action(
            world.coordinator, escalation.id, "reopen", version=None, note="Niet opgelost"
        )
    reloaded = db.session.scalars(select(Escalation).where(Escalation.id == escalation.id)).one()
    assert reloaded.due_at == local(2026, 12, 30, 17)  # 20 working days from the reopening


def test_very_late_filter_selects_only_escalations_past_twice_the_deadline(world):
    late_item = builders.bottleneck(world.coordinator, title="Te laat")
    very_late_item = builders.bottleneck(world.coordinator, title="Ruim te laat")
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        builders.escalation(world.coordinator, very_late_item, world.party)
    with time_machine.travel(local(2026, 11, 9, 9), tick=False):
        builders.escalation(world.coordinator, late_item, world.party)
    now = local(2026, 11, 17, 9)
    query = queries.bottleneck_list(world.coordinator, queries.Filters(late="very_late"), now)
    assert {b.id for b in db.session.scalars(query)} == {very_late_item.id}
    assert _late_ids(world.coordinator, now) == {late_item.id, very_late_item.id}
