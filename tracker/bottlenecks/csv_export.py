"""CSV export of bottleneck lists, in the shape Dutch Excel opens without a wizard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from tracker.bottlenecks.models import IMPACT_LABELS, STATUS_LABELS, Bottleneck
from tracker.core.timeutil import to_local
from tracker.escalations.workflow import STATUS_LABELS as ESCALATION_LABELS


def _line(values: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _safe(text: str) -> str:
    """Cells that start like a formula are prefixed, so Excel shows them as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def bottleneck_rows(bottlenecks: Iterable[Bottleneck]) -> Iterator[str]:
    """A header and one line per bottleneck; the caller decides which ones (visibility)."""
    yield "\ufeff" + _line(
        [
            _("Number"),
            _("Title"),
            _("DSV"),
            _("Building block"),
            _("Status"),
            _("Impact"),
            _("Owner"),
            _("Escalated to"),
            _("Logged"),
            _("Updated"),
        ]
    )
    for b in bottlenecks:
        escalations = ", ".join(
            f"{e.party.name} ({ESCALATION_LABELS.get(e.status, e.status)})" for e in b.escalations
        )
        yield _line(
            [
                b.id,
                _safe(b.title),
                _safe(b.dsv.name),
                f"{b.building_block.number}. {b.building_block.name}",
                STATUS_LABELS.get(b.status, b.status),
                IMPACT_LABELS.get(b.impact, b.impact),
                _safe(b.owner.name),
                escalations,
                to_local(b.created_at).strftime("%Y-%m-%d %H:%M"),
                to_local(b.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
