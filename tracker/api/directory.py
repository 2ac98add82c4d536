"""Registry resources (read-only): building blocks, parties, networks, DSVs, the token's user."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.core.errors import NotVisible
from tracker.directory.models import BuildingBlock, Dsv, Network, Party
from tracker.extensions import db

from . import http, schemas
from .registry import operation

TAG = "Registry"


def _get(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        raise NotVisible()
    return row


def dsv_out(dsv: Dsv) -> dict:
    return {
        "id": dsv.id,
        "name": dsv.name,
        "slug": dsv.slug,
        "region": dsv.region,
        "phase": dsv.phase,
        "network_ids": [n.id for n in dsv.networks],
    }


def _listing(model, query: schemas.Query, convert=None) -> dict:
    statement = select(model)
    if model is Dsv:
        statement = statement.options(selectinload(Dsv.networks))
    rows, cursor = http.page(statement, model.id, query.limit, query.cursor)
    convert = convert or (lambda row: row)
    return {"items": [convert(row) for row in rows], "next_cursor": cursor}


@operation("GET", "/me", summary="The token's user and roles", tag=TAG, response=schemas.MeOut)
def me(actor: User) -> dict:
    return {
        "id": actor.id,
        "name": actor.name,
        "language": actor.language,
        "party_ids": sorted(actor.party_ids),
        "dsv_ids": sorted(actor.dsv_ids),
        "scope": http.token_scope(),
    }


@operation(
    "GET",
    "/building-blocks",
    summary="The seven building blocks",
    tag=TAG,
    query=schemas.Query,
    response=schemas.BuildingBlockPage,
    errors=(400,),
)
def building_blocks(actor: User, query: schemas.Query) -> dict:
    return _listing(BuildingBlock, query)


@operation(
    "GET",
    "/parties",
    summary="National parties",
    tag=TAG,
    query=schemas.Query,
    response=schemas.PartyPage,
    errors=(400,),
)
def parties(actor: User, query: schemas.Query) -> dict:
    return _listing(Party, query)


@operation(
    "GET", "/parties/{party_id}", summary="One national party", tag=TAG, response=schemas.PartyOut
)
def party(actor: User, party_id: int) -> Party:
    return _get(Party, party_id)


@operation(
    "GET",
    "/networks",
    summary="Networks of DSVs",
    tag=TAG,
    query=schemas.Query,
    response=schemas.NetworkPage,
    errors=(400,),
)
def networks(actor: User, query: schemas.Query) -> dict:
    return _listing(Network, query)


@operation(
    "GET", "/networks/{network_id}", summary="One network", tag=TAG, response=schemas.NetworkOut
)
def network(actor: User, network_id: int) -> Network:
    return _get(Network, network_id)


@operation(
    "GET",
    "/dsvs",
    summary="Cross-domain collaborations (DSVs)",
    tag=TAG,
    query=schemas.Query,
    response=schemas.DsvPage,
    errors=(400,),
)
def dsvs(actor: User, query: schemas.Query) -> dict:
    return _listing(Dsv, query, dsv_out)


@operation("GET", "/dsvs/{dsv_id}", summary="One DSV", tag=TAG, response=schemas.DsvOut)
def dsv(actor: User, dsv_id: int) -> dict:
    return dsv_out(_get(Dsv, dsv_id))
