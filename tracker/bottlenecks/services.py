"""Rules for bottlenecks: create, edit, comment, and the status derived from escalations."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck, BottleneckStatus, Impact
from tracker.core.concurrency import check_version, conflicts_are_stale
from tracker.core.errors import InvalidInput, NotVisible
from tracker.core.timeutil import utcnow
from tracker.directory.models import BuildingBlock, Domain, Dsv
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY, Status
from tracker.extensions import db
from tracker.timeline.services import record

SUBJECT = "bottleneck"
#: What the detail page shows, loaded with the bottleneck: a fixed number of queries.
DETAIL = (
    joinedload(Bottleneck.dsv),
    joinedload(Bottleneck.building_block),
    joinedload(Bottleneck.owner),
    selectinload(Bottleneck.domains),
    selectinload(Bottleneck.escalations).joinedload(Escalation.party),
)


def get_visible(user: User, bottleneck_id: int) -> Bottleneck:
    """The bottleneck with what its page shows, or NotVisible (missing, or not for this user)."""
    bottleneck = db.session.get(Bottleneck, bottleneck_id, options=DETAIL)
    if bottleneck is None:
        raise NotVisible()
    authz.require(user, "bottleneck.view", bottleneck)
    return bottleneck


def _checked_refs(dsv: Dsv, building_block_id: int, owner_id: int, domain_ids: Iterable[int]):
    block = db.session.get(BuildingBlock, building_block_id)
    if block is None:
        raise InvalidInput(_("Choose one of the seven building blocks."))
    owner = db.session.get(User, owner_id)
    if owner is None or dsv.id not in owner.dsv_ids or not owner.active:
        raise InvalidInput(_("The owner must be an active member of %(dsv)s.", dsv=dsv.name))
    ids = set(domain_ids)
    domains = list(db.session.scalars(select(Domain).where(Domain.id.in_(ids)))) if ids else []
    if len(domains) != len(ids):
        raise InvalidInput(_("Choose domains from the list."))
    return block, owner, domains


@conflicts_are_stale
def create_bottleneck(
    actor: User,
    *,
    dsv_id: int,
    title: str,
    description: str,
    building_block_id: int,
    owner_id: int,
    impact: str = Impact.MEDIUM,
    domain_ids: Iterable[int] = (),
    is_confidential: bool = False,
) -> Bottleneck:
    """Log a bottleneck for a DSV the actor belongs to, with its 'created' event, in one commit."""
    dsv = db.session.get(Dsv, dsv_id)
    if dsv is None:
        raise InvalidInput(_("You can only log bottlenecks for your own DSVs."))
    authz.require(actor, "bottleneck.create", dsv)
    block, owner, domains = _checked_refs(dsv, building_block_id, owner_id, domain_ids)
    if impact not in set(Impact):
        raise InvalidInput(_("Choose an impact from the list."))
    now = utcnow()
    bottleneck = Bottleneck(
        dsv=dsv,
        title=title.strip(),
        description=description.strip(),
        building_block=block,
        owner=owner,
        impact=impact,
        domains=domains,
        is_confidential=is_confidential,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(bottleneck)
    db.session.flush()
    record(SUBJECT, bottleneck.id, "created", actor, new=bottleneck.title)
    db.session.commit()
    return bottleneck


@conflicts_are_stale
def update_bottleneck(
    actor: User,
    bottleneck_id: int,
    *,
    version: int,
    title: str,
    description: str,
    building_block_id: int,
    owner_id: int,
    impact: str,
    domain_ids: Iterable[int],
    is_confidential: bool,
) -> Bottleneck:
    """Apply an edit by a DSV member; each changed field gets its own old -> new event."""
    bottleneck = get_visible(actor, bottleneck_id)
    authz.require(actor, "bottleneck.edit", bottleneck)
    check_version(bottleneck, version)
    block, owner, domains = _checked_refs(bottleneck.dsv, building_block_id, owner_id, domain_ids)
    if impact not in set(Impact):
        raise InvalidInput(_("Choose an impact from the list."))
    from tracker.roadblocks import services as road_blocks  # road blocks build on bottlenecks

    newly_confidential = is_confidential and not bottleneck.is_confidential
    if newly_confidential and road_blocks.for_bottleneck(bottleneck.id):
        # A road block is public: a confidential bottleneck must never be listed in one.
        raise InvalidInput(
            _("This bottleneck is part of a road block; take it out before making it confidential.")
        )
    changes = {
        "title": (bottleneck.title, title.strip()),
        "description": (bottleneck.description, description.strip()),
        "building_block": (bottleneck.building_block.code, block.code),
        "owner": (bottleneck.owner.name, owner.name),
        "impact": (bottleneck.impact, impact),
        "domains": (
            ",".join(d.code for d in bottleneck.domains),
            ",".join(d.code for d in sorted(domains, key=lambda d: d.id)),
        ),
        "confidential": (bottleneck.is_confidential, is_confidential),
    }
    changed = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if not changed:
        return bottleneck
    bottleneck.title = title.strip()
    bottleneck.description = description.strip()
    bottleneck.building_block = block
    bottleneck.owner = owner
    bottleneck.impact = impact
    bottleneck.domains = domains
    bottleneck.is_confidential = is_confidential
    bottleneck.updated_at = utcnow()
    for field, (old, new) in changed.items():
        if field == "description":
            record(SUBJECT, bottleneck.id, "changed", actor, field=field, body=new)
        else:
            record(SUBJECT, bottleneck.id, "changed", actor, field=field, old=old, new=new)
    db.session.commit()
    return bottleneck


@conflicts_are_stale
def add_comment(actor: User, bottleneck_id: int, body: str) -> None:
    """Add a comment by a DSV member or an addressed party's liaison to the timeline."""
    bottleneck = get_visible(actor, bottleneck_id)
    authz.require(actor, "bottleneck.comment", bottleneck)
    if not body.strip():
        raise InvalidInput(_("Write a comment first."))
    record(SUBJECT, bottleneck.id, "commented", actor, body=body.strip())
    bottleneck.updated_at = utcnow()
    db.session.commit()


