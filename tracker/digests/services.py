"""Compiling road-block digests: once per party and closed window, stored, then e-mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, distinct, func, not_, select
from sqlalchemy.exc import IntegrityError

from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.urls import external_url
from tracker.digests.models import Cadence, Digest
from tracker.digests.windows import last_closed_window
from tracker.directory.models import BuildingBlock, Dsv, Party, dsv_networks
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY, Status
from tracker.extensions import db
from tracker.notifications.services import Once, queue_once

MAX_ITEMS = 10  # per section; the digest links to the full list
SECTIONS = ("new", "very_late", "late", "answered", "accepted")
CATCH_UP_WINDOWS = 4  # after an outage, at most this many missed windows are compiled


def _section(party: Party, condition) -> dict:
    """Count and first items of one section; confidential bottlenecks are only counted."""
    scope = (
        select(Escalation.id)
        .join(Escalation.bottleneck)
        .where(Escalation.party_id == party.id, condition)
    )
    total, confidential = db.session.execute(
        select(func.count(), func.count().filter(Bottleneck.is_confidential.is_(True)))
        .select_from(Escalation)
        .join(Escalation.bottleneck)
        .where(Escalation.party_id == party.id, condition)
    ).one()
    rows = db.session.execute(
        select(
            Escalation.id,
            Bottleneck.id,
            Bottleneck.title,
            Dsv.name,
            BuildingBlock.number,
            Escalation.status,
        )
        .join(Escalation.bottleneck)
        .join(Bottleneck.dsv)
        .join(Bottleneck.building_block)
        .where(Escalation.id.in_(scope), Bottleneck.is_confidential.is_(False))
        .order_by(Escalation.due_at.is_(None), Escalation.due_at, Escalation.id)
        .limit(MAX_ITEMS)
    )
    items = [
        {
            "escalation_id": e,
            "bottleneck_id": b,
            "title": title,
            "dsv": dsv,
            "block": block,
            "status": status,
        }
        for e, b, title, dsv, block, status in rows
    ]
    return {"total": total, "confidential": confidential, "items": items}


def _themes(party: Party) -> list[dict]:
    """Building blocks of this party's open and answered escalations, across DSVs and networks."""
    rows = db.session.execute(
        select(
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            func.count(distinct(Bottleneck.id)),
            func.count(distinct(Bottleneck.dsv_id)),
            func.count(distinct(dsv_networks.c.network_id)),
        )
        .select_from(Escalation)
        .join(Escalation.bottleneck)
        .join(Bottleneck.building_block)
        .outerjoin(dsv_networks, dsv_networks.c.dsv_id == Bottleneck.dsv_id)
        .where(
            Escalation.party_id == party.id,
            Escalation.status.in_([*AWAITING_PARTY, Status.ANSWERED]),
        )
        .group_by(BuildingBlock.number, BuildingBlock.name_nl, BuildingBlock.name_en)
    )
    themes = [
        {
            "block": number,
            "name_nl": nl,
            "name_en": en,
            "bottlenecks": bottlenecks,
            "dsvs": dsvs,
            "networks": networks,
        }
        for number, nl, en, bottlenecks, dsvs, networks in rows
    ]
    return sorted(themes, key=lambda t: (-t["dsvs"], -t["bottlenecks"], t["block"]))


def _road_blocks(party: Party) -> list[dict]:
    """Road blocks whose bottlenecks await or got an answer from this party, most DSVs first."""
    from tracker.roadblocks.models import RoadBlock, RoadBlockMember

    dsvs = func.count(distinct(Bottleneck.dsv_id))
    rows = db.session.execute(
        select(RoadBlock.id, RoadBlock.title, dsvs)
        .join(RoadBlockMember, RoadBlockMember.road_block_id == RoadBlock.id)
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .join(Escalation, Escalation.bottleneck_id == Bottleneck.id)
        .where(
            Escalation.party_id == party.id,
            Escalation.status.in_([*AWAITING_PARTY, Status.ANSWERED]),
        )
        .group_by(RoadBlock.id, RoadBlock.title)
        .order_by(dsvs.desc(), RoadBlock.id)
        .limit(MAX_ITEMS)
    )
    return [
        {"id": road_block_id, "title": title, "dsvs": count} for road_block_id, title, count in rows
    ]


