"""Compiling road-block digests: once per party and closed window, stored, then e-mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, distinct, func, literal, not_, select, union_all
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


def _conditions(start: datetime, end: datetime) -> dict:
    """Each section's condition on an escalation, for the window [start, end)."""
    awaiting = Escalation.status.in_(AWAITING_PARTY)
    very_late = and_(awaiting, Escalation.very_late_at < end)
    return {
        "new": and_(Escalation.submitted_at >= start, Escalation.submitted_at < end),
        "very_late": very_late,
        "late": and_(awaiting, Escalation.due_at < end, not_(very_late)),
        "answered": and_(Escalation.answered_at >= start, Escalation.answered_at < end),
        "accepted": and_(
            Escalation.status == Status.ACCEPTED,
            Escalation.closed_at >= start,
            Escalation.closed_at < end,
        ),
    }


def _counts(party_ids: list[int], conditions: dict) -> dict[int, dict]:
    """Per party and section: how many, and how many of them confidential (one grouped scan)."""
    secret = Bottleneck.is_confidential.is_(True)
    columns = []
    for condition in conditions.values():
        columns += [func.count().filter(condition), func.count().filter(and_(condition, secret))]
    rows = db.session.execute(
        select(Escalation.party_id, *columns)
        .join(Escalation.bottleneck)
        .where(Escalation.party_id.in_(party_ids))
        .group_by(Escalation.party_id)
    )
    counts = {}
    for party_id, *numbers in rows:
        counts[party_id] = {
            key: (numbers[2 * n], numbers[2 * n + 1]) for n, key in enumerate(conditions)
        }
    return counts


def _items(party_ids: list[int], conditions: dict) -> dict[tuple[str, int], list[dict]]:
    """The first MAX_ITEMS non-confidential escalations per section and party.

    One query ranks every section (on the escalation alone: a narrow sort), a second one
    fetches the names of the few winners by id.
    """
    ranked = union_all(
        *(
            select(
                literal(key).label("section"),
                Escalation.party_id,
                Escalation.id,
                func.row_number()
                .over(
                    partition_by=Escalation.party_id,
                    order_by=(Escalation.due_at.is_(None), Escalation.due_at, Escalation.id),
                )
                .label("rank"),
            )
            .join(Escalation.bottleneck)
            .where(
                Escalation.party_id.in_(party_ids),
                condition,
                Bottleneck.is_confidential.is_(False),
            )
            for key, condition in conditions.items()
        )
    ).subquery()
    winners = db.session.execute(
        select(ranked.c.section, ranked.c.party_id, ranked.c.id)
        .where(ranked.c.rank <= MAX_ITEMS)
        .order_by(ranked.c.section, ranked.c.party_id, ranked.c.rank)
    ).all()
    if not winners:
        return {}
    details = {
        escalation_id: dict(zip(ITEM_FIELDS, (escalation_id, *values), strict=True))
        for escalation_id, *values in db.session.execute(
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
            .where(Escalation.id.in_({escalation_id for _, _, escalation_id in winners}))
        )
    }
    items: dict[tuple[str, int], list[dict]] = {}
    for section, party_id, escalation_id in winners:
        items.setdefault((section, party_id), []).append(details[escalation_id])
    return items


ITEM_FIELDS = ("escalation_id", "bottleneck_id", "title", "dsv", "block", "status")


def _themes(party_ids: list[int]) -> dict[int, list[dict]]:
    """Building blocks of each party's open and answered escalations, across DSVs and networks."""
    counted = (
        select(
            Escalation.party_id,
            Bottleneck.building_block_id,
            func.count(distinct(Bottleneck.id)).label("bottlenecks"),
            func.count(distinct(Bottleneck.dsv_id)).label("dsvs"),
            func.count(distinct(dsv_networks.c.network_id)).label("networks"),
        )
        .select_from(Escalation)
        .join(Escalation.bottleneck)
        .outerjoin(dsv_networks, dsv_networks.c.dsv_id == Bottleneck.dsv_id)
        .where(
            Escalation.party_id.in_(party_ids),
            Escalation.status.in_([*AWAITING_PARTY, Status.ANSWERED]),
        )
        .group_by(Escalation.party_id, Bottleneck.building_block_id)  # narrow keys: sorts fast
        .subquery()
    )
    rows = db.session.execute(
        select(
            counted.c.party_id,
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            counted.c.bottlenecks,
            counted.c.dsvs,
            counted.c.networks,
        ).join(BuildingBlock, BuildingBlock.id == counted.c.building_block_id)
    )
    themes: dict[int, list[dict]] = {}
    for party_id, number, nl, en, bottlenecks, dsvs, networks in rows:
        themes.setdefault(party_id, []).append(
            {
                "block": number,
                "name_nl": nl,
                "name_en": en,
                "bottlenecks": bottlenecks,
                "dsvs": dsvs,
                "networks": networks,
            }
        )
    return {
        party_id: sorted(found, key=lambda t: (-t["dsvs"], -t["bottlenecks"], t["block"]))
        for party_id, found in themes.items()
    }


