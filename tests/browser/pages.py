"""Every page type, with the demo object to show, for the accessibility and HTML checks."""

from __future__ import annotations

from sqlalchemy import select

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.digests import services as digests
from tracker.digests.models import Digest
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import Status
from tracker.events.models import Event
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.roadblocks import services as road_blocks
from tracker.roadblocks.models import RoadBlock


def _first(query):
    return db.session.scalars(query.limit(1)).first()


def picker_search(road_block: RoadBlock) -> str:
    """A word that finds bottlenecks to add to the road block (its picker lists matches)."""
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    candidate = road_blocks.candidates(road_block, admin)[0]
    return next(word for word in candidate.title.split() if len(word) >= 4)


def page_paths(live) -> dict[str, list[str]]:
    """Paths per signed-in person (None: signed out), covering every page type."""
    with live.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == "anouk@demo.example"))
        mine = select(Bottleneck).where(Bottleneck.dsv_id.in_(coordinator.dsv_ids))
        bottleneck = _first(mine.order_by(Bottleneck.id))
        answered = _first(
            select(Escalation)
            .join(Bottleneck)
            .where(Bottleneck.dsv_id.in_(coordinator.dsv_ids), Escalation.status == Status.ANSWERED)
        )
        submitted = _first(
            select(Escalation).where(Escalation.status == Status.SUBMITTED).order_by(Escalation.id)
        )
        party = submitted.party
        road_block = _first(select(RoadBlock).order_by(RoadBlock.id))
        event = _first(select(Event).order_by(Event.id))
        planned = _first(select(Event).where(Event.status == "planned").order_by(Event.id))
        user = _first(select(User).order_by(User.id))
        if _first(select(Digest)) is None:
            digests.compile_due()  # what the worker does each week
        digest = _first(select(Digest).order_by(Digest.id))
        message = _first(select(OutboxMessage).order_by(OutboxMessage.id))
        theirs = _first(
            select(Bottleneck)
            .where(
                Bottleneck.dsv_id.not_in(coordinator.dsv_ids),
                Bottleneck.is_confidential.is_(False),
                Bottleneck.merged_into_id.is_(None),
            )
            .order_by(Bottleneck.id)
        )
        paths = {
            None: ["/auth/login", "/auth/forgot"],
            "anouk@demo.example": [
                "/",
                "/bottlenecks/",
                "/bottlenecks/new",
                f"/bottlenecks/{bottleneck.id}",
                f"/bottlenecks/{bottleneck.id}/edit",
                f"/bottlenecks/{bottleneck.id}/escalate",
                "/road-blocks/",
                f"/road-blocks/{road_block.id}",
                "/events/",
                f"/events/{event.id}",
                "/insights/",
                "/insights/response-times",
                "/insights/congestion",
                "/auth/account",
                "/calendar/",
                "/api-tokens/",
                "/api/docs",
                f"/bottlenecks/{theirs.id}/cosign",
                f"/road-blocks/{road_block.id}/cosign",
            ],
            "admin@demo.example": [
                "/admin/",
                "/admin/parties/",
                "/admin/dsvs/",
                "/admin/networks/",
                "/admin/users/",
                "/admin/users/new",
                f"/admin/users/{user.id}/edit",
                "/admin/parties/new",
                "/admin/outbox/",
                f"/admin/outbox/{message.id}",
                "/events/new",
                "/road-blocks/new",
                f"/events/{event.id}/registrations",
                f"/events/{event.id}/close",
                f"/events/{event.id}/edit",
                "/admin/import",
                f"/bottlenecks/{theirs.id}/merge",
                f"/admin/users/{user.id}/delete",
                f"/road-blocks/{road_block.id}",
                f"/road-blocks/{road_block.id}?q={picker_search(road_block)}",
                f"/road-blocks/{road_block.id}?q=zzzz",
                f"/events/{planned.id}?q=a",
            ],
        }
        paths[party.liaisons[0].email] = [
            "/inbox",
            f"/escalations/{submitted.id}/acknowledge",
            f"/escalations/{submitted.id}/respond",
            f"/digests/{party.slug}",
        ]
        if answered is not None:
            paths["anouk@demo.example"].append(f"/escalations/{answered.id}/reopen")
        paths["admin@demo.example"].append(f"/digests/show/{digest.id}")
        return paths


def error_paths(live) -> dict[str, list[str]]:
    """Forms to submit empty, per person, so their error state is checked too."""
    with live.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == "anouk@demo.example"))
        fresh = _first(
            select(Bottleneck)
            .where(Bottleneck.dsv_id.in_(coordinator.dsv_ids), ~Bottleneck.escalations.any())
            .order_by(Bottleneck.id)
        )
        submitted = _first(
            select(Escalation).where(Escalation.status == Status.SUBMITTED).order_by(Escalation.id)
        )
        return {
            "anouk@demo.example": ["/bottlenecks/new", f"/bottlenecks/{fresh.id}/escalate"],
            "admin@demo.example": ["/events/new", "/road-blocks/new", "/admin/users/new"],
            submitted.party.liaisons[0].email: [f"/escalations/{submitted.id}/respond"],
        }