def compile_content(party: Party, start: datetime, end: datetime) -> dict:
    """What the party's table should see about [start, end): counts, items and themes.

    Statuses are those at compile time, which is shortly after the window closed.
    """
    awaiting = Escalation.status.in_(AWAITING_PARTY)
    very_late = and_(awaiting, Escalation.very_late_at < end)
    return {
        "new": _section(
            party, and_(Escalation.submitted_at >= start, Escalation.submitted_at < end)
        ),
        "very_late": _section(party, very_late),
        "late": _section(party, and_(awaiting, Escalation.due_at < end, not_(very_late))),
        "answered": _section(
            party, and_(Escalation.answered_at >= start, Escalation.answered_at < end)
        ),
        "accepted": _section(
            party,
            and_(
                Escalation.status == Status.ACCEPTED,
                Escalation.closed_at >= start,
                Escalation.closed_at < end,
            ),
        ),
        "themes": _themes(party),
        "road_blocks": _road_blocks(party),
    }


def redacted(content: dict) -> dict:
    """A stored digest as it may be shown now: items that became confidential are only counted."""
    ids = {item["bottleneck_id"] for key in SECTIONS for item in content[key]["items"]}
    secret = (
        set(
            db.session.scalars(
                select(Bottleneck.id).where(
                    Bottleneck.id.in_(ids), Bottleneck.is_confidential.is_(True)
                )
            )
        )
        if ids
        else set()
    )
    if not secret:
        return content
    shown = dict(content)
    for key in SECTIONS:
        section = content[key]
        items = [i for i in section["items"] if i["bottleneck_id"] not in secret]
        shown[key] = {
            **section,
            "items": items,
            "confidential": section["confidential"] + len(section["items"]) - len(items),
        }
    return shown


def compile_digest(party: Party, start: datetime, end: datetime) -> Digest | None:
    """Store the digest of one window and queue its e-mail; None when it already exists."""
    digest = Digest(
        party_id=party.id,
        cadence=party.digest_cadence,
        window_start=start,
        window_end=end,
        content=compile_content(party, start, end),
    )
    try:
        with db.session.begin_nested():
            db.session.add(digest)
            db.session.flush()
    except IntegrityError:
        return None  # another worker compiled this window first
    if party.table_contact_email:
        message = queue_once(
            "digest",
            party.table_contact_email,
            Once("digest", f"party:{party.id}", "digest", f"{start:%Y%m%d}-{end:%Y%m%d}"),
            language="nl",
            recipient_name=party.name,
            digest=digest,
            party=party,
            link=external_url("digests.show", digest_id=digest.id),
            list_link=external_url("bottlenecks.index", party=party.id),
        )
        digest.outbox_message = message
    return digest


def _missing_windows(party: Party, now: datetime) -> list[tuple[datetime, datetime]]:
    cadence = Cadence(party.digest_cadence)
    last = last_closed_window(cadence, now)
    latest_end = db.session.scalar(
        select(Digest.window_end)
        .where(Digest.party_id == party.id)
        .order_by(Digest.window_end.desc())
        .limit(1)
    )
    windows = [last]
    while len(windows) < CATCH_UP_WINDOWS:
        previous = last_closed_window(cadence, windows[0][0])
        if latest_end is None or previous[1] <= latest_end:
            break
        windows.insert(0, previous)
    return [w for w in windows if latest_end is None or w[0] >= latest_end]


def compile_due(now: datetime | None = None) -> int:
    """Compile every closed window not compiled yet (up to a few after an outage); one commit."""
    now = now or utcnow()
    compiled = 0
    for party in db.session.scalars(select(Party).order_by(Party.id)):
        for start, end in _missing_windows(party, now):
            if compile_digest(party, start, end) is not None:
                compiled += 1
    db.session.commit()
    return compiled


def preview(party: Party, start: datetime, end: datetime) -> dict:
    """The digest content of any window, without storing or sending anything."""
    return compile_content(party, start, end)
