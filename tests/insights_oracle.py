"""The overview's counts the slow, obvious way: every bottleneck loaded, the Python view rule.

An independent twin of `tracker.insights.queries.overview` (one SQL statement over a CTE) for
the tests on PostgreSQL and on the embedded SQLite.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import STATUS_LABELS, Bottleneck
from tracker.core.timeutil import to_local
from tracker.extensions import db
from tracker.insights import queries
from tracker.insights.period import Period


def _label(block) -> str:
    return queries.block_label(block.number, block.name_nl, block.name_en)


def expected(user: User, period: Period) -> dict[str, Counter]:
    """Non-zero counts per chart, from the Python rule `bottleneck.view`."""
    seen = [
        item
        for item in db.session.scalars(select(Bottleneck))
        if item.merged_into_id is None
        and period.start <= item.created_at < period.end
        and authz.can(user, "bottleneck.view", item)
    ]
    return {
        "month": Counter(to_local(item.created_at).strftime("%Y-%m") for item in seen),
        "block": Counter(_label(item.building_block) for item in seen),
        "status": Counter(str(STATUS_LABELS[item.status]) for item in seen),
        "network": Counter(n.name for item in seen for n in item.dsv.networks),
        "party": Counter(e.party.name for item in seen for e in item.escalations),
    }


def actual(user: User, period: Period) -> dict[str, Counter]:
    """Non-zero counts per chart, as the overview computes them."""
    overview = queries.overview(authz.bottleneck_scope(user), period)
    charts = {
        "month": overview.bottlenecks_by_month,
        "block": overview.bottlenecks_by_block,
        "status": overview.bottlenecks_by_status,
        "network": overview.bottlenecks_by_network,
        "party": overview.bottlenecks_by_party,
    }
    return {
        name: Counter({c.label: c.value for c in counts if c.value})
        for name, counts in charts.items()
    }
