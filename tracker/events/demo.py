"""Demo events for `flask demo`, built through the event services (idempotent)."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import AMSTERDAM, clock_at, utcnow
from tracker.directory.models import BuildingBlock, Network, Party
from tracker.events import closeout, registrations, services
from tracker.events.models import Event
from tracker.events.services import EventInput
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock, RoadBlockMember

TABLE = "Landelijke tafel bekostiging: van prijs maal volume naar populatie"


def _road_block(admin: User) -> RoadBlock | None:
    existing = db.session.scalar(select(RoadBlock).order_by(RoadBlock.id))
    if existing is not None:
        return existing
    funding = db.session.scalar(select(BuildingBlock).where(BuildingBlock.code == "funding"))
    free = db.session.scalars(
        select(Bottleneck)
        .where(
            Bottleneck.building_block_id == funding.id,
            Bottleneck.is_confidential.is_(False),
            Bottleneck.id.not_in(select(RoadBlockMember.bottleneck_id)),
        )
        .limit(3)
    ).all()
    if not free:
        return None
    return road_blocks.create(
        admin,
        title="Bekostiging beloont volume in plaats van gezondheid",
        description="Meerdere DSV's lopen vast op financiering per verrichting.",
        building_block_id=funding.id,
        party_id=None,
        bottleneck_ids=[b.id for b in free],
    )


def _day(days: int):
    return (utcnow().astimezone(AMSTERDAM) + timedelta(days=days)).date()


def load() -> None:
    """A national table with an agenda, a full webinar with a waiting list, a closed meeting."""
    if db.session.scalar(select(Event).where(Event.title == TABLE)) is not None:
        return
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    people = list(
        db.session.scalars(select(User).where(User.email.like("%@demo.example")).order_by(User.id))
    )
    coordinators = [u for u in people if u.dsvs]
    zonmw = db.session.scalar(select(Party).where(Party.slug == "zonmw"))
    network = db.session.scalar(
        select(Network).where(Network.coordinating_party_id.is_not(None)).order_by(Network.id)
    )
    if admin is None or zonmw is None or network is None or len(coordinators) < 3:
        return
    road_block = _road_block(admin)

    table = services.create(
        admin,
        EventInput(
            kind="national_table",
            title=TABLE,
            description="Bespreking van het systeemknelpunt met VWS, ZonMw, NZa en VNG.",
            day=_day(21),
            start=time(13, 30),
            end=time(16, 30),
            organiser_party_id=zonmw.id,
            place="Den Haag, ministerie van VWS",
            capacity=30,
        ),
    )
    if road_block is not None:
        services.add_agenda_item(admin, table.id, road_block_id=road_block.id, note="Inleiding")
    for person in coordinators[:2]:
        registrations.register(person, table.id)

    webinar = services.create(
        admin,
        EventInput(
            kind="webinar",
            title="Webinar: een regiobeeld maken met open data",
            day=_day(9),
            start=time(10),
            end=time(11),
            organiser_network_id=network.id,
            online_url="https://webinar.example/regiobeeld",
            capacity=2,
        ),
    )
    for person in coordinators[:4]:
        registrations.register(person, webinar.id)  # two seats, the rest on the waiting list

    held_day, done_day, open_day = _day(-21), _day(-10), _day(5)
    with clock_at(utcnow() - timedelta(days=30)):
        held = services.create(
            admin,
            EventInput(
                kind="action_oriented",
                title="Actiegerichte bijeenkomst: burgers als gelijkwaardige partner",
                day=held_day,
                start=time(9, 30),
                end=time(12),
                organiser_party_id=zonmw.id,
                place="Utrecht, Jaarbeurs",
            ),
        )
        if road_block is not None:
            services.add_agenda_item(admin, held.id, road_block_id=road_block.id)
        for person in coordinators[:3]:
            registrations.register(person, held.id)
    with clock_at(utcnow() - timedelta(days=20)):
        closeout.close(
            admin,
            held.id,
            attended_ids=[p.id for p in coordinators[:2]],
            report="Drie DSV's deelden hun aanpak; afgesproken is een gezamenlijke notitie.",
            version=None,
        )
        done = closeout.add_action(
            admin,
            held.id,
            title="Voorbeelden van burgerinitiatieven verzamelen",
            owner=f"user:{coordinators[0].id}",
            due=done_day,
        )
        closeout.add_action(
            admin,
            held.id,
            title="Notitie structurele financiering burgerinitiatieven",
            owner=f"party:{zonmw.id}",
            due=open_day,
            road_block_id=road_block.id if road_block is not None else None,
        )
    with clock_at(utcnow() - timedelta(days=12)):
        closeout.complete_action(coordinators[0], done.id)
