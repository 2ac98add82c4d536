"""Small builders: tests state only what matters to them."""

from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from tracker.auth.models import User
from tracker.bottlenecks import services as bottleneck_services
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import BuildingBlock, Dsv, Network, Party
from tracker.escalations import services as escalation_services
from tracker.escalations.models import Escalation
from tracker.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
# Scrypt is slow on purpose; tests share one hash, with cheap parameters for test people only
# (the app hashes with the strong defaults): a sign-in costs 5 ms instead of 160 ms, and the
# suite signs in well over a thousand times.
_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def party(name: str | None = None, *, answer_working_days: int = 20) -> Party:
    n = next(_seq)
    row = Party(
        name=name or f"Test party {n}",
        slug=f"test-party-{n}",
        table_contact_email=f"table{n}@party.example",
        answer_working_days=answer_working_days,
    )
    db.session.add(row)
    db.session.flush()
    return row


def network(coordinator: Party | None = None) -> Network:
    n = next(_seq)
    row = Network(
        name=f"Test network {n}", slug=f"test-network-{n}", coordinating_party=coordinator
    )
    db.session.add(row)
    db.session.flush()
    return row


def dsv(name: str | None = None, networks: list[Network] | None = None) -> Dsv:
    n = next(_seq)
    row = Dsv(
        name=name or f"Test DSV {n}",
        slug=f"test-dsv-{n}",
        region="Testregio",
        networks=networks or [],
    )
    db.session.add(row)
    db.session.flush()
    return row


def user(
    *,
    dsvs: list[Dsv] = (),
    parties: list[Party] = (),
    admin: bool = False,
    language: str = "nl",
    name: str | None = None,
) -> User:
    n = next(_seq)
    row = User(
        name=name or f"Person {n}",
        email=f"person{n}@test.example",
        password_hash=_HASH,
        is_admin=admin,
        language=language,
        dsvs=list(dsvs),
        parties=list(parties),
    )
    db.session.add(row)
    db.session.flush()
    return row


def block(code: str = "funding") -> BuildingBlock:
    return db.session.query(BuildingBlock).filter_by(code=code).one()


def bottleneck(
    author: User,
    owning_dsv: Dsv | None = None,
    *,
    confidential: bool = False,
    title: str = "Prijs maal volume belemmert substitutie",
    description: str = "Beschrijving van het knelpunt.",
) -> Bottleneck:
    owning_dsv = owning_dsv or author.dsvs[0]
    return bottleneck_services.create_bottleneck(
        author,
        dsv_id=owning_dsv.id,
        title=title,
        description=description,
        building_block_id=block().id,
        owner_id=author.id,
        is_confidential=confidential,
    )


def escalation(author: User, item: Bottleneck, to: Party) -> Escalation:
    (created,) = escalation_services.escalate(author, item.id, [to.id], "Graag reactie.")
    return created


class World:
    """Two DSVs, two parties and one person per role: "ours" and a foreign counterpart."""

    def __init__(self) -> None:
        self.party = party("Partij Eigen")
        self.other_party = party("Partij Ander")
        self.dsv = dsv("DSV Eigen")
        self.other_dsv = dsv("DSV Ander")
        self.coordinator = user(dsvs=[self.dsv], name="Coördinator Eigen")
        self.other_coordinator = user(dsvs=[self.other_dsv], name="Coördinator Ander")
        self.liaison = user(parties=[self.party], name="Liaison Eigen")
        self.other_liaison = user(parties=[self.other_party], name="Liaison Ander")
        self.admin = user(admin=True, name="Programmabureau")
        self.member = user(name="Lid zonder rol")
        db.session.commit()
