"""Choice lists and lookups for forms and filters."""

from __future__ import annotations

from sqlalchemy import select

from tracker.directory.models import BuildingBlock, Domain, Dsv, Network, Party
from tracker.extensions import db


def building_blocks() -> list[BuildingBlock]:
    return list(db.session.scalars(select(BuildingBlock).order_by(BuildingBlock.number)))


def domains() -> list[Domain]:
    return list(db.session.scalars(select(Domain).order_by(Domain.id)))


def parties() -> list[Party]:
    return list(db.session.scalars(select(Party).order_by(Party.name)))


def networks() -> list[Network]:
    return list(db.session.scalars(select(Network).order_by(Network.name)))


def dsvs() -> list[Dsv]:
    return list(db.session.scalars(select(Dsv).order_by(Dsv.name)))


def choices(rows, label=str) -> list[tuple[int, str]]:
    return [(row.id, label(row)) for row in rows]


def block_choices() -> list[tuple[int, str]]:
    return [(b.id, f"{b.number}. {b.name}") for b in building_blocks()]


def domain_choices() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in domains()]
