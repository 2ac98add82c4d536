"""Retention: closed bottlenecks are deleted after RETENTION_DAYS_CLOSED days without change.

A bottleneck is due when it was escalated, every escalation has ended (accepted, withdrawn,
closed or forwarded), and it was last updated before the cut-off. It goes with its escalations,
timeline events, co-signatures, road-block memberships and agenda items. Never deleted: a
bottleneck in an open road block, a merged duplicate or the target of one. Old login attempts
are pruned in the same sweep. 0 days keeps everything forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from tracker.bottlenecks.models import Bottleneck, bottleneck_domains
from tracker.core.timeutil import utcnow
from tracker.duplicates.models import Cosignature, Merge
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import ENDED
from tracker.events.models import AgendaItem
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock, RoadBlockMember, RoadBlockStatus
from tracker.timeline.models import TimelineEvent

OPEN_ROAD_BLOCK = (RoadBlockStatus.OPEN, RoadBlockStatus.ON_AGENDA)


@dataclass
class SweepResult:
    bottlenecks: int = 0
    escalations: int = 0
    timeline_events: int = 0
    cosignatures: int = 0
    road_block_members: int = 0
    login_attempts: int = 0


def due_ids(days: int) -> list[int]:
    """Ids of the bottlenecks the retention period has passed for (none when days is 0)."""
    if days <= 0:
        return []
    cutoff = utcnow() - timedelta(days=days)
    duplicate = aliased(Bottleneck)
    query = select(Bottleneck.id).where(
        Bottleneck.updated_at < cutoff,
        Bottleneck.merged_into_id.is_(None),
        exists().where(Escalation.bottleneck_id == Bottleneck.id),
        ~exists().where(Escalation.bottleneck_id == Bottleneck.id, Escalation.status.not_in(ENDED)),
        ~exists().where(duplicate.merged_into_id == Bottleneck.id),
        ~exists().where(
            RoadBlockMember.bottleneck_id == Bottleneck.id,
            RoadBlockMember.road_block_id == RoadBlock.id,
            RoadBlock.status.in_(OPEN_ROAD_BLOCK),
        ),
    )
    return list(db.session.scalars(query.order_by(Bottleneck.id)))


def sweep(days: int | None = None, *, dry_run: bool = False) -> SweepResult:
    """Delete what the retention period has passed for, in one transaction; counts what goes."""
    from tracker.auth.throttle import prune

    days = current_app.config["RETENTION_DAYS_CLOSED"] if days is None else days
    ids = due_ids(days)
    escalation_ids = (
        list(db.session.scalars(select(Escalation.id).where(Escalation.bottleneck_id.in_(ids))))
        if ids
        else []
    )
    timeline = or_(
        and_(TimelineEvent.subject_type == "bottleneck", TimelineEvent.subject_id.in_(ids)),
        TimelineEvent.escalation_id.in_(escalation_ids),
    )
    result = SweepResult(bottlenecks=len(ids), escalations=len(escalation_ids))
    result.timeline_events = _count(select(TimelineEvent.id).where(timeline)) if ids else 0
    result.cosignatures = (
        _count(select(Cosignature.id).where(Cosignature.bottleneck_id.in_(ids))) if ids else 0
    )
    result.road_block_members = (
        _count(select(RoadBlockMember.id).where(RoadBlockMember.bottleneck_id.in_(ids)))
        if ids
        else 0
    )
    result.login_attempts = prune(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        return result
    if ids:
        _delete(ids, escalation_ids, timeline)
    db.session.commit()
    return result


def _count(query) -> int:
    return len(db.session.scalars(query).all())


def _delete(ids: list[int], escalation_ids: list[int], timeline) -> None:
    # Bulk statements: the timeline's append-only guard is an ORM event; retention is the one
    # sanctioned deletion.
    grouping = list(
        db.session.scalars(
            select(RoadBlockMember.road_block_id).where(RoadBlockMember.bottleneck_id.in_(ids))
        )
    )
    db.session.execute(
        delete(TimelineEvent).where(timeline).execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Cosignature).where(Cosignature.bottleneck_id.in_(ids)))
    db.session.execute(delete(RoadBlockMember).where(RoadBlockMember.bottleneck_id.in_(ids)))
    db.session.execute(delete(AgendaItem).where(AgendaItem.bottleneck_id.in_(ids)))
    db.session.execute(
        delete(Merge).where(or_(Merge.duplicate_id.in_(ids), Merge.target_id.in_(ids)))
    )
    if escalation_ids:
        db.session.execute(
            update(Escalation)
            .where(Escalation.id.in_(escalation_ids))
            .values(forwarded_from_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(Escalation).where(Escalation.id.in_(escalation_ids)))
    db.session.execute(
        delete(bottleneck_domains).where(bottleneck_domains.c.bottleneck_id.in_(ids))
    )
    db.session.execute(
        delete(Bottleneck)
        .where(Bottleneck.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    road_blocks.refresh_counts(grouping)  # they lost members and those members' co-signers
