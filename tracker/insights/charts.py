"""Server-side SVG charts: the geometry here, the markup in templates/insights/_charts.html.

Every chart is an inline <svg role="img"> with a <title> and <desc>, drawn in a viewBox so it
scales down to phone width, coloured by CSS classes, and always paired with a real table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from tracker.insights.queries import Count, Overview, PartyTimes

WIDTH = 400
ROW = 44  # a label line above each horizontal bar
BAR = 16
VALUE_SPACE = 56
LABEL_MAX = 52
COLUMN_HEIGHT = 150
COLUMN_TOP = 22
COLUMN_PAD = 16  # room for the first and last caption


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    x: float
    y: float
    width: float
    height: float
    caption: str = ""  # the short label drawn under a column ("" = none)
    subcaption: str = ""  # the year under January and the first column

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: float
    value_heading: str
    kind: str  # "bars" (horizontal) or "columns"

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def _describe(rows: Sequence[tuple[str, float, str]]) -> str:
    shown = [row for row in rows if row[1]]
    if not shown:
        return _("Nothing in this period.")
    top = max(shown, key=lambda row: row[1])
    return _("Highest: %(label)s (%(value)s).", label=top[0], value=top[2])


def bar_chart(
    chart_id: str,
    title: str,
    counts: Sequence[Count],
    value_heading: str | None = None,
) -> Chart:
    """A horizontal bar chart of whole counts, one labelled bar per row."""
    return _bars(
        chart_id,
        title,
        [(c.label, float(c.value), format_decimal(c.value)) for c in counts],
        value_heading or _("Number"),
    )


def days_chart(chart_id: str, title: str, rows: Sequence[tuple[str, float | None]]) -> Chart:
    """A horizontal bar chart of day figures with one decimal; rows without a figure are left
    out of the bars (the table still lists them)."""
    return _bars(
        chart_id,
        title,
        [(label, value, days_text(value)) for label, value in rows if value is not None],
        _("Days"),
    )


def median_answer_chart(rows: Sequence[PartyTimes]) -> Chart:
    """Median days to answer per party (parties without an answer yet are left out)."""
    return days_chart(
        "median-answer",
        _("Median days to answer, per party"),
        [(row.party, row.median_answer_days) for row in rows],
    )


def days_text(value: float | None) -> str:
    return "\u2013" if value is None else format_decimal(round(value, 1), format="#,##0.0")


def _bars(chart_id: str, title: str, rows, value_heading: str) -> Chart:
    top = max((value for _label, value, _text in rows), default=0) or 1
    scale = (WIDTH - VALUE_SPACE) / top
    bars = [
        Bar(
            label=label,
            value=value,
            text=text,
            x=0,
            y=index * ROW,
            width=round(max(value * scale, 1 if value else 0), 1),
            height=BAR,
            caption=_short(label),
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return Chart(
        chart_id,
        title,
        _describe(rows),
        bars,
        WIDTH,
        max(len(bars), 1) * ROW + 4,
        value_heading,
        "bars",
    )


def month_chart(chart_id: str, title: str, counts: Sequence[Count], months: list[date]) -> Chart:
    """A column chart with one column per month; captions thin out for long periods."""
    top = max((c.value for c in counts), default=0) or 1
    slot = (WIDTH - 2 * COLUMN_PAD) / max(len(counts), 1)
    every = math.ceil(len(counts) / 12) or 1
    bars = []
    labelled_year = None
    for index, (count, month) in enumerate(zip(counts, months, strict=True)):
        height = round(count.value / top * COLUMN_HEIGHT, 1)
        shown = index % every == 0
        year = ""
        if shown and month.year != labelled_year:
            year, labelled_year = str(month.year), month.year
        bars.append(
            Bar(
                label=format_date(month, "MMMM yyyy"),
                value=float(count.value),
                text=format_decimal(count.value),
                x=round(COLUMN_PAD + index * slot + slot * 0.15, 1),
                y=round(COLUMN_TOP + COLUMN_HEIGHT - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                caption=format_date(month, "MMM") if shown else "",
                subcaption=year,
            )
        )
    rows = [(bar.label, bar.value, bar.text) for bar in bars]
    return Chart(
        chart_id,
        title,
        _describe(rows),
        bars,
        WIDTH,
        COLUMN_TOP + COLUMN_HEIGHT + 40,
        _("Number"),
        "columns",
    )


def overview_charts(overview: Overview, months: list[date]) -> list[Chart]:
    """The charts of the overview page, in reading order."""
    return [
        month_chart(
            "per-month", _("Bottlenecks logged per month"), overview.bottlenecks_by_month, months
        ),
        bar_chart("per-block", _("Bottlenecks by building block"), overview.bottlenecks_by_block),
        bar_chart(
            "per-network", _("Bottlenecks by network of the DSV"), overview.bottlenecks_by_network
        ),
        bar_chart(
            "per-party", _("Bottlenecks by party escalated to"), overview.bottlenecks_by_party
        ),
        bar_chart("per-status", _("Bottlenecks by status"), overview.bottlenecks_by_status),
        bar_chart(
            "road-blocks-per-block",
            _("Road blocks by building block"),
            overview.road_blocks_by_block,
        ),
        bar_chart(
            "road-blocks-per-status", _("Road blocks by status"), overview.road_blocks_by_status
        ),
    ]