def _road_blocks(party_ids: list[int]) -> dict[int, list[dict]]:
    """Road blocks whose bottlenecks await or got an answer from each party, most DSVs first."""
    from tracker.roadblocks.models import RoadBlock, RoadBlockMember

    dsvs = func.count(distinct(Bottleneck.dsv_id))
    ranked = (
        select(
            Escalation.party_id,
            RoadBlock.id,
            RoadBlock.title,
            dsvs.label("dsvs"),
            func.row_number()
            .over(partition_by=Escalation.party_id, order_by=(dsvs.desc(), RoadBlock.id))
            .label("rank"),
        )
        .join(RoadBlockMember, RoadBlockMember.road_block_id == RoadBlock.id)
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .join(Escalation, Escalation.bottleneck_id == Bottleneck.id)
        .where(
            Escalation.party_id.in_(party_ids),
            Escalation.status.in_([*AWAITING_PARTY, Status.ANSWERED]),
        )
        .group_by(Escalation.party_id, RoadBlock.id, RoadBlock.title)
        .subquery()
    )
    found: dict[int, list[dict]] = {}
    for party_id, road_block_id, title, count, _rank in db.session.execute(
        select(ranked).where(ranked.c.rank <= MAX_ITEMS).order_by(ranked.c.party_id, ranked.c.rank)
    ):
        found.setdefault(party_id, []).append({"id": road_block_id, "title": title, "dsvs": count})
    return found


def compile_contents(party_ids: list[int], start: datetime, end: datetime) -> dict[int, dict]:
    """What each party's table should see about [start, end): counts, items and themes.

    A fixed number of grouped queries for any number of parties. Statuses are those at
    compile time, which is shortly after the window closed.
    """
    if not party_ids:
        return {}
    conditions = _conditions(start, end)
    counts = _counts(party_ids, conditions)
    items = _items(party_ids, conditions)
    themes, road_blocks = _themes(party_ids), _road_blocks(party_ids)
    contents = {}
    for party_id in party_ids:
        content = {}
        for key in conditions:
            total, confidential = counts.get(party_id, {}).get(key, (0, 0))
            content[key] = {
                "total": total,
                "confidential": confidential,
                "items": items.get((key, party_id), []),
            }
        content["themes"] = themes.get(party_id, [])
        content["road_blocks"] = road_blocks.get(party_id, [])
        contents[party_id] = content
    return contents


def compile_content(party: Party, start: datetime, end: datetime) -> dict:
    """What the party's table should see about [start, end): counts, items and themes."""
    return compile_contents([party.id], start, end)[party.id]


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


def compile_digest(
    party: Party, start: datetime, end: datetime, content: dict | None = None
) -> Digest | None:
    """Store the digest of one window and queue its e-mail; None when it already exists."""
    digest = Digest(
        party_id=party.id,
        cadence=party.digest_cadence,
        window_start=start,
        window_end=end,
        content=content if content is not None else compile_content(party, start, end),
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
            defer=True,  # rendered by the dispatcher, like the reminders
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
    """Compile every closed window not compiled yet (up to a few after an outage); one commit.

    Parties sharing a window are compiled together, with one set of grouped queries.
    """
    now = now or utcnow()
    due: dict[tuple[datetime, datetime], list[Party]] = {}
    for party in db.session.scalars(select(Party).order_by(Party.id)):
        for window in _missing_windows(party, now):
            due.setdefault(window, []).append(party)
    compiled = 0
    for (start, end), parties in sorted(due.items(), key=lambda entry: entry[0]):
        contents = compile_contents([p.id for p in parties], start, end)
        for party in parties:
            if compile_digest(party, start, end, contents[party.id]) is not None:
                compiled += 1
    db.session.commit()
    return compiled


def preview(party: Party, start: datetime, end: datetime) -> dict:
    """The digest content of any window, without storing or sending anything."""
    return compile_content(party, start, end)
