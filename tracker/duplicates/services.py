"""Rules for co-signing and merging: who may, what moves, and how undo restores it exactly.

Co-signing: a coordinator whose DSV has the same bottleneck as another DSV (or a whole road
block) says "this is ours too", with their own context, instead of filing a duplicate.

Merging: programme staff or a party liaison folds a duplicate bottleneck into another. The
duplicate stays (its escalations and timeline keep their history) but points at the target;
its co-signers and followers move to the target, its DSV becomes a co-signer of the target, and
its place in a road block passes to the target. The Merge row records exactly what moved, so
undo puts it back.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks import services as bottlenecks
from tracker.bottlenecks.models import Bottleneck
from tracker.core.concurrency import conflicts_are_stale
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.directory.models import Dsv
from tracker.duplicates import notify
from tracker.duplicates.models import CONTEXT_MAX, Cosignature, Merge
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock
from tracker.timeline.services import record


def _own_dsv(actor: User, dsv_id: int | None) -> Dsv:
    dsv = db.session.get(Dsv, dsv_id) if dsv_id is not None else None
    if dsv is None or dsv.id not in actor.dsv_ids:
        raise InvalidInput(_("Choose one of your own DSVs."))
    return dsv


def _cosigned(dsv_id: int, *, bottleneck_id: int | None = None, road_block_id: int | None = None):
    return db.session.scalar(
        select(Cosignature).where(
            Cosignature.dsv_id == dsv_id,
            Cosignature.bottleneck_id == bottleneck_id
            if bottleneck_id is not None
            else Cosignature.road_block_id == road_block_id,
        )
    )


@conflicts_are_stale
def cosign_bottleneck(actor: User, bottleneck_id: int, dsv_id: int, context: str) -> Cosignature:
    """Record once per DSV that another DSV's public bottleneck is the actor's DSV's too."""
    bottleneck = bottlenecks.get_visible(actor, bottleneck_id)
    authz.require(actor, "bottleneck.cosign", bottleneck)
    dsv = _own_dsv(actor, dsv_id)
    if dsv.id == bottleneck.dsv_id:
        raise InvalidInput(_("This bottleneck is already %(dsv)s's own.", dsv=dsv.name))
    if _cosigned(dsv.id, bottleneck_id=bottleneck.id):
        raise InvalidInput(_("%(dsv)s has already co-signed this.", dsv=dsv.name))
    cosignature = Cosignature(
        bottleneck=bottleneck, dsv=dsv, context=context.strip()[:CONTEXT_MAX], created_by=actor
    )
    db.session.add(cosignature)
    if actor not in bottleneck.followers:
        bottleneck.followers.append(actor)  # co-signers hear how it goes
    record("bottleneck", bottleneck.id, "cosigned", actor, new=dsv.name, body=cosignature.context)
    bottleneck.updated_at = utcnow()
    road_blocks.refresh_counts(bottleneck_ids=[bottleneck.id])
    notify.cosigned(cosignature, bottleneck, actor)
    db.session.commit()
    return cosignature


@conflicts_are_stale
def cosign_road_block(actor: User, road_block_id: int, dsv_id: int, context: str) -> Cosignature:
    """Record once per DSV that a road block affects the actor's DSV too."""
    road_block = road_blocks.get(road_block_id)
    authz.require(actor, "roadblock.cosign", road_block)
    dsv = _own_dsv(actor, dsv_id)
    if _cosigned(dsv.id, road_block_id=road_block.id):
        raise InvalidInput(_("%(dsv)s has already co-signed this.", dsv=dsv.name))
    cosignature = Cosignature(
        road_block=road_block, dsv=dsv, context=context.strip()[:CONTEXT_MAX], created_by=actor
    )
    db.session.add(cosignature)
    record("road_block", road_block.id, "cosigned", actor, new=dsv.name, body=cosignature.context)
    road_block.updated_at = utcnow()
    road_blocks.refresh_counts([road_block.id])
    db.session.commit()
    return cosignature


@conflicts_are_stale
def withdraw(actor: User, cosignature_id: int) -> tuple[str, int]:
    """Remove a co-signature of the actor's own DSV; returns its subject (type, id)."""
    cosignature = db.session.get(Cosignature, cosignature_id)
    if cosignature is None:
        raise NotVisible()
    authz.require(actor, "cosignature.withdraw", cosignature)
    subject = _subject(cosignature)
    record(*subject, "cosign_withdrawn", actor, old=cosignature.dsv.name)
    db.session.delete(cosignature)
    if cosignature.bottleneck_id is not None:
        road_blocks.refresh_counts(bottleneck_ids=[cosignature.bottleneck_id])
    else:
        road_blocks.refresh_counts([cosignature.road_block_id])
    db.session.commit()
    return subject


