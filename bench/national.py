"""A national-scale data set, deterministic, for page timings and load runs.

`generate(bottlenecks)` fills an empty, migrated database (PostgreSQL; bulk Core inserts) with
500 DSVs, the 7 networks, 12 parties, 3,000 users, 2,000 events with registrations and agendas,
and per bottleneck: escalations (about two thirds escalated, some to two parties), three
timeline events, road blocks of five, co-signatures. At 50,000 bottlenecks that is about
150,000 timeline events. The same seed gives the same rows.

`python -m bench.national 5000 postgresql+psycopg://.../db` builds one by hand.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import insert, select, text

from tracker.auth.models import User, dsv_members, party_members
from tracker.bottlenecks.models import Bottleneck, bottleneck_domains
from tracker.directory.models import (
    BuildingBlock,
    Domain,
    Dsv,
    Network,
    Party,
    dsv_domains,
    dsv_networks,
)
from tracker.directory.seed import seed_reference_data
from tracker.duplicates.models import Cosignature
from tracker.escalations.models import Escalation
from tracker.events.models import AgendaItem, Event, Registration, event_invitees
from tracker.extensions import db
from tracker.roadblocks import services as road_block_services
from tracker.roadblocks.models import RoadBlock, RoadBlockMember
from tracker.timeline.models import TimelineEvent

SEED = 20261123
DSVS = 500
USERS = 3_000
EVENTS = 2_000
LIAISONS_PER_PARTY = 3
ADMINS = 5
CHUNK = 5_000

PLACES = [
    "Groningen",
    "Zwolle",
    "Utrecht",
    "Eindhoven",
    "Tilburg",
    "Nijmegen",
    "Arnhem",
    "Leeuwarden",
    "Maastricht",
    "Almere",
    "Haarlem",
    "Leiden",
    "Delft",
    "Breda",
    "Enschede",
    "Deventer",
    "Apeldoorn",
    "Heerlen",
    "Venlo",
    "Assen",
    "Emmen",
    "Zaanstad",
]
REGIONS = ("Noord", "Oost", "Zuid", "West", "Midden")
FIRST = [
    "Anna",
    "Bram",
    "Chantal",
    "Daan",
    "Eva",
    "Fatima",
    "Gijs",
    "Hanna",
    "Ibrahim",
    "Jasper",
    "Kim",
    "Lotte",
    "Mohamed",
    "Noor",
]
LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
]
SUBJECTS = (
    "Gegevensuitwisseling tussen huisarts en wijkteam",
    "Bekostiging van preventie na de pilotfase",
    "Privacyregels bij gedeelde casuïstiek",
    "Geen structurele financiering voor de netwerkcoördinator",
    "Verschillende ICT-systemen in de regio",
    "Inkoop door zorgverzekeraar en gemeente loopt niet gelijk",
    "Burgerparticipatie blijft beperkt tot klankbordgroep",
    "Monitoring van gezondheidsuitkomsten ontbreekt",
    "Doelgroep laaggeletterden wordt niet bereikt",
    "Governance van het samenwerkingsverband is onduidelijk",
)
DETAILS = (
    "Partners in de regio lopen hier wekelijks tegenaan.",
    "Het landelijke kader laat dit niet toe zonder uitzondering.",
    "Dit speelt ook in andere samenwerkingsverbanden.",
    "Zonder oplossing stopt de aanpak na dit jaar.",
    "De gemeente en de zorgverzekeraar wijzen naar elkaar.",
    "We vragen een landelijke partij om een uitspraak.",
)
IMPACTS = ("low", "medium", "high", "critical")
BOTTLENECK_STATUSES = ("open",) * 3 + ("escalated",) * 4 + ("answered",) * 2 + ("resolved",)
ESCALATION_STATUSES = ("submitted", "acknowledged", "answered", "accepted", "reopened", "closed")


def _text(rng: random.Random, sentences: int = 3) -> str:
    return " ".join(rng.choice(DETAILS) for _ in range(sentences))


def _insert(model, rows: list[dict], label: str) -> None:
    """Executemany in chunks, with a progress bar."""
    table = model.__table__ if hasattr(model, "__table__") else model
    with click.progressbar(length=len(rows), label=f"{label:<22}", file=sys.stderr) as bar:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            db.session.execute(insert(table), chunk)
            bar.update(len(chunk))


def _ids(model) -> list[int]:
    return list(db.session.scalars(select(model.id).order_by(model.id)))


def generate(bottlenecks: int = 50_000, now: datetime | None = None, seed: int = SEED) -> dict:
    """Fill an empty migrated database; returns the counts of what was made."""
    rng = random.Random(seed)
    now = now or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    seed_reference_data()
    db.session.add(Party(name="Zorginstituut Nederland", slug="zorginstituut-nederland"))
    db.session.flush()
    parties = _ids(Party)
    networks = _ids(Network)
    blocks = _ids(BuildingBlock)
    domains = _ids(Domain)

    _insert(
        Dsv,
        [
            {
                "name": f"DSV {rng.choice(PLACES)}-{rng.choice(REGIONS)} {n + 1}",
                "slug": f"dsv-{n + 1}",
                "region": f"{rng.choice(REGIONS)}-Nederland",
                "municipalities": ", ".join(rng.sample(PLACES, 3)),
                "phase": rng.choice(("founding", "vision", "operational", "consolidation")),
            }
            for n in range(DSVS)
        ],
        "DSVs",
    )
    dsvs = _ids(Dsv)
    links = {(d, networks[i % len(networks)]) for i, d in enumerate(dsvs)}
    links |= {(d, rng.choice(networks)) for d in dsvs if rng.random() < 0.4}
    _insert(
        dsv_networks, [{"dsv_id": d, "network_id": n} for d, n in sorted(links)], "DSV networks"
    )
    _insert(
        dsv_domains,
        [{"dsv_id": d, "domain_id": m} for d in dsvs for m in rng.sample(domains, 3)],
        "DSV domains",
    )

    _insert(
        User,
        [
            {
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "email": f"gebruiker{n}@bench.example",
                "password_hash": "x",
                "language": "nl" if n % 10 else "en",
                "delivery": ("immediate", "daily", "weekly")[n % 3],
                "active": True,
                "is_admin": n < ADMINS,
                "session_version": 1,
                "created_at": now - timedelta(days=400),
            }
            for n in range(USERS)
        ],
        "users",
    )
    users = _ids(User)
    liaisons = users[ADMINS : ADMINS + LIAISONS_PER_PARTY * len(parties)]
    _insert(
        party_members,
        [
            {"user_id": u, "party_id": parties[i // LIAISONS_PER_PARTY]}
            for i, u in enumerate(liaisons)
        ],
        "party members",
    )
    members = users[ADMINS + len(liaisons) :]
    dsv_of = {u: dsvs[i % len(dsvs)] for i, u in enumerate(members)}
    member_rows = set(dsv_of.items())
    member_rows |= {(u, rng.choice(dsvs)) for u in members if rng.random() < 0.1}
    _insert(
        dsv_members, [{"user_id": u, "dsv_id": d} for u, d in sorted(member_rows)], "DSV members"
    )
    people_of = {}
    for u, d in dsv_of.items():
        people_of.setdefault(d, []).append(u)

    rows = []
    for n in range(bottlenecks):
        dsv = dsvs[n % len(dsvs)]
        owner = rng.choice(people_of[dsv])
        created = now - timedelta(days=rng.randrange(365), minutes=rng.randrange(1440))
        rows.append(
            {
                "dsv_id": dsv,
                "title": f"{rng.choice(SUBJECTS)} ({rng.choice(PLACES)})",
                "description": _text(rng),
                "building_block_id": rng.choice(blocks),
                "owner_id": owner,
                "impact": rng.choice(IMPACTS),
                "is_confidential": rng.random() < 0.05,
                "status": rng.choice(BOTTLENECK_STATUSES),
                "created_at": created,
                "updated_at": created + timedelta(days=rng.randrange(30)),
                "created_by_id": owner,
                "version": 1,
            }
        )
    _insert(Bottleneck, rows, "bottlenecks")
    items = [
        (i, r["status"], r["created_at"], r["owner_id"], r["is_confidential"])
        for i, r in zip(_ids(Bottleneck), rows, strict=True)
    ]
    _insert(
        bottleneck_domains,
        [{"bottleneck_id": i, "domain_id": m} for i, *_ in items for m in rng.sample(domains, 2)],
        "bottleneck domains",
    )

    escalations, timeline = [], []
    for i, status, created, owner, _ in items:
        timeline.append(_event("bottleneck", i, "created", owner, created, new="Knelpunt"))
        timeline.append(
            _event("bottleneck", i, "changed", owner, created + timedelta(hours=2), field="impact")
        )
        if status == "open":
            timeline.append(
                _event("bottleneck", i, "commented", owner, created + timedelta(days=1))
            )
            continue
        for party in rng.sample(parties, 2 if rng.random() < 0.15 else 1):
            submitted = created + timedelta(days=1)
            state = "submitted" if status == "escalated" else rng.choice(ESCALATION_STATUSES)
            open_ = state in ("submitted", "acknowledged", "reopened")
            ack_due = submitted + timedelta(days=7)
            answer_due = submitted + timedelta(days=28)
            escalations.append(
                {
                    "bottleneck_id": i,
                    "party_id": party,
                    "status": state,
                    "request": _text(rng, 2),
                    "submitted_by_id": owner,
                    "submitted_at": submitted,
                    "acknowledge_due_at": ack_due,
                    "answer_due_at": answer_due,
                    "answer_working_days": 20,
                    "due_at": (ack_due if state == "submitted" else answer_due) if open_ else None,
                    "very_late_at": submitted + timedelta(days=14 if state == "submitted" else 56)
                    if open_
                    else None,
                    "acknowledged_at": None if state == "submitted" else submitted + timedelta(3),
                    "answered_at": submitted + timedelta(days=rng.randrange(5, 60))
                    if state in ("answered", "accepted")
                    else None,
                    "version": 1,
                }
            )
        timeline.append(
            _event("bottleneck", i, "escalated", owner, created + timedelta(days=1), new="partij")
        )
    _insert(Escalation, escalations, "escalations")
    _insert(TimelineEvent, timeline, "timeline events")

    admin = users[0]
    public = [i for i, *rest in items if not rest[-1]]
    road_blocks = max(1, bottlenecks // 100)
    _insert(
        RoadBlock,
        [
            {
                "title": f"Systeemknelpunt: {rng.choice(SUBJECTS).lower()}",
                "description": _text(rng),
                "building_block_id": rng.choice(blocks),
                "party_id": rng.choice(parties) if n % 2 else None,
                "status": ("open", "on_agenda", "resolved", "closed")[n % 4],
                "created_by_id": admin,
                "created_at": now - timedelta(days=n % 300),
                "updated_at": now - timedelta(days=n % 300),
                "version": 1,
            }
            for n in range(road_blocks)
        ],
        "road blocks",
    )
    road_block_ids = _ids(RoadBlock)
    grouped = rng.sample(public, 5 * road_blocks)
    _insert(
        RoadBlockMember,
        [
            {"road_block_id": r, "bottleneck_id": grouped[5 * k + j], "added_by_id": admin}
            for k, r in enumerate(road_block_ids)
            for j in range(5)
        ],
        "road block members",
    )
    dsv_by_item = {i: dsvs[n % len(dsvs)] for n, (i, *_) in enumerate(items)}
    cosigns = set()
    for i in rng.sample(public, bottlenecks // 20):
        other = rng.choice(dsvs)
        if other != dsv_by_item[i]:
            cosigns.add(("b", i, other))
    for r in road_block_ids:
        for other in rng.sample(dsvs, 3):
            cosigns.add(("r", r, other))
    _insert(
        Cosignature,
        [
            {
                "bottleneck_id": subject if kind == "b" else None,
                "road_block_id": subject if kind == "r" else None,
                "dsv_id": dsv,
                "context": "Speelt bij ons ook.",
                "created_by_id": rng.choice(people_of[dsv]),
                "created_at": now - timedelta(days=rng.randrange(200)),
            }
            for kind, subject, dsv in sorted(cosigns)
        ],
        "co-signatures",
    )
    road_block_services.refresh_all_counts()  # what the services keep up to date one by one

    events = []
    for n in range(EVENTS):
        starts = now + timedelta(days=n % 730 - 365, hours=9)
        by_network = n % 3 == 0
        events.append(
            {
                "kind": ("national_table", "knowledge_sharing", "action_oriented", "webinar")[
                    n % 4
                ],
                "title": f"Leernetwerk {rng.choice(PLACES)}: {rng.choice(SUBJECTS).lower()}",
                "description": _text(rng),
                "organiser_party_id": None if by_network else rng.choice(parties),
                "organiser_network_id": rng.choice(networks) if by_network else None,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "place": rng.choice(PLACES),
                "capacity": (None, 20, 40, 100)[n % 4],
                "audience": ("open", "open", "network", "invitation")[n % 4],
                "audience_network_id": rng.choice(networks) if n % 4 == 2 else None,
                "status": "closed" if starts < now and n % 5 else "planned",
                "created_by_id": admin,
                "created_at": starts - timedelta(days=30),
                "updated_at": starts - timedelta(days=30),
                "version": 1,
            }
        )
    _insert(Event, events, "events")
    event_ids = _ids(Event)
    registrations, invitees, agenda = [], [], []
    for n, e in enumerate(event_ids):
        capacity = events[n]["capacity"] or 60
        for k, u in enumerate(rng.sample(members, rng.randrange(5, 30))):
            registrations.append(
                {
                    "event_id": e,
                    "user_id": u,
                    "status": "confirmed" if k < capacity else "waiting",
                    "registered_at": events[n]["created_at"] + timedelta(hours=k),
                }
            )
        if events[n]["audience"] == "invitation":
            invitees += [{"event_id": e, "user_id": u} for u in rng.sample(members, 10)]
        for position in range(3):
            agenda.append(
                {
                    "event_id": e,
                    "position": position,
                    "road_block_id": rng.choice(road_block_ids) if position == 0 else None,
                    "bottleneck_id": rng.choice(public) if position else None,
                    "note": "",
                }
            )
    _insert(Registration, registrations, "registrations")
    _insert(event_invitees, invitees, "invitees")
    _insert(AgendaItem, agenda, "agenda items")
    db.session.commit()
    # What autovacuum does to a live database soon after a bulk load: statistics for the
    # planner and the visibility map that lets index-only scans skip the heap.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {
        "DSVs": len(dsvs),
        "networks": len(networks),
        "parties": len(parties),
        "users": len(users),
        "bottlenecks": bottlenecks,
        "escalations": len(escalations),
        "timeline events": len(timeline),
        "road blocks": road_blocks,
        "co-signatures": len(cosigns),
        "events": len(event_ids),
        "registrations": len(registrations),
    }


def _event(subject, subject_id, kind, actor, at, *, field=None, new=None) -> dict:
    return {
        "subject_type": subject,
        "subject_id": subject_id,
        "escalation_id": None,
        "actor_id": actor,
        "kind": kind,
        "field": field,
        "old_value": "medium" if field else None,
        "new_value": "high" if field else new,
        "body": "Graag een reactie van de regio." if kind == "commented" else "",
        "created_at": at,
    }


if __name__ == "__main__":
    import flask_migrate

    from tracker.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[2]})
    with app.app_context():
        flask_migrate.upgrade()
        print(generate(int(sys.argv[1])))
