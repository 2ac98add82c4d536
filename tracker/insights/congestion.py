"""Network congestion (netwerkdrukte): where networks, road blocks and parties overlap.

Three lists from three statements: the DSVs' networks (the registry, public), the road-block
members and the escalations, both of bottlenecks visible in the viewer's scope
(`authz.BottleneckScope`). The lists are plain values, so they can be cached per scope.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from tracker.authz import BottleneckScope
from tracker.bottlenecks.models import Bottleneck
from tracker.directory.models import BuildingBlock, Dsv, Network, Party, dsv_networks
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.insights.queries import block_label
from tracker.roadblocks.models import RoadBlock, RoadBlockMember


@dataclass(frozen=True)
class DsvNetworks:
    name: str
    region: str
    networks: list[str]


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
    dsvs: list[DsvNetworks]
    road_blocks: list[RoadBlockSpread]
    themes: list[Theme]


def _networks_per_dsv() -> tuple[dict[int, list[str]], list[DsvNetworks]]:
    """Every DSV's networks (by name), and the DSVs in two or more, by name; one query."""
    rows = db.session.execute(
        select(Dsv.id, Dsv.name, Dsv.region, Network.name)
        .join(dsv_networks, dsv_networks.c.dsv_id == Dsv.id)
        .join(Network, Network.id == dsv_networks.c.network_id)
        .order_by(Dsv.name, Dsv.id, Network.name)
    )
    networks: dict[int, list[str]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    for dsv_id, name, region, network in rows:
        networks[dsv_id].append(network)
        names[dsv_id] = (name, region)
    several = [
        DsvNetworks(*names[dsv_id], networks[dsv_id])
        for dsv_id in names
        if len(networks[dsv_id]) >= 2
    ]
    return networks, several


def road_blocks_across_networks(
    scope: BottleneckScope, networks: dict[int, list[str]]
) -> list[RoadBlockSpread]:
    """Road blocks whose member bottlenecks visible in `scope` come from DSVs in two or more
    networks (`networks`: each DSV's), most networks first; one query. DSVs are counted when
    they are in a network."""
    rows = db.session.execute(
        select(RoadBlock.id, RoadBlock.title, Bottleneck.dsv_id)
        .join(RoadBlockMember, RoadBlockMember.road_block_id == RoadBlock.id)
        .join(Bottleneck, Bottleneck.id == RoadBlockMember.bottleneck_id)
        .where(scope.clause())
        .distinct()
    )
    titles: dict[int, str] = {}
    dsvs: dict[int, set[int]] = defaultdict(set)
    for road_block_id, title, dsv_id in rows:
        titles[road_block_id] = title
        if networks.get(dsv_id):
            dsvs[road_block_id].add(dsv_id)
    spreads = []
    for road_block_id, members in dsvs.items():
        spanned = sorted({network for dsv_id in members for network in networks[dsv_id]})
        if len(spanned) >= 2:
            spreads.append(
                RoadBlockSpread(road_block_id, titles[road_block_id], len(members), spanned)
            )
    return sorted(spreads, key=lambda s: (-len(s.networks), s.title, s.road_block_id))


def parties_per_theme(scope: BottleneckScope) -> list[Theme]:
    """Per building block, the parties that received escalations of bottlenecks visible in
    `scope`, only where two or more parties are addressed; most escalations first. One query."""
    # A bottleneck has at most one escalation per party (a unique constraint), so per block and
    # party the escalations and the escalated bottlenecks are the same count.
    per_party = (
        select(
            Bottleneck.building_block_id.label("block_id"),
            Escalation.party_id.label("party_id"),
            func.count().label("escalations"),
            func.count(distinct(Bottleneck.dsv_id)).label("dsvs"),
        )
        .join(Bottleneck, Bottleneck.id == Escalation.bottleneck_id)
        .where(scope.clause())
        .group_by(Bottleneck.building_block_id, Escalation.party_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            BuildingBlock.number,
            BuildingBlock.name_nl,
            BuildingBlock.name_en,
            Party.name,
            per_party.c.escalations,
            per_party.c.dsvs,
        )
        .join(BuildingBlock, BuildingBlock.id == per_party.c.block_id)
        .join(Party, Party.id == per_party.c.party_id)
    )
    themes: dict[int, Theme] = {}
    for number, name_nl, name_en, party, escalations, dsvs in rows:
        theme = themes.setdefault(number, Theme(block_label(number, name_nl, name_en)))
        theme.parties.append(PartyLoad(party, escalations, escalations, dsvs))
    result = []
    for number in sorted(themes):
        theme = themes[number]
        if len(theme.parties) >= 2:
            theme.parties.sort(key=lambda p: (-p.escalations, p.party))
            result.append(theme)
    return result


def congestion(scope: BottleneckScope) -> Congestion:
    """The three congestion lists as a viewer with `scope` may see them; three queries."""
    networks, several = _networks_per_dsv()
    return Congestion(
        dsvs=several,
        road_blocks=road_blocks_across_networks(scope, networks),
        themes=parties_per_theme(scope),
    )