def _subject(cosignature: Cosignature) -> tuple[str, int]:
    if cosignature.bottleneck_id is not None:
        return "bottleneck", cosignature.bottleneck_id
    return "road_block", cosignature.road_block_id


def cosignatures_of_bottleneck(bottleneck_id: int) -> list[Cosignature]:
    """The DSVs that co-signed a bottleneck, oldest first."""
    return _cosignatures(Cosignature.bottleneck_id == bottleneck_id)


def cosignatures_of_road_block(road_block_id: int) -> list[Cosignature]:
    """The DSVs that co-signed a road block itself, oldest first."""
    return _cosignatures(Cosignature.road_block_id == road_block_id)


def _cosignatures(where) -> list[Cosignature]:
    return list(
        db.session.scalars(
            select(Cosignature)
            .where(where)
            .join(Cosignature.dsv)
            .options(contains_eager(Cosignature.dsv))
            .order_by(Cosignature.created_at, Cosignature.id)
        )
    )


# --- merging duplicates ------------------------------------------------------------------------


def _mergeable(actor: User, duplicate_id: int, target_id: int) -> tuple[Bottleneck, Bottleneck]:
    duplicate = bottlenecks.get_visible(actor, duplicate_id)
    authz.require(actor, "bottleneck.merge", duplicate)
    target = db.session.get(Bottleneck, target_id)
    if target is None or not authz.can(actor, "bottleneck.view", target):
        raise InvalidInput(_("There is no bottleneck with that number."))
    if duplicate.id == target.id:
        raise InvalidInput(_("A bottleneck cannot be merged into itself."))
    if duplicate.is_confidential or target.is_confidential:
        raise InvalidInput(_("Confidential bottlenecks cannot be merged."))
    if duplicate.merged_into_id is not None:
        raise InvalidInput(_("This bottleneck is already merged into another."))
    if target.merged_into_id is not None:
        raise InvalidInput(_("That bottleneck is merged itself; choose the one it went into."))
    if db.session.scalar(select(Bottleneck.id).where(Bottleneck.merged_into_id == duplicate.id)):
        raise InvalidInput(_("Other bottlenecks are merged into this one; undo that first."))
    return duplicate, target


def _move_cosignatures(duplicate: Bottleneck, target: Bottleneck) -> list[int]:
    taken = {c.dsv_id for c in cosignatures_of_bottleneck(target.id)} | {target.dsv_id}
    moved = []
    for cosignature in cosignatures_of_bottleneck(duplicate.id):
        if cosignature.dsv_id not in taken:
            cosignature.bottleneck_id = target.id
            moved.append(cosignature.id)
    return moved


@conflicts_are_stale
def merge(actor: User, duplicate_id: int, target_id: int) -> Merge:
    """Fold a duplicate into a target; everything that moves is recorded so undo restores it."""
    duplicate, target = _mergeable(actor, duplicate_id, target_id)
    moved = {"moved": _move_cosignatures(duplicate, target), "created": None}
    db.session.flush()
    if duplicate.dsv_id != target.dsv_id and not _cosigned(
        duplicate.dsv_id, bottleneck_id=target.id
    ):
        context = f"{duplicate.title}\n\n{duplicate.description}"[:CONTEXT_MAX]
        created = Cosignature(
            bottleneck=target, dsv_id=duplicate.dsv_id, context=context, created_by=actor
        )
        db.session.add(created)
        db.session.flush()
        moved["created"] = created.id
    moved["followers"] = [u.id for u in duplicate.followers if u not in target.followers]
    target.followers.extend(u for u in duplicate.followers if u not in target.followers)
    moved["left"] = moved["joined"] = None
    if road_block := road_blocks.for_bottleneck(duplicate.id):
        road_blocks.detach(actor, road_block, duplicate.id)
        moved["left"] = road_block.id
        if road_blocks.for_bottleneck(target.id) is None:
            road_blocks.attach(actor, road_block, [target])
            moved["joined"] = road_block.id
    duplicate.merged_into_id = target.id
    duplicate.updated_at = target.updated_at = utcnow()
    merge = Merge(duplicate=duplicate, target=target, moved=moved, merged_by=actor)
    db.session.add(merge)
    record("bottleneck", duplicate.id, "merged_into", actor, new=target.title)
    record("bottleneck", target.id, "merged_from", actor, new=duplicate.title)
    _refresh_road_blocks(moved, duplicate, target)
    notify.merged(merge, _affected(merge), actor, undone=False)
    db.session.commit()
    return merge


