"""Time: stored in UTC, shown and windowed in Europe/Amsterdam; deadlines in Dutch working days."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.countries import netherlands  # noqa: F401  loaded with the app, not mid-sweep

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


_clock: ContextVar[datetime | None] = ContextVar("clock", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (or the moment set by `clock_at`)."""
    return _clock.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Let services act as if it were `moment`: used to build demo data with a real history."""
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_working_day(day: date) -> bool:
    """True for Monday to Friday that is not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the working day `days` working days after `start`, in UTC.

    Counting happens on the Amsterdam calendar: an escalation sent on a Friday evening with a
    five-day deadline is due at the end of the next Friday (17:00 local), skipping holidays.
    """
    local_day = start.astimezone(AMSTERDAM).date()
    remaining = days
    while remaining > 0:
        local_day += timedelta(days=1)
        if is_working_day(local_day):
            remaining -= 1
    due_local = datetime.combine(local_day, time(17, 0), tzinfo=AMSTERDAM)
    return due_local.astimezone(UTC)


def to_local(moment: datetime | None) -> datetime | None:
    """A stored UTC moment as Amsterdam wall-clock time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(AMSTERDAM)


def overdue_threshold(now: datetime, days: int) -> datetime:
    """The moment before which a start is more than `days` working days ago.

    For every `start < overdue_threshold(now, days)`: `add_working_days(start, days) < now`,
    so "answered more than 10 working days ago" becomes one indexed comparison in SQL.
    """
    day = now.astimezone(AMSTERDAM).date()
    while add_working_days(datetime.combine(day, time(12), tzinfo=AMSTERDAM), days) >= now:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM).astimezone(UTC)
