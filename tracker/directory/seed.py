"""Reference data from the 2022 exploration report: building blocks, domains, parties, networks."""

from __future__ import annotations

from sqlalchemy import select

from tracker.directory.models import BuildingBlock, Domain, Network, Party
from tracker.directory.services import slugify
from tracker.extensions import db

BUILDING_BLOCKS = [
    (1, "monitoring", "Monitoring en evaluatie", "Monitoring and evaluation"),
    (2, "target_groups", "Differentiëren op doelgroepen", "Differentiating by target group"),
    (3, "governance", "Organisatie- en governancevraagstukken", "Organisation and governance"),
    (4, "funding", "Bekostiging en financiering", "Funding and financing"),
    (5, "citizens", "Samenwerking met burgers/patiënten", "Collaboration with citizens/patients"),
    (6, "ict", "ICT en gegevensuitwisseling", "ICT and data exchange"),
    (7, "learning", "Veranderkracht en lerend vermogen", "Change capacity and learning ability"),
]

DOMAINS = [
    ("care", "Zorg (cure en care)", "Care providers", True),
    ("social", "Sociaal domein en welzijn", "Social and welfare", True),
    ("financier", "Financier", "Funder", True),
    ("citizens", "Burgers en patiënten", "Citizens and patients", True),
    ("business", "Bedrijfsleven", "Business", False),
    ("knowledge", "Kennis en onderwijs", "Knowledge and education", False),
]

PARTIES = [
    "Alles is Gezondheid",
    "Pharos",
    "HealthKIC",
    "Health~Holland",
    "RIVM",
    "Nederland Zorgt Voor Elkaar",
    "NZa",
    "ZonMw",
    "VNG",
    "Platform31",
    "Ministerie van VWS",
]

# (network, coordinating party, description); GezondIn is run by Pharos with Platform31.
NETWORKS = [
    ("GROZ-fieldlabs", "Health~Holland", "4 GROZzerdammen en 6 in oprichting"),
    ("JZOJP-samenwerkingsverbanden", "ZonMw", "Juiste zorg op de juiste plek"),
    ("Regionetwerken Alles is Gezondheid", "Alles is Gezondheid", ""),
    ("Kavels", "HealthKIC", "2 kavels en 1 in oprichting"),
    ("Regionale experimenten", "NZa", ""),
    ("GezondIn-netwerken", "Pharos", "Met Platform31; bovengemeentelijk en wijkniveau"),
    ("Lokale preventieakkoorden", "VNG", ""),
]


def _upsert(model, key: dict, values: dict):
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
    else:
        for field, value in values.items():
            setattr(row, field, value)
    return row


def seed_reference_data() -> None:
    """Load the report's reference data; running it again changes nothing."""
    for number, code, name_nl, name_en in BUILDING_BLOCKS:
        _upsert(
            BuildingBlock,
            {"code": code},
            {"number": number, "name_nl": name_nl, "name_en": name_en},
        )
    for code, name_nl, name_en, is_core in DOMAINS:
        _upsert(
            Domain, {"code": code}, {"name_nl": name_nl, "name_en": name_en, "is_core": is_core}
        )
    parties = {}
    for name in PARTIES:
        slug = slugify(name)
        party = db.session.scalar(select(Party).where(Party.slug == slug))
        if party is None:
            party = Party(
                name=name,
                slug=slug,
                table_contact_email=f"tafel@{slug}.example",
                answer_working_days=20,
            )
            db.session.add(party)
        parties[name] = party
    db.session.flush()
    for name, party_name, description in NETWORKS:
        slug = slugify(name)
        if db.session.scalar(select(Network).where(Network.slug == slug)) is None:
            db.session.add(
                Network(
                    name=name,
                    slug=slug,
                    description=description,
                    coordinating_party=parties[party_name],
                )
            )
    db.session.commit()
