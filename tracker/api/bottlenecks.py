"""Bottleneck resources: the list with the UI's filters, read, create, update, and the timeline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.bottlenecks import queries
from tracker.bottlenecks import services as bottlenecks
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import utcnow
from tracker.escalations import services as escalations
from tracker.escalations.models import Escalation
from tracker.timeline.labels import describe
from tracker.timeline.models import TimelineEvent

from . import http, schemas
from .escalations import escalation_outs, escalation_page
from .registry import operation

TAG = "Bottlenecks"
BOTTLENECK_FIELDS = [
    "id",
    "dsv_id",
    "title",
    "description",
    "building_block_id",
    "owner_id",
    "impact",
    "is_confidential",
    "status",
    "merged_into_id",
    "created_at",
    "updated_at",
    "version",
]
EVENT_FIELDS = [
    "id",
    "subject_type",
    "subject_id",
    "escalation_id",
    "kind",
    "field",
    "old_value",
    "new_value",
    "body",
    "actor_id",
    "created_at",
]


def bottleneck_out(item: Bottleneck) -> dict:
    return {
        **{key: getattr(item, key) for key in BOTTLENECK_FIELDS},
        "domain_ids": [d.id for d in item.domains],
        "escalation_ids": [e.id for e in item.escalations],
    }


def event_out(event: TimelineEvent) -> dict:
    return {
        **{key: getattr(event, key) for key in EVENT_FIELDS},
        "text": describe(event),
    }


@operation(
    "GET",
    "/bottlenecks",
    summary="Bottlenecks visible to you, with the same filters as the list page",
    tag=TAG,
    query=schemas.BottleneckQuery,
    response=schemas.BottleneckPage,
    errors=(400,),
)
def list_bottlenecks(actor: User, query: schemas.BottleneckQuery) -> dict:
    filters = queries.Filters(
        block=query.block,
        network=query.network,
        party=query.party,
        dsv=query.dsv,
        status=query.status,
        late=query.late,
        dsv_ids=tuple(sorted(actor.dsv_ids)) if query.mine else (),
    )
    statement = queries.bottleneck_list(actor, filters, utcnow()).options(
        selectinload(Bottleneck.domains)
    )
    rows, cursor = http.page(statement, Bottleneck.id, query.limit, query.cursor)
    return {"items": [bottleneck_out(row) for row in rows], "next_cursor": cursor}


@operation(
    "GET",
    "/bottlenecks/{bottleneck_id}",
    summary="One bottleneck",
    tag=TAG,
    response=schemas.BottleneckOut,
)
def get_bottleneck(actor: User, bottleneck_id: int) -> dict:
    return bottleneck_out(bottlenecks.get_visible(actor, bottleneck_id))


@operation(
    "POST",
    "/bottlenecks",
    summary="Log a bottleneck for one of your DSVs",
    tag=TAG,
    body=schemas.BottleneckCreate,
    response=schemas.BottleneckOut,
    errors=(404, 409),
    status=201,
)
def create_bottleneck(actor: User, body: schemas.BottleneckCreate) -> dict:
    created = bottlenecks.create_bottleneck(
        actor,
        dsv_id=body.dsv_id,
        title=body.title,
        description=body.description,
        building_block_id=body.building_block_id,
        owner_id=body.owner_id or actor.id,
        impact=body.impact,
        domain_ids=body.domain_ids,
        is_confidential=body.is_confidential,
    )
    return bottleneck_out(created)


@operation(
    "PATCH",
    "/bottlenecks/{bottleneck_id}",
    summary="Change a bottleneck of your DSV (send the version you read)",
    tag=TAG,
    body=schemas.BottleneckUpdate,
    response=schemas.BottleneckOut,
    errors=(409,),
)
def update_bottleneck(actor: User, bottleneck_id: int, body: schemas.BottleneckUpdate) -> dict:
    item = bottlenecks.get_visible(actor, bottleneck_id)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    current = {
        "title": item.title,
        "description": item.description,
        "building_block_id": item.building_block_id,
        "owner_id": item.owner_id,
        "impact": item.impact,
        "domain_ids": [d.id for d in item.domains],
        "is_confidential": item.is_confidential,
    }
    values = {**current, **{k: v for k, v in changes.items() if v is not None}}
    updated = bottlenecks.update_bottleneck(actor, item.id, version=body.version, **values)
    return bottleneck_out(updated)


@operation(
    "GET",
    "/bottlenecks/{bottleneck_id}/escalations",
    summary="The escalations of one bottleneck",
    tag=TAG,
    query=schemas.Query,
    response=schemas.EscalationPage,
    errors=(400,),
)
def bottleneck_escalations(actor: User, bottleneck_id: int, query: schemas.Query) -> dict:
    item = bottlenecks.get_visible(actor, bottleneck_id)
    statement = select(Escalation).where(Escalation.bottleneck_id == item.id)
    return escalation_page(actor, statement, query)


@operation(
    "POST",
    "/bottlenecks/{bottleneck_id}/escalations",
    summary="Escalate a bottleneck of your DSV to national parties",
    tag=TAG,
    body=schemas.EscalateIn,
    response=schemas.EscalationPage,
    errors=(409,),
    status=201,
)
def escalate(actor: User, bottleneck_id: int, body: schemas.EscalateIn) -> dict:
    created = escalations.escalate(actor, bottleneck_id, body.party_ids, body.request)
    return {"items": escalation_outs(actor, created), "next_cursor": None}


@operation(
    "GET",
    "/bottlenecks/{bottleneck_id}/timeline",
    summary="What happened to one bottleneck, oldest first",
    tag=TAG,
    query=schemas.Query,
    response=schemas.TimelinePage,
    errors=(400,),
)
def timeline(actor: User, bottleneck_id: int, query: schemas.Query) -> dict:
    item = bottlenecks.get_visible(actor, bottleneck_id)
    statement = select(TimelineEvent).where(
        TimelineEvent.subject_type == "bottleneck", TimelineEvent.subject_id == item.id
    )
    rows, cursor = http.page(statement, TimelineEvent.id, query.limit, query.cursor)
    return {"items": [event_out(row) for row in rows], "next_cursor": cursor}
