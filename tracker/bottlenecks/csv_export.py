"""The columns of the bottleneck list export (see tracker.core.csv for the format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from tracker.bottlenecks.models import IMPACT_LABELS, STATUS_LABELS, Bottleneck
from tracker.core.timeutil import to_local
from tracker.escalations.workflow import STATUS_LABELS as ESCALATION_LABELS


def header() -> list[str]:
    return [
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


def bottleneck_rows(bottlenecks: Iterable[Bottleneck]) -> Iterator[list]:
    """One row per bottleneck; the caller decides which ones (visibility)."""
    for b in bottlenecks:
        escalations = ", ".join(
            f"{e.party.name} ({ESCALATION_LABELS.get(e.status, e.status)})" for e in b.escalations
        )
        yield [
            b.id,
            b.title,
            b.dsv.name,
            f"{b.building_block.number}. {b.building_block.name}",
            STATUS_LABELS.get(b.status, b.status),
            IMPACT_LABELS.get(b.impact, b.impact),
            b.owner.name,
            escalations,
            to_local(b.created_at).strftime("%Y-%m-%d %H:%M"),
            to_local(b.updated_at).strftime("%Y-%m-%d %H:%M"),
        ]
