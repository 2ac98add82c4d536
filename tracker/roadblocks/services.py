"""Rules for road blocks: who may group bottlenecks, what may join, and every step on record.

Only non-confidential bottlenecks join a road block: a road block is a public object of the
learning network, and a confidential bottleneck must never show up outside its DSV and the
parties it was escalated to.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, Subquery, bindparam, distinct, func, select, union, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core import pickers
from tracker.core.concurrency import check_version, conflicts_are_stale
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.directory.models import BuildingBlock, Dsv, Party
from tracker.duplicates.models import Cosignature
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock, RoadBlockMember, RoadBlockStatus
from tracker.timeline.models import TimelineEvent
from tracker.timeline.services import record

SUBJECT = "road_block"


def get(road_block_id: int) -> RoadBlock:
    """The road block with its members and their DSVs loaded (one query), or NotVisible."""
    road_block = db.session.get(
        RoadBlock,
        road_block_id,
        options=(
            joinedload(RoadBlock.building_block),
            joinedload(RoadBlock.party),
            joinedload(RoadBlock.members)  # one query: a road block groups a few bottlenecks
            .joinedload(RoadBlockMember.bottleneck)
            .joinedload(Bottleneck.dsv),
        ),
    )
    if road_block is None:
        raise NotVisible()
    return road_block


def _joinable(actor: User, bottleneck_ids: Iterable[int]) -> list[Bottleneck]:
    ids = set(bottleneck_ids)
    rows = list(db.session.scalars(select(Bottleneck).where(Bottleneck.id.in_(ids)))) if ids else []
    if len(rows) != len(ids) or not all(authz.can(actor, "bottleneck.view", b) for b in rows):
        raise InvalidInput(_("Choose bottlenecks from the list."))
    if any(b.is_confidential for b in rows):
        raise InvalidInput(_("Confidential bottlenecks cannot join a road block."))
    if any(b.merged_into_id for b in rows):
        raise InvalidInput(
            _("A merged duplicate cannot join a road block; add the bottleneck it was merged into.")
        )
    taken = db.session.scalars(
        select(RoadBlockMember.bottleneck_id).where(RoadBlockMember.bottleneck_id.in_(ids))
    ).all()
    if taken:
        raise InvalidInput(_("One of these bottlenecks is already part of a road block."))
    return rows


def attach(actor: User, road_block: RoadBlock, bottlenecks: list[Bottleneck]) -> None:
    """Add already-checked bottlenecks to the road block, on both timelines (no commit)."""
    for bottleneck in bottlenecks:
        road_block.members.append(RoadBlockMember(bottleneck=bottleneck, added_by_id=actor.id))
        record(
            SUBJECT,
            road_block.id,
            "member_added",
            actor,
            new=bottleneck.title,
            field=f"bottleneck:{bottleneck.id}",
        )
        record("bottleneck", bottleneck.id, "road_block_joined", actor, new=road_block.title)
    road_block.updated_at = utcnow()
    refresh_counts([road_block.id], bottleneck_ids=[b.id for b in bottlenecks])


@conflicts_are_stale
def create(
    actor: User,
    *,
    title: str,
    description: str,
    building_block_id: int,
    party_id: int | None,
    bottleneck_ids: Iterable[int],
) -> RoadBlock:
    """Group bottlenecks from several DSVs into a new road block (programme staff, liaisons)."""
    authz.require(actor, "roadblock.manage")
    if db.session.get(BuildingBlock, building_block_id) is None:
        raise InvalidInput(_("Choose one of the seven building blocks."))
    if party_id is not None and db.session.get(Party, party_id) is None:
        raise InvalidInput(_("Choose parties from the list."))
    bottlenecks = _joinable(actor, bottleneck_ids)
    road_block = RoadBlock(
        title=title.strip(),
        description=description.strip(),
        building_block_id=building_block_id,
        party_id=party_id,
        created_by_id=actor.id,
    )
    db.session.add(road_block)
    db.session.flush()
    record(SUBJECT, road_block.id, "created", actor, new=road_block.title)
    attach(actor, road_block, bottlenecks)
    db.session.commit()
    return road_block


@conflicts_are_stale
def add_bottlenecks(actor: User, road_block_id: int, bottleneck_ids: Iterable[int]) -> None:
    """Add bottlenecks (not confidential, not in another road block) to a road block."""
    authz.require(actor, "roadblock.manage")
    road_block = get(road_block_id)
    attach(actor, road_block, _joinable(actor, bottleneck_ids))
    db.session.commit()


@conflicts_are_stale
def remove_bottleneck(actor: User, road_block_id: int, bottleneck_id: int) -> None:
    """Take a bottleneck out again (the undo of grouping); both timelines keep the history."""
    authz.require(actor, "roadblock.manage")
    detach(actor, get(road_block_id), bottleneck_id)
    db.session.commit()


def detach(actor: User, road_block: RoadBlock, bottleneck_id: int) -> None:
    """Take one member out, on both timelines (no commit); NotVisible if it is not a member."""
    member = next((m for m in road_block.members if m.bottleneck_id == bottleneck_id), None)
    if member is None:
        raise NotVisible()
    road_block.members.remove(member)
    record(
        SUBJECT,
        road_block.id,
        "member_removed",
        actor,
        old=member.bottleneck.title,
        field=f"bottleneck:{bottleneck_id}",
    )
    record("bottleneck", bottleneck_id, "road_block_left", actor, old=road_block.title)
    road_block.updated_at = utcnow()
    refresh_counts([road_block.id], bottleneck_ids=[bottleneck_id])


@conflicts_are_stale
def set_status(actor: User, road_block_id: int, status: str, version: int | None) -> None:
    """Move a road block to another status, with the change on its timeline."""
    authz.require(actor, "roadblock.manage")
    road_block = get(road_block_id)
    check_version(road_block, version)
    if status not in set(RoadBlockStatus):
        raise InvalidInput(_("Choose from the list."))
    if status != road_block.status:
        record(SUBJECT, road_block.id, "status", actor, old=road_block.status, new=status)
        road_block.status = status
        road_block.updated_at = utcnow()
    db.session.commit()


def for_bottleneck(bottleneck_id: int) -> RoadBlock | None:
    """The road block a bottleneck belongs to, if any."""
    return db.session.scalar(
        select(RoadBlock)
        .join(RoadBlockMember)
        .where(RoadBlockMember.bottleneck_id == bottleneck_id)
    )


def affected() -> Subquery:
    """(road_block_id, dsv_id) for every DSV a road block affects.

    The DSVs of its bottlenecks, the DSVs that co-signed one of those bottlenecks, and the DSVs
    that co-signed the road block itself.
    """
    return union(
        select(RoadBlockMember.road_block_id, Bottleneck.dsv_id).join(
            Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id
        ),
        select(RoadBlockMember.road_block_id, Cosignature.dsv_id).join(
            Cosignature, Cosignature.bottleneck_id == RoadBlockMember.bottleneck_id
        ),
        select(Cosignature.road_block_id, Cosignature.dsv_id).where(
            Cosignature.road_block_id.is_not(None)
        ),
    ).subquery()


def recount(road_block_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """Road block id -> (DSVs affected, bottlenecks) computed from scratch, for these road
    blocks (None: all) that have members or co-signers; one query."""
    reach = affected()
    members = (
        select(RoadBlockMember.road_block_id, func.count().label("bottlenecks"))
        .group_by(RoadBlockMember.road_block_id)
        .subquery()
    )
    query = (
        select(
            reach.c.road_block_id,
            func.count(distinct(reach.c.dsv_id)),
            func.coalesce(func.max(members.c.bottlenecks), 0),
        )
        .outerjoin(members, members.c.road_block_id == reach.c.road_block_id)
        .group_by(reach.c.road_block_id)
    )
    if road_block_ids is not None:
        query = query.where(reach.c.road_block_id.in_(list(road_block_ids)))
    return {
        road_block_id: (dsvs, items) for road_block_id, dsvs, items in db.session.execute(query)
    }


def refresh_counts(
    road_block_ids: Iterable[int | None] = (), *, bottleneck_ids: Iterable[int] = ()
) -> None:
    """Store the recomputed counts of these road blocks and of those holding these bottlenecks,
    as the session has them now (flushes, no commit; the version stays: no form goes stale).

    Every change to a road block's members, or to the co-signatures of it or of its members,
    calls this in its transaction, so the stored counts always equal `recount()`. Two changes
    that touch one road block, or one bottleneck, both lock its row before counting (the
    bottlenecks first, then the road blocks), so the later counts after the earlier committed.
    """
    bottleneck_ids = sorted(set(bottleneck_ids))
    if bottleneck_ids:
        with db.session.no_autoflush:  # before this change writes its road block's row
            _lock(Bottleneck, bottleneck_ids)
    db.session.flush()
    ids = {i for i in road_block_ids if i is not None}
    if bottleneck_ids:
        ids.update(
            db.session.scalars(
                select(RoadBlockMember.road_block_id).where(
                    RoadBlockMember.bottleneck_id.in_(bottleneck_ids)
                )
            )
        )
    if ids:
        _lock(RoadBlock, sorted(ids))
        _store(recount(ids), ids)


def _lock(model, ids: list[int]) -> None:
    """Row locks until commit, in id order (PostgreSQL; SQLite has one writer at a time).

    FOR NO KEY UPDATE: what an UPDATE of the row takes, and no conflict with the key-share
    locks that inserting a member or a co-signature (a foreign key to the row) takes.
    """
    db.session.execute(
        select(model.id).where(model.id.in_(ids)).order_by(model.id).with_for_update(key_share=True)
    ).all()


def refresh_all_counts() -> None:
    """Recompute and store the counts of every road block (after bulk loads; no commit)."""
    db.session.flush()
    _store(recount(), db.session.scalars(select(RoadBlock.id)).all())


def _store(counts: dict[int, tuple[int, int]], ids: Iterable[int]) -> None:
    table = RoadBlock.__table__  # a Core update: the ORM would bump the version
    rows = [
        {"rid": i, "dsvs": counts.get(i, (0, 0))[0], "items": counts.get(i, (0, 0))[1]} for i in ids
    ]
    if not rows:
        return
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("rid"))
        .values(dsv_count=bindparam("dsvs"), bottleneck_count=bindparam("items")),
        rows,
    )
    for row in rows:
        if loaded := db.session.identity_map.get(identity_key(RoadBlock, row["rid"])):
            db.session.expire(loaded, ["dsv_count", "bottleneck_count"])


def ranked() -> Select:
    """Road blocks, most DSVs affected first, then the most recently changed (for pagination:
    an index scan on the stored counts, however many road blocks there are)."""
    return (
        select(RoadBlock)
        .options(joinedload(RoadBlock.building_block), joinedload(RoadBlock.party))
        .order_by(RoadBlock.dsv_count.desc(), RoadBlock.updated_at.desc(), RoadBlock.id.desc())
    )


def responses(road_block: RoadBlock) -> list[TimelineEvent]:
    """The parties' answers to the road block's bottlenecks, newest first (one query)."""
    members = (
        select(RoadBlockMember.bottleneck_id)
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .where(
            RoadBlockMember.road_block_id == road_block.id, Bottleneck.is_confidential.is_(False)
        )
    )
    return list(
        db.session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.subject_type == "bottleneck",
                TimelineEvent.subject_id.in_(members),
                TimelineEvent.kind == "respond",
            )
            .options(joinedload(TimelineEvent.escalation).joinedload(Escalation.party))
            .order_by(TimelineEvent.created_at.desc(), TimelineEvent.id.desc())
        )
    )


def reach(road_block: RoadBlock) -> dict:
    """The DSVs, networks and regions a road block affects (one query)."""
    reach = affected()
    dsvs = list(
        db.session.scalars(
            select(Dsv)
            .where(Dsv.id.in_(select(reach.c.dsv_id).where(reach.c.road_block_id == road_block.id)))
            .options(joinedload(Dsv.networks))  # one query: a road block reaches a few DSVs
            .order_by(Dsv.name)
        ).unique()
    )
    networks = sorted({n.name for d in dsvs for n in d.networks})
    regions = sorted({d.region for d in dsvs if d.region})
    return {"dsvs": dsvs, "networks": networks, "regions": regions}


def candidates(
    road_block: RoadBlock | None, actor: User, search: str | None = None
) -> list[Bottleneck]:
    """Bottlenecks the actor may add: visible, not confidential, in no road block yet; with a
    search only the first few that match it, most recently changed first (one query)."""
    in_any = select(RoadBlockMember.bottleneck_id)
    query = (
        select(Bottleneck)
        .where(
            Bottleneck.is_confidential.is_(False),
            Bottleneck.id.not_in(in_any),
            Bottleneck.merged_into_id.is_(None),
            authz.visible_bottlenecks(actor),
        )
        .options(joinedload(Bottleneck.dsv))
        .order_by(Bottleneck.building_block_id, Bottleneck.title)
        .limit(300)
    )
    if road_block is not None:
        query = query.where(Bottleneck.building_block_id == road_block.building_block_id)
    if search is not None:
        query = pickers.narrowed(query, Bottleneck, search)
    return list(db.session.scalars(query))
