"""Network congestion (netwerkdrukte): where networks, road blocks and parties overlap.

Three lists, each one grouped query (plus one to load the DSVs' networks). The lists derived
from bottlenecks go through `authz.visible_bottlenecks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import BuildingBlock, Dsv, Network, Party, dsv_networks
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.insights.queries import block_label
from tracker.roadblocks.models import RoadBlock, RoadBlockMember


@dataclass
class RoadBlockSpread:
    road_block_id: int
    title: str
    dsvs: int
    networks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PartyLoad:
    party: str
    escalations: int
    bottlenecks: int
    dsvs: int


@dataclass
class Theme:
    """One building block and the parties that received escalations on it."""

    building_block: str
    parties: list[PartyLoad] = field(default_factory=list)


@dataclass(frozen=True)
class Congestion:
    dsvs: list[Dsv]
    road_blocks: list[RoadBlockSpread]
    themes: list[Theme]


def dsvs_in_several_networks() -> list[Dsv]:
    """DSVs that belong to two or more networks, with those networks loaded; two queries."""
    several = (
        select(dsv_networks.c.dsv_id)
        .group_by(dsv_networks.c.dsv_id)
        .having(func.count(dsv_networks.c.network_id) >= 2)
    )
    return list(
        db.session.scalars(
            select(Dsv)
            .where(Dsv.id.in_(several))
            .options(selectinload(Dsv.networks))
            .order_by(Dsv.name)
        )
    )


def road_blocks_across_networks(user: User) -> list[RoadBlockSpread]:
    """Road blocks whose visible member bottlenecks come from DSVs in two or more networks,
    most networks first; one query."""
    visible = authz.visible_bottlenecks(user)
    spread = (
        select(
            RoadBlockMember.road_block_id,
            func.count(distinct(dsv_networks.c.network_id)).label("networks"),
            func.count(distinct(Bottleneck.dsv_id)).label("dsvs"),
        )
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .join(dsv_networks, dsv_networks.c.dsv_id == Bottleneck.dsv_id)
        .where(visible)
        .group_by(RoadBlockMember.road_block_id)
        .having(func.count(distinct(dsv_networks.c.network_id)) >= 2)
        .subquery()
    )
    query = (
        select(RoadBlock.id, RoadBlock.title, spread.c.dsvs, spread.c.networks, Network.name)
        .join(spread, spread.c.road_block_id == RoadBlock.id)
        .join(RoadBlockMember, RoadBlockMember.road_block_id == RoadBlock.id)
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .join(dsv_networks, dsv_networks.c.dsv_id == Bottleneck.dsv_id)
        .join(Network, Network.id == dsv_networks.c.network_id)
        .where(visible)
        .distinct()
        .order_by(spread.c.networks.desc(), RoadBlock.title, RoadBlock.id, Network.name)
    )
    result: dict[int, RoadBlockSpread] = {}
    for road_block_id, title, dsvs, _count, network in db.session.execute(query):
        result.setdefault(road_block_id, RoadBlockSpread(road_block_id, title, dsvs))
        result[road_block_id].networks.append(network)
    return list(result.values())


def parties_per_theme(user: User) -> list[Theme]:
    """Per building block, the parties that received escalations of visible bottlenecks on it,
    only where two or more parties are addressed; most escalations first. One query."""
    per_party = (
        select(
            Bottleneck.building_block_id.label("block_id"),
            Escalation.party_id.label("party_id"),
            func.count(Escalation.id).label("escalations"),
            func.count(distinct(Escalation.bottleneck_id)).label("bottlenecks"),
            func.count(distinct(Bottleneck.dsv_id)).label("dsvs"),
        )
        .join(Bottleneck, Bottleneck.id == Escalation.bottleneck_id)
        .where(authz.visible_bottlenecks(user))
        .group_by(Bottleneck.building_block_id, Escalation.party_id)
        .subquery()
    )
    ranked = select(
        per_party,
        func.count().over(partition_by=per_party.c.block_id).label("parties"),
    ).subquery()
    query = (
        select(
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            Party.name,
            ranked.c.escalations,
            ranked.c.bottlenecks,
            ranked.c.dsvs,
        )
        .join(BuildingBlock, BuildingBlock.id == ranked.c.block_id)
        .join(Party, Party.id == ranked.c.party_id)
        .where(ranked.c.parties >= 2)
        .order_by(BuildingBlock.number, ranked.c.escalations.desc(), Party.name)
    )
    themes: dict[int, Theme] = {}
    for number, name_nl, name_en, party, escalations, bottlenecks, dsvs in db.session.execute(
        query
    ):
        theme = themes.setdefault(number, Theme(block_label(number, name_nl, name_en)))
        theme.parties.append(PartyLoad(party, escalations, bottlenecks, dsvs))
    return list(themes.values())


def congestion(user: User) -> Congestion:
    """The three congestion lists as `user` may see them; four queries."""
    return Congestion(
        dsvs=dsvs_in_several_networks(),
        road_blocks=road_blocks_across_networks(user),
        themes=parties_per_theme(user),
    )
