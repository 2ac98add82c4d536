"""The columns of the party inbox export (see tracker.core.csv for the format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from flask_babel import gettext as _

from tracker.core.timeutil import to_local
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import STATUS_LABELS


def _local(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def header() -> list[str]:
    return [
        _("Number"),
        _("Bottleneck"),
        _("DSV"),
        _("Building block"),
        _("Party"),
        _("Status"),
        _("Submitted"),
        _("Deadline"),
        _("Deadline passed"),
    ]


def inbox_rows(escalations: Iterable[Escalation], now: datetime) -> Iterator[list]:
    """One row per escalation, in the inbox's order."""
    for e in escalations:
        lateness = ""
        if e.is_very_late(now):
            lateness = _("very late")
        elif e.is_late(now):
            lateness = _("late")
        yield [
            e.bottleneck_id,
            e.bottleneck.title,
            e.bottleneck.dsv.name,
            f"{e.bottleneck.building_block.number}. {e.bottleneck.building_block.name}",
            e.party.name,
            STATUS_LABELS.get(e.status, e.status),
            _local(e.submitted_at),
            _local(e.due_at),
            lateness,
        ]
