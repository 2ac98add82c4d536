"""`flask demo`: a realistic Dutch demo set, built through the same services users call."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tracker.auth.models import User
from tracker.bottlenecks import services as bottlenecks
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import clock_at, utcnow
from tracker.directory.models import BuildingBlock, Domain, Dsv, Network, Party
from tracker.directory.seed import seed_reference_data
from tracker.directory.services import slugify
from tracker.duplicates import services as duplicates
from tracker.escalations import services as escalations
from tracker.escalations.workflow import TRANSITIONS, Side
from tracker.events import demo as demo_events
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks

PASSWORD = "demo-wachtwoord"

# name, region, municipalities, networks, domains, phase
DSVS = [
    (
        "Gezond Leven Parkstad",
        "Zuid-Limburg",
        "Heerlen, Kerkrade, Landgraaf, Brunssum",
        ["jzojp-samenwerkingsverbanden", "lokale-preventieakkoorden"],
        ["care", "social", "financier", "citizens"],
        "operational",
    ),
    (
        "Samen Gezond Twente",
        "Twente",
        "Enschede, Hengelo, Almelo",
        ["regionetwerken-alles-is-gezondheid", "jzojp-samenwerkingsverbanden"],
        ["care", "social", "financier", "citizens", "business"],
        "consolidation",
    ),
    (
        "Zorgzaam Drechtsteden",
        "Zuid-Holland Zuid",
        "Dordrecht, Zwijndrecht, Papendrecht",
        ["regionale-experimenten"],
        ["care", "financier", "citizens"],
        "operational",
    ),
    (
        "Vitaal Vechtdal",
        "Overijssel",
        "Ommen, Hardenberg",
        ["regionale-experimenten", "groz-fieldlabs"],
        ["care", "social", "financier", "citizens", "knowledge"],
        "consolidation",
    ),
    (
        "Gezonde Wijk Rotterdam-Zuid",
        "Rijnmond",
        "Rotterdam",
        ["gezondin-netwerken", "lokale-preventieakkoorden"],
        ["social", "citizens", "financier"],
        "vision",
    ),
    (
        "Krachtige Basiszorg Utrecht",
        "Utrecht",
        "Utrecht, Nieuwegein",
        ["jzojp-samenwerkingsverbanden"],
        ["care", "social", "financier", "citizens"],
        "operational",
    ),
    (
        "Noord-Veluwe Samen",
        "Gelderland",
        "Harderwijk, Ermelo, Nunspeet",
        ["jzojp-samenwerkingsverbanden", "gezondin-netwerken"],
        ["care", "social", "citizens"],
        "founding",
    ),
    (
        "De Gezonde Zaanstreek",
        "Noord-Holland",
        "Zaanstad, Wormerland",
        ["regionetwerken-alles-is-gezondheid", "lokale-preventieakkoorden"],
        ["care", "social", "financier", "citizens", "business"],
        "operational",
    ),
    (
        "Gezond Fryslân Noordoost",
        "Friesland",
        "Dantumadiel, Dokkum, Achtkarspelen",
        ["kavels", "gezondin-netwerken"],
        ["care", "social", "citizens", "knowledge"],
        "vision",
    ),
    (
        "Zeeuwse Zorgcoalitie",
        "Zeeland",
        "Middelburg, Vlissingen, Goes",
        ["regionale-experimenten", "jzojp-samenwerkingsverbanden"],
        ["care", "financier", "citizens"],
        "consolidation",
    ),
    (
        "Nieuw-West Gezond",
        "Amsterdam",
        "Amsterdam",
        ["groz-fieldlabs", "lokale-preventieakkoorden"],
        ["care", "social", "citizens", "business"],
        "operational",
    ),
    (
        "Kempen Verbindt",
        "Noord-Brabant",
        "Bladel, Eersel, Bergeijk, Reusel-De Mierden",
        ["kavels", "jzojp-samenwerkingsverbanden"],
        ["care", "social", "financier", "citizens", "knowledge"],
        "founding",
    ),
]

COORDINATORS = [
    ("Anouk de Vries", "anouk@demo.example", [0, 1]),
    ("Bram Janssen", "bram@demo.example", [2, 3]),
    ("Chantal Bakker", "chantal@demo.example", [4, 5]),
    ("Dirk Visser", "dirk@demo.example", [6, 7]),
    ("Esra Yilmaz", "esra@demo.example", [8, 9]),
    ("Floor Mulder", "floor@demo.example", [10, 11]),
]

LIAISONS = [
    ("Gert Smit", "gert@demo.example", "zonmw"),
    ("Hanna de Boer", "hanna@demo.example", "ministerie-van-vws"),
    ("Ivo Meijer", "ivo@demo.example", "nza"),
    ("Jasmijn de Graaf", "jasmijn@demo.example", "vng"),
    ("Kees van Dijk", "kees@demo.example", "pharos"),
]

TITLES = {
    "monitoring": [
        "Geen passende indicatoren om effect van preventie aan te tonen",
        "Evaluatie vraagt RCT-bewijs voor contextgebonden innovaties",
        "Monitor lage-SES-groepen ontbreekt in regiobeeld",
    ],
    "target_groups": [
        "Kennis ontbreekt om interventies te differentiëren naar doelgroep",
        "Geen gegevens over laaggeletterden in de wijk",
        "Doelgroepenbeleid verschilt per gemeente in de regio",
    ],
    "governance": [
        "Samenwerking heeft geen eigen KvK-nummer voor contracten",
        "Budgetverschuiving tussen domeinen stuit op verantwoordingsregels",
        "Bedrijfsleven haakt af door trage besluitvorming",
    ],
    "funding": [
        "Prijs maal volume belemmert substitutie naar de wijk",
        "Subsidieprocedure te kort en te zwaar voor kleine partners",
        "Populatiebekostiging niet mogelijk binnen huidige Zvw-regels",
    ],
    "citizens": [
        "Geen structurele financiering voor burgerinitiatieven",
        "Inwoners worden pas laat betrokken bij besluiten",
        "Vrijwilligersvergoeding botst met uitkeringsregels",
    ],
    "ict": [
        "Gegevensuitwisseling tussen huisarts en wijkteam niet toegestaan",
        "Regiobeeld vraagt data die zorgverzekeraars niet mogen delen",
        "Geen gedeeld dossier voor zorg en welzijn",
    ],
    "learning": [
        "Knelpunten blijven liggen bij landelijke partijen zonder terugkoppeling",
        "Geen tijd voor reflectie naast de dagelijkse uitvoering",
        "Kennisdelingsbijeenkomsten sluiten niet aan bij de praktijk",
    ],
}

# Each scenario: (age of the escalation in days, steps as (day offset, action, note)).
SCENARIOS = [
    ("open", None, []),
    ("submitted", 2, []),
    ("late", 30, [(3, "acknowledge", "")]),
    ("very_late", 60, []),
    (
        "answered",
        25,
        [
            (2, "acknowledge", ""),
            (15, "respond", "We nemen dit mee in de herziening van de regeling."),
        ],
    ),
    (
        "accepted",
        40,
        [
            (1, "acknowledge", ""),
            (10, "respond", "De beleidsregel is aangepast per 1 januari."),
            (14, "accept", ""),
        ],
    ),
    (
        "reopened",
        35,
        [
            (2, "acknowledge", ""),
            (12, "respond", "Dit valt buiten ons mandaat."),
            (16, "reopen", "Graag concreet aangeven wie dit wel kan oppakken."),
        ],
    ),
    ("closed", 45, [(5, "close", "Dit knelpunt is opgelost door de nieuwe wetgeving.")]),
    ("forwarded", 20, [(3, "forward", "Dit hoort bij de NZa.")]),
    ("withdrawn", 12, [(2, "withdraw", "")]),
]

PARTY_ROTATION = ["zonmw", "ministerie-van-vws", "nza", "vng", "pharos"]


def _user(name: str, email: str, *, is_admin: bool = False) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            name=name,
            email=email,
            is_admin=is_admin,
            password_hash=generate_password_hash(PASSWORD, method="scrypt"),
        )
        db.session.add(user)
    return user


def _by_slug(model, slugs):
    return list(db.session.scalars(select(model).where(model.slug.in_(slugs))))


def load_demo() -> list[tuple[str, str]]:
    """Create the demo DSVs, people and bottlenecks with a realistic history; idempotent."""
    seed_reference_data()
    if db.session.scalar(select(Dsv).where(Dsv.slug == slugify(DSVS[0][0]))) is not None:
        demo_events.load()
        return _logins()
    domains = {d.code: d for d in db.session.scalars(select(Domain))}
    dsvs = []
    for name, region, municipalities, networks, domain_codes, phase in DSVS:
        dsv = Dsv(
            name=name,
            slug=slugify(name),
            region=region,
            municipalities=municipalities,
            phase=phase,
            networks=_by_slug(Network, networks),
            domains=[domains[c] for c in domain_codes],
        )
        db.session.add(dsv)
        dsvs.append(dsv)
    _user("Programmabureau Lerend Netwerk", "admin@demo.example", is_admin=True)
    coordinators = []
    for name, email, dsv_indexes in COORDINATORS:
        user = _user(name, email)
        user.dsvs = [dsvs[i] for i in dsv_indexes]
        coordinators.append(user)
    parties = {p.slug: p for p in db.session.scalars(select(Party))}
    liaisons = {}
    for name, email, slug in LIAISONS:
        user = _user(name, email)
        user.parties = [parties[slug]]
        liaisons[slug] = user
    db.session.commit()
    _bottlenecks(dsvs, parties, liaisons)
    _learning_network(parties, liaisons, coordinators)
    demo_events.load()
    return _logins()


def _bottlenecks(dsvs, parties, liaisons) -> None:
    blocks = list(db.session.scalars(select(BuildingBlock).order_by(BuildingBlock.number)))
    now = utcnow()
    n = 0
    for block in blocks:
        for i, (scenario, age, steps) in enumerate(SCENARIOS):
            dsv = dsvs[(block.number * 3 + i) % len(dsvs)]
            author = dsv.members[0]
            title = TITLES[block.code][i % 3]
            start = now - timedelta(days=(age or 5) + 3, hours=n % 7)
            with clock_at(start):
                bottleneck = bottlenecks.create_bottleneck(
                    author,
                    dsv_id=dsv.id,
                    title=title,
                    description=f"{title}. In {dsv.region} merken we dit al langer; "
                    "de partners in de samenwerking kunnen dit niet zelf oplossen.",
                    building_block_id=block.id,
                    owner_id=author.id,
                    impact=["low", "medium", "high", "critical"][n % 4],
                    domain_ids=[d.id for d in dsv.domains[:2]],
                    is_confidential=(n % 9 == 4),
                )
            n += 1
            if age is None:
                continue
            slug = PARTY_ROTATION[n % len(PARTY_ROTATION)]
            if scenario == "forwarded" and slug == "nza":
                slug = "zonmw"
            submitted = now - timedelta(days=age)
            with clock_at(submitted):
                (escalation,) = escalations.escalate(
                    author,
                    bottleneck.id,
                    [parties[slug].id],
                    "Kunnen jullie dit agenderen en aangeven welke ruimte er is?",
                )
            for offset, action, note in steps:
                dsv_side = TRANSITIONS[action].side is Side.DSV
                actor = author if dsv_side else liaisons[slug]
                with clock_at(submitted + timedelta(days=offset)):
                    escalations.apply_action(
                        actor,
                        escalation.id,
                        action,
                        version=None,
                        note=note,
                        forward_to_party_id=parties["nza"].id if action == "forward" else None,
                    )


def _learning_network(parties, liaisons, coordinators) -> None:
    """Road blocks from what several DSVs raised, co-signatures, and one merged duplicate."""
    public = db.session.scalars(
        select(Bottleneck).where(Bottleneck.is_confidential.is_(False)).order_by(Bottleneck.id)
    ).all()
    by_title: dict[str, list[Bottleneck]] = defaultdict(list)
    for bottleneck in public:
        by_title[bottleneck.title].append(bottleneck)
    shared = [group for group in by_title.values() if len({b.dsv_id for b in group}) > 1]
    duplicate, target = shared[0][-1], shared[0][0]
    duplicates.merge(liaisons["zonmw"], duplicate.id, target.id)
    owners = ("zonmw", "ministerie-van-vws", "vng", "nza")
    for group, slug in zip(shared[1:5], owners, strict=False):
        road_block = road_blocks.create(
            liaisons[slug],
            title=group[0].title,
            description="Meerdere DSV's lopen hier tegenaan; dit vraagt een landelijke oplossing.",
            building_block_id=group[0].building_block_id,
            party_id=parties[slug].id,
            bottleneck_ids=[b.id for b in group],
        )
    outsider = next(c for c in coordinators if group[0].dsv_id not in c.dsv_ids)
    duplicates.cosign_road_block(
        outsider, road_block.id, outsider.dsvs[0].id, "Ook bij ons; we sluiten graag aan."
    )
    for bottleneck in public[3::9]:
        if bottleneck.merged_into_id is None:
            cosigner = next(c for c in coordinators if bottleneck.dsv_id not in c.dsv_ids)
            dsv = cosigner.dsvs[-1]
            duplicates.cosign_bottleneck(
                cosigner, bottleneck.id, dsv.id, f"In {dsv.region} speelt dit net zo."
            )


def _logins() -> list[tuple[str, str]]:
    users = db.session.scalars(
        select(User).where(User.email.like("%@demo.example")).order_by(User.id)
    )
    rows = []
    for user in users:
        role = (
            "admin"
            if user.is_admin
            else ", ".join([d.name for d in user.dsvs] + [p.name for p in user.parties])
        )
        rows.append((user.email, role))
    return rows


def register(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Load a realistic Dutch demo set and print the demo logins."""
        logins = load_demo()
        click.echo(f"Demo logins (password for all: {PASSWORD}):")
        for email, role in logins:
            click.echo(f"  {email:<24} {role}")
