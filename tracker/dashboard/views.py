"""Dashboard per role, language switch, /healthz."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.auth.services import set_language
from tracker.bottlenecks import queries as bottleneck_queries
from tracker.bottlenecks.models import Bottleneck, BottleneckStatus
from tracker.core.timeutil import utcnow
from tracker.core.urls import safe_next
from tracker.escalations import queries as escalation_queries
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import AWAITING_PARTY
from tracker.extensions import db

bp = Blueprint("dashboard", __name__)

OPEN_STATUSES = (BottleneckStatus.OPEN, BottleneckStatus.ESCALATED, BottleneckStatus.ANSWERED)


@bp.get("/")
@login_required
def index():
    now = utcnow()
    mine = []
    if current_user.dsv_ids:
        query = (
            bottleneck_queries.bottleneck_list(
                current_user, bottleneck_queries.Filters(dsv_ids=tuple(current_user.dsv_ids)), now
            )
            .where(Bottleneck.status.in_(OPEN_STATUSES))
            .limit(50)
        )
        mine = list(db.session.scalars(query))
    inbox = []
    if current_user.party_ids:
        query = (
            escalation_queries.party_inbox(current_user.party_ids, None)
            .where(Escalation.status.in_(AWAITING_PARTY))
            .limit(50)
        )
        inbox = list(db.session.scalars(query))
    return render_template("dashboard/index.html", mine=mine, inbox=inbox)


@bp.post("/language")
def language():
    chosen = request.form.get("language")
    if chosen in ("nl", "en"):
        session["language"] = chosen
        if current_user.is_authenticated:
            set_language(current_user, chosen)
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.index")))


@bp.get("/healthz")
def healthz():
    """For process managers: 200 when the app can reach its database, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
