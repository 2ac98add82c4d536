"""Escalation resources, Open311 style: the party inbox, one escalation, and workflow actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select

from tracker import authz
from tracker.auth.models import User
from tracker.escalations import queries
from tracker.escalations import services as escalations
from tracker.escalations.models import Escalation
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent

from . import http, schemas
from .registry import operation

TAG = "Escalations"


def escalation_outs(actor: User, rows: Sequence[Escalation]) -> list[dict]:
    """Open311-style service requests, with the latest note and update time from the timeline."""
    ids = [row.id for row in rows]
    notes: dict[int, str] = {}
    updated: dict[int, object] = {}
    if ids:
        events: Iterable[TimelineEvent] = db.session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.escalation_id.in_(ids))
            .order_by(TimelineEvent.created_at, TimelineEvent.id)
        )
        for event in events:
            updated[event.escalation_id] = event.created_at
            if event.body:
                notes[event.escalation_id] = event.body
    return [
        {
            "id": row.id,
            "bottleneck_id": row.bottleneck_id,
            "party_id": row.party_id,
            "agency_responsible": row.party.name,
            "status": row.status,
            "status_notes": notes.get(row.id, ""),
            "request": row.request,
            "requested_datetime": row.submitted_at,
            "expected_datetime": row.due_at,
            "updated_datetime": max(updated.get(row.id, row.submitted_at), row.submitted_at),
            "forwarded_from_id": row.forwarded_from_id,
            "version": row.version,
            "available_actions": [t.action for t in escalations.available_actions(actor, row)],
        }
        for row in rows
    ]


def escalation_page(actor: User, statement: Select, query: schemas.Query) -> dict:
    rows, cursor = http.page(statement, Escalation.id, query.limit, query.cursor)
    return {"items": escalation_outs(actor, rows), "next_cursor": cursor}


@operation(
    "GET",
    "/escalations",
    summary="Your party inbox: escalations addressed to your parties",
    tag=TAG,
    query=schemas.EscalationQuery,
    response=schemas.EscalationPage,
    errors=(400, 404),
)
def inbox(actor: User, query: schemas.EscalationQuery) -> dict:
    authz.require(actor, "inbox.view")
    return escalation_page(
        actor, queries.party_inbox(actor.party_ids, query.status, for_display=False), query
    )


@operation(
    "GET",
    "/escalations/{escalation_id}",
    summary="One escalation",
    tag=TAG,
    response=schemas.EscalationOut,
)
def get_escalation(actor: User, escalation_id: int) -> dict:
    (out,) = escalation_outs(actor, [escalations.get_visible(actor, escalation_id)])
    return out


@operation(
    "POST",
    "/escalations/{escalation_id}/actions",
    summary="Acknowledge, respond, forward, close (party) or accept, reopen, withdraw (DSV)",
    tag=TAG,
    body=schemas.EscalationAct,
    response=schemas.EscalationOut,
    errors=(409,),
)
def act(actor: User, escalation_id: int, body: schemas.EscalationAct) -> dict:
    escalation = escalations.apply_action(
        actor,
        escalation_id,
        body.action,
        version=body.version,
        note=body.note,
        forward_to_party_id=body.forward_to_party_id,
    )
    (out,) = escalation_outs(actor, [escalation])
    return out
