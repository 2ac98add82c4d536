"""The bottleneck list: visibility, filters and eager loading in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import dsv_networks
from tracker.escalations.models import Escalation


@dataclass(frozen=True)
class Filters:
    block: int | None = None
    network: int | None = None
    party: int | None = None
    dsv: int | None = None
    status: str | None = None
    late: str | None = None  # "late" or "very_late"
    dsv_ids: tuple[int, ...] = ()


def bottleneck_list(user: User, filters: Filters, now: datetime) -> Select:
    """Visible bottlenecks matching the filters, newest activity first, with what the list shows."""
    query = (
        select(Bottleneck)
        .where(authz.visible_bottlenecks(user))
        .options(
            joinedload(Bottleneck.dsv),
            joinedload(Bottleneck.building_block),
            joinedload(Bottleneck.owner),
            selectinload(Bottleneck.escalations).selectinload(Escalation.party),
        )
        .order_by(Bottleneck.updated_at.desc(), Bottleneck.id.desc())
    )
    if filters.block:
        query = query.where(Bottleneck.building_block_id == filters.block)
    if filters.dsv:
        query = query.where(Bottleneck.dsv_id == filters.dsv)
    if filters.dsv_ids:
        query = query.where(Bottleneck.dsv_id.in_(filters.dsv_ids))
    if filters.status:
        query = query.where(Bottleneck.status == filters.status)
    if filters.network:
        query = query.where(
            exists().where(
                dsv_networks.c.dsv_id == Bottleneck.dsv_id,
                dsv_networks.c.network_id == filters.network,
            )
        )
    if filters.party or filters.late:
        escalation = exists().where(Escalation.bottleneck_id == Bottleneck.id)
        if filters.party:
            escalation = escalation.where(Escalation.party_id == filters.party)
        if filters.late == "late":
            escalation = escalation.where(Escalation.due_at < now)
        elif filters.late == "very_late":
            escalation = escalation.where(Escalation.very_late_at < now)
        query = query.where(escalation)
    return query
