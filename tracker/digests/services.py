"""Compiling road-block digests: once per party and closed window, stored, then e-mailed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.core.urls import external_url
from tracker.digests.models import Cadence, Digest
from tracker.digests.windows import last_closed_window, window_containing
from tracker.directory.models import Dsv, Party
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY, Status
from tracker.extensions import db
from tracker.notifications.services import Once, queue_once

MAX_ITEMS = 10  # per section; the digest links to the full list
CATCH_UP_WINDOWS = 4  # after an outage, at most this many missed windows are compiled


def _item(escalation: Escalation) -> dict:
    bottleneck = escalation.bottleneck
    return {
        "escalation_id": escalation.id,
        "bottleneck_id": bottleneck.id,
        "title": bottleneck.title,
        "dsv": bottleneck.dsv.name,
        "block": bottleneck.building_block.number,
        "status": escalation.status,
        "due_at": escalation.due_at.isoformat() if escalation.due_at else None,
    }


def _section(rows: list[Escalation]) -> dict:
    """Public items (capped) and a count; confidential bottlenecks are only counted."""
    public = [e for e in rows if not e.bottleneck.is_confidential]
    return {
        "total": len(rows),
        "confidential": len(rows) - len(public),
        "items": [_item(e) for e in public[:MAX_ITEMS]],
    }


def compile_content(party: Party, start: datetime, end: datetime) -> dict:
    """What the party's table should see about [start, end): counts, items and themes."""
    rows = list(
        db.session.scalars(
            select(Escalation)
            .where(
                Escalation.party_id == party.id,
                Escalation.submitted_at < end,
                or_(Escalation.closed_at.is_(None), Escalation.closed_at >= start),
            )
            .options(
                selectinload(Escalation.bottleneck)
                .selectinload(Bottleneck.dsv)
                .selectinload(Dsv.networks),
                selectinload(Escalation.bottleneck).selectinload(Bottleneck.building_block),
            )
            .order_by(Escalation.due_at.is_(None), Escalation.due_at, Escalation.id)
        )
    )
    in_window = lambda moment: moment is not None and start <= moment < end  # noqa: E731
    open_at_end = [e for e in rows if e.status in AWAITING_PARTY]
    themes: dict[int, dict] = defaultdict(
        lambda: {"bottlenecks": set(), "dsvs": set(), "networks": set()}
    )
    for escalation in rows:
        if escalation.status in (*AWAITING_PARTY, Status.ANSWERED):
            bottleneck = escalation.bottleneck
            theme = themes[bottleneck.building_block.number]
            theme["name_nl"] = bottleneck.building_block.name_nl
            theme["name_en"] = bottleneck.building_block.name_en
            theme["bottlenecks"].add(bottleneck.id)
            theme["dsvs"].add(bottleneck.dsv_id)
            theme["networks"].update(n.id for n in bottleneck.dsv.networks)
    return {
        "new": _section([e for e in rows if in_window(e.submitted_at)]),
        "late": _section(
            [e for e in open_at_end if e.due_at and e.due_at < end and not _very_late(e, end)]
        ),
        "very_late": _section([e for e in open_at_end if _very_late(e, end)]),
        "answered": _section([e for e in rows if in_window(e.answered_at)]),
        "accepted": _section(
            [e for e in rows if e.status == Status.ACCEPTED and in_window(e.closed_at)]
        ),
        "themes": sorted(
            (
                {
                    "block": number,
                    "name_nl": t["name_nl"],
                    "name_en": t["name_en"],
                    "bottlenecks": len(t["bottlenecks"]),
                    "dsvs": len(t["dsvs"]),
                    "networks": len(t["networks"]),
                }
                for number, t in themes.items()
            ),
            key=lambda t: (-t["dsvs"], -t["bottlenecks"], t["block"]),
        ),
    }


def _very_late(escalation: Escalation, end: datetime) -> bool:
    return escalation.very_late_at is not None and escalation.very_late_at < end


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
        digest.outbox_message_id = message.id if message else None
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


def window_for(party: Party, moment: datetime) -> tuple[datetime, datetime]:
    return window_containing(Cadence(party.digest_cadence), moment)
