"""Fixed digest windows on the Amsterdam calendar: weeks from Monday, fortnights, months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tracker.core.timeutil import AMSTERDAM
from tracker.digests.models import Cadence

# Fortnights are counted from this Monday, so every installation has the same windows.
FORTNIGHT_ANCHOR = date(2024, 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def window_containing(cadence: Cadence, moment: datetime) -> tuple[datetime, datetime]:
    """The [start, end) window of `cadence` that contains `moment`, as UTC datetimes."""
    day = moment.astimezone(AMSTERDAM).date()
    if cadence is Cadence.MONTHLY:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        monday = day - timedelta(days=day.weekday())
        if cadence is Cadence.BIWEEKLY:
            weeks = (monday - FORTNIGHT_ANCHOR).days // 7
            monday -= timedelta(weeks=weeks % 2)
        start = monday
        end = monday + timedelta(weeks=2 if cadence is Cadence.BIWEEKLY else 1)
    return _midnight(start), _midnight(end)


def last_closed_window(cadence: Cadence, now: datetime) -> tuple[datetime, datetime]:
    """The most recent window that has ended at `now`."""
    current_start, _ = window_containing(cadence, now)
    return window_containing(cadence, current_start - timedelta(seconds=1))


def parse_window(cadence: Cadence, text: str) -> tuple[datetime, datetime]:
    """The window containing the local date `text` (YYYY-MM-DD), for previews."""
    day = date.fromisoformat(text)
    return window_containing(cadence, datetime.combine(day, time(12), tzinfo=AMSTERDAM))
