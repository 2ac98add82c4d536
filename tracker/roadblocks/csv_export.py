"""The columns of the road-block list export (see tracker.core.csv for the format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from tracker.core.timeutil import to_local
from tracker.roadblocks.models import STATUS_LABELS, RoadBlock


def header() -> list[str]:
    return [
        _("Number"),
        _("Road block"),
        _("Building block"),
        _("DSVs"),
        _("Bottlenecks"),
        _("Party"),
        _("Status"),
        _("Updated"),
    ]


def road_block_rows(road_blocks: Iterable[RoadBlock]) -> Iterator[list]:
    """One row per road block, in the list's order, with its DSV and bottleneck counts."""
    for r in road_blocks:
        yield [
            r.id,
            r.title,
            f"{r.building_block.number}. {r.building_block.name}",
            r.dsv_count,
            r.bottleneck_count,
            r.party.name if r.party else "",
            STATUS_LABELS.get(r.status, r.status),
            to_local(r.updated_at).strftime("%Y-%m-%d %H:%M"),
        ]
