"""A period of whole calendar months in Europe/Amsterdam, with its UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from tracker.core.timeutil import AMSTERDAM

MAX_MONTHS = 60


def month_start(month: date) -> datetime:
    """Local midnight on the first day of `month`, in UTC."""
    local = datetime.combine(month.replace(day=1), time(0), tzinfo=AMSTERDAM)
    return local.astimezone(UTC)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months from `first` to `last`, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class Period:
    """From the first day of `first` to the end of `last` (both months included), local time."""

    first: date
    last: date

    @classmethod
    def last_twelve_months(cls, now: datetime) -> Period:
        this_month = now.astimezone(AMSTERDAM).date().replace(day=1)
        return cls(add_months(this_month, -11), this_month)

    @property
    def start(self) -> datetime:
        return month_start(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight at the start of the month after `last`."""
        return month_start(add_months(self.last, 1))

    @property
    def months(self) -> list[date]:
        return [add_months(self.first, n) for n in range(months_between(self.first, self.last))]

    def boundaries(self) -> list[datetime]:
        """The UTC start of every month after the first, up to and including the end."""
        return [month_start(add_months(self.first, n)) for n in range(1, len(self.months) + 1)]

    def args(self) -> dict[str, str]:
        """The query-string arguments that select this period again."""
        return {"from": self.first.strftime("%Y-%m"), "to": self.last.strftime("%Y-%m")}