def follow(actor: User, bottleneck_id: int, *, following: bool = True) -> Bottleneck:
    """Start (or stop) following a bottleneck the actor may see; idempotent, on their record."""
    bottleneck = get_visible(actor, bottleneck_id)
    if following != (actor in bottleneck.followers):
        if following:
            bottleneck.followers.append(actor)
        else:
            bottleneck.followers.remove(actor)
        kind = "followed" if following else "unfollowed"
        record(
            "user", actor.id, kind, actor, new=bottleneck.title, field=f"bottleneck:{bottleneck.id}"
        )
    db.session.commit()
    return bottleneck


def derive_status(escalation_statuses: Iterable[str]) -> BottleneckStatus:
    """The bottleneck's status follows from its escalations (most urgent first)."""
    statuses = set(escalation_statuses)
    if statuses & AWAITING_PARTY:
        return BottleneckStatus.ESCALATED
    if Status.ANSWERED in statuses:
        return BottleneckStatus.ANSWERED
    if Status.ACCEPTED in statuses:
        return BottleneckStatus.RESOLVED
    if Status.CLOSED in statuses:
        return BottleneckStatus.CLOSED
    return BottleneckStatus.OPEN


def refresh_status(bottleneck: Bottleneck, actor: User | None) -> None:
    """Recompute the bottleneck's status and record the change, if any, on its timeline."""
    new = derive_status(e.status for e in bottleneck.escalations)
    if new != bottleneck.status:
        record(SUBJECT, bottleneck.id, "status", actor, old=bottleneck.status, new=new.value)
        bottleneck.status = new.value
    bottleneck.updated_at = utcnow()
