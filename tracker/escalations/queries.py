"""The party inbox query."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.bottlenecks.models import Bottleneck
from tracker.escalations.models import Escalation


def party_inbox(party_ids: set[int], status: str | None, *, for_display: bool = True) -> Select:
    """Escalations to these parties, earliest deadline first, finished ones last; with their
    party and bottleneck loaded, and for display also the bottleneck's DSV and building block."""
    bottleneck = selectinload(Escalation.bottleneck)
    details = (
        [
            bottleneck.selectinload(Bottleneck.dsv),
            bottleneck.selectinload(Bottleneck.building_block),
        ]
        if for_display
        else [bottleneck]
    )
    query = (
        select(Escalation)
        .where(Escalation.party_id.in_(party_ids))
        .options(selectinload(Escalation.party), *details)
        .order_by(Escalation.due_at.asc().nulls_last(), Escalation.submitted_at.desc())
    )
    if status:
        query = query.where(Escalation.status == status)
    return query