def get_merge(merge_id: int) -> Merge:
    """The merge, or NotVisible."""
    merge = db.session.get(Merge, merge_id)
    if merge is None:
        raise NotVisible()
    return merge


@conflicts_are_stale
def undo_merge(actor: User, merge_id: int) -> Merge:
    """Put back exactly what a merge moved, as far as nothing was changed by hand since."""
    merge = get_merge(merge_id)
    duplicate, target = merge.duplicate, merge.target
    authz.require(actor, "bottleneck.merge", duplicate)
    if merge.undone_at is not None or duplicate.merged_into_id != target.id:
        raise InvalidInput(_("This merge was already undone."))
    affected = _affected(merge)
    moved = merge.moved
    back = {c.dsv_id for c in cosignatures_of_bottleneck(duplicate.id)}
    for cosignature in db.session.scalars(
        select(Cosignature).where(Cosignature.id.in_(moved.get("moved", [])))
    ):
        if cosignature.bottleneck_id == target.id and cosignature.dsv_id not in back:
            cosignature.bottleneck_id = duplicate.id
    created = db.session.get(Cosignature, moved["created"]) if moved.get("created") else None
    if created is not None and created.bottleneck_id == target.id:
        db.session.delete(created)
    added = set(moved.get("followers", []))
    target.followers = [u for u in target.followers if u.id not in added]
    _restore_road_block(actor, moved, duplicate, target)
    duplicate.merged_into_id = None
    duplicate.updated_at = target.updated_at = merge.undone_at = utcnow()
    merge.undone_by_id = actor.id
    record("bottleneck", duplicate.id, "merge_undone", actor, old=target.title)
    record("bottleneck", target.id, "merge_undone", actor, old=duplicate.title)
    _refresh_road_blocks(moved, duplicate, target)
    notify.merged(merge, affected, actor, undone=True)
    db.session.commit()
    return merge


def _restore_road_block(actor: User, moved: dict, duplicate: Bottleneck, target: Bottleneck):
    joined = db.session.get(RoadBlock, moved["joined"]) if moved.get("joined") else None
    if joined is not None and road_blocks.for_bottleneck(target.id) is joined:
        road_blocks.detach(actor, joined, target.id)
        db.session.flush()
    left = db.session.get(RoadBlock, moved["left"]) if moved.get("left") else None
    if left is not None and road_blocks.for_bottleneck(duplicate.id) is None:
        road_blocks.attach(actor, left, [duplicate])


def _refresh_road_blocks(moved: dict, duplicate: Bottleneck, target: Bottleneck) -> None:
    """Co-signers and members moved: recount the road blocks on either side (flushes)."""
    road_blocks.refresh_counts(
        [moved.get("left"), moved.get("joined")], bottleneck_ids=[duplicate.id, target.id]
    )


def _affected(merge: Merge) -> list[User]:
    """The owners of both bottlenecks and whoever co-signed either of them."""
    people: Iterable[User] = [merge.duplicate.owner, merge.target.owner]
    people = [*people, *(c.created_by for c in cosignatures_of_bottleneck(merge.target_id))]
    people += [c.created_by for c in cosignatures_of_bottleneck(merge.duplicate_id)]
    return list({user.id: user for user in people}.values())


def merges_into(bottleneck_id: int) -> list[Merge]:
    """The merges that still fold a duplicate into this bottleneck."""
    return list(
        db.session.scalars(
            select(Merge)
            .where(Merge.target_id == bottleneck_id, Merge.undone_at.is_(None))
            .order_by(Merge.merged_at)
        )
    )


def active_merge_of(duplicate: Bottleneck) -> Merge | None:
    """The merge that currently folds this bottleneck into another, if any."""
    if duplicate.merged_into_id is None:
        return None
    return db.session.scalar(
        select(Merge).where(Merge.duplicate_id == duplicate.id, Merge.undone_at.is_(None))
    )
