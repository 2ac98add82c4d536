"""The outbox for programme staff: what was sent, what failed, and the caught mail itself."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import authz
from tracker.core.errors import DomainError, NotVisible
from tracker.core.forms import page_number, refused
from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.models import OutboxMessage, OutboxStatus
from tracker.notifications.rendering import render_pending

bp = Blueprint("notifications", __name__, url_prefix="/admin/outbox")


@bp.before_request
@login_required
def _admins_only():
    authz.require(current_user, "registry.manage")


@bp.get("/")
def index():
    status = request.args.get("status") or None
    if status is not None and status not in set(OutboxStatus):
        abort(400)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    page = db.paginate(
        query,
        page=page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "notifications/index.html", page=page, status=status, statuses=list(OutboxStatus)
    )


@bp.get("/<int:message_id>")
def detail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotVisible()
    if current_app.config["MAIL_TRANSPORT"] == "file":  # only caught mail is shown
        render_pending([message])  # a deferred one as it will be sent; nothing is stored
    return render_template("notifications/detail.html", message=message)


@bp.post("/<int:message_id>/resend")
def resend(message_id: int):
    try:
        services.resend(current_user, message_id)
    except DomainError as error:
        refused(error)
    else:
        flash(_("The message is queued again."), "success")
    return redirect(url_for(".detail", message_id=message_id))
