"""The updates feed (Open311 "service request updates"), road blocks and events (read)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import authz
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.events import services as events
from tracker.events.models import Event
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock, RoadBlockMember
from tracker.timeline.models import TimelineEvent

from . import http, schemas
from .bottlenecks import event_out
from .registry import operation


@operation(
    "GET",
    "/updates",
    summary="Timeline events on bottlenecks visible to you since a moment, oldest first",
    tag="Updates",
    query=schemas.UpdatesQuery,
    response=schemas.TimelinePage,
    errors=(400,),
)
def updates(actor: User, query: schemas.UpdatesQuery) -> dict:
    # A join with the per-row visibility check: the planner walks the feed index in order and
    # stops at the page size, instead of first listing every bottleneck the actor may see.
    statement = (
        select(TimelineEvent)
        .join(Bottleneck, Bottleneck.id == TimelineEvent.subject_id)
        .where(
            TimelineEvent.subject_type == "bottleneck",
            authz.visible_bottlenecks(actor, correlated=True),
            TimelineEvent.created_at > query.since,
        )
    )
    rows, cursor = http.page(
        statement, TimelineEvent.id, query.limit, query.cursor, TimelineEvent.created_at
    )
    return {"items": [event_out(row) for row in rows], "next_cursor": cursor}


def road_block_out(actor: User, road_block: RoadBlock) -> dict:
    return {
        "id": road_block.id,
        "title": road_block.title,
        "description": road_block.description,
        "building_block_id": road_block.building_block_id,
        "party_id": road_block.party_id,
        "status": road_block.status,
        "bottleneck_ids": [
            m.bottleneck_id
            for m in road_block.members
            if authz.can(actor, "bottleneck.view", m.bottleneck)
        ],
        "created_at": road_block.created_at,
        "updated_at": road_block.updated_at,
    }


@operation(
    "GET",
    "/road-blocks",
    summary="Road blocks: system problems reported by several DSVs",
    tag="Road blocks",
    query=schemas.Query,
    response=schemas.RoadBlockPage,
    errors=(400,),
)
def list_road_blocks(actor: User, query: schemas.Query) -> dict:
    statement = select(RoadBlock).options(
        selectinload(RoadBlock.members).selectinload(RoadBlockMember.bottleneck)
    )
    rows, cursor = http.page(statement, RoadBlock.id, query.limit, query.cursor)
    return {"items": [road_block_out(actor, row) for row in rows], "next_cursor": cursor}


@operation(
    "GET",
    "/road-blocks/{road_block_id}",
    summary="One road block",
    tag="Road blocks",
    response=schemas.RoadBlockOut,
)
def get_road_block(actor: User, road_block_id: int) -> dict:
    road_block = road_blocks.get(road_block_id)
    authz.require(actor, "roadblock.view", road_block)
    return road_block_out(actor, road_block)


@operation(
    "GET",
    "/events",
    summary="Learning-network events visible to you",
    tag="Events",
    query=schemas.Query,
    response=schemas.EventPage,
    errors=(400,),
)
def list_events(actor: User, query: schemas.Query) -> dict:
    statement = select(Event).where(authz.visible_events(actor))
    rows, cursor = http.page(statement, Event.id, query.limit, query.cursor)
    return {"items": rows, "next_cursor": cursor}


@operation(
    "GET", "/events/{event_id}", summary="One event", tag="Events", response=schemas.EventOut
)
def get_event(actor: User, event_id: int) -> Event:
    return events.visible(actor, event_id)
