"""The columns of the overview's CSV downloads (see tracker.core.csv for the format)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from tracker.insights.charts import days_text
from tracker.insights.congestion import Congestion
from tracker.insights.queries import PartyTimes


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def response_times(rows: Sequence[PartyTimes]) -> tuple[list[str], list[list]]:
    """Header and rows of the response-times table."""
    header = [
        _("Party"),
        _("Escalations"),
        _("Median days to acknowledge"),
        _("Median days to answer"),
        _("Answered on time"),
        _("Late"),
        _("Very late"),
        _("Other"),
    ]
    return header, [
        [
            row.party,
            row.escalations,
            days_text(row.median_acknowledge_days),
            days_text(row.median_answer_days),
            _percent(row.share(row.on_time)),
            _percent(row.share(row.late)),
            _percent(row.share(row.very_late)),
            _percent(row.share(row.other)),
        ]
        for row in rows
    ]


def congestion(table: str, lists: Congestion) -> tuple[str, list[str], list[list]]:
    """Filename, header and rows of one of the three congestion tables."""
    if table == "dsvs":
        return (
            "dsvs-in-meerdere-netwerken.csv",
            [_("DSV"), _("Region"), _("Networks")],
            [[d.name, d.region, ", ".join(d.networks)] for d in lists.dsvs],
        )
    if table == "road-blocks":
        return (
            "systeemknelpunten-over-netwerken.csv",
            [_("Number"), _("Road block"), _("DSVs"), _("Networks")],
            [[r.road_block_id, r.title, r.dsvs, ", ".join(r.networks)] for r in lists.road_blocks],
        )
    return (
        "partijen-per-bouwsteen.csv",
        [_("Building block"), _("Party"), _("Escalations"), _("Bottlenecks"), _("DSVs")],
        [
            [theme.building_block, p.party, p.escalations, p.bottlenecks, p.dsvs]
            for theme in lists.themes
            for p in theme.parties
        ],
    )
