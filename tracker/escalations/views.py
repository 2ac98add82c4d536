"""Escalation pages: escalate a bottleneck, the party inbox, and every workflow action."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.validators import DataRequired

from tracker import authz
from tracker.bottlenecks import services as bottlenecks
from tracker.core.csv import csv_response
from tracker.core.errors import DomainError, NotVisible
from tracker.core.forms import form_status, page_number, refused
from tracker.core.timeutil import utcnow
from tracker.escalations import csv_export, queries, services
from tracker.escalations.forms import ActionForm, EscalateForm, ForwardForm
from tracker.escalations.workflow import STATUS_LABELS, transition_for
from tracker.extensions import db

bp = Blueprint("escalations", __name__)


@bp.route("/bottlenecks/<int:bottleneck_id>/escalate", methods=["GET", "POST"])
@login_required
def escalate(bottleneck_id: int):
    bottleneck = bottlenecks.get_visible(current_user, bottleneck_id)
    authz.require(current_user, "bottleneck.escalate", bottleneck)
    form = EscalateForm()
    if request.method == "POST" and (done := form.already_done()):
        flash(_("This was already saved."), "success")
        return redirect(done)
    form.party_ids.choices = [(p.id, p.name) for p in services.open_parties(bottleneck.id)]
    if form.validate_on_submit():
        try:
            created = services.escalate(
                current_user, bottleneck.id, form.party_ids.data, form.request.data
            )
        except DomainError as error:
            status = refused(error)
            return render_template(
                "escalations/escalate.html", form=form, bottleneck=bottleneck
            ), status
        flash(
            _("Escalated to %(parties)s.", parties=", ".join(e.party.name for e in created)),
            "success",
        )
        url = url_for("bottlenecks.detail", bottleneck_id=bottleneck.id)
        form.mark_done(url)
        return redirect(url)
    return render_template(
        "escalations/escalate.html", form=form, bottleneck=bottleneck
    ), form_status(form)


def _inbox_status() -> str | None:
    """The inbox's ?status= filter; unknown values are a 400."""
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        abort(400)
    return status


@bp.get("/inbox")
@login_required
def inbox():
    authz.require(current_user, "inbox.view")
    status = _inbox_status()
    page = db.paginate(
        queries.party_inbox(current_user.party_ids, status),
        page=page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "escalations/inbox.html", page=page, status=status, statuses=STATUS_LABELS
    )


@bp.get("/inbox/export.csv")
@login_required
def inbox_export():
    """The inbox with the same status filter as CSV for Excel."""
    authz.require(current_user, "inbox.view")
    rows = db.session.scalars(queries.party_inbox(current_user.party_ids, _inbox_status()))
    return csv_response("inbox.csv", csv_export.header(), csv_export.inbox_rows(rows, utcnow()))


@bp.route("/escalations/<int:escalation_id>/<action>", methods=["GET", "POST"])
@login_required
def act(escalation_id: int, action: str):
    escalation = services.get_visible(current_user, escalation_id)
    transition = transition_for(action)
    if transition is None:
        raise NotVisible()
    authz.require(current_user, f"escalation.{action}", escalation)
    if request.method == "GET":  # on POST the service decides, after the version check
        services.check_transition(escalation, transition)
    form = ForwardForm() if action == "forward" else ActionForm()
    if action == "forward":
        form.party_id.choices = [
            (p.id, p.name) for p in services.open_parties(escalation.bottleneck_id)
        ]
    if transition.note_required:
        form.note.validators = [DataRequired(_("This step needs a note.")), *form.note.validators]
    if request.method == "GET":
        form.version.data = escalation.version
    if form.validate_on_submit():
        try:
            services.apply_action(
                current_user,
                escalation.id,
                action,
                version=form.version.data,
                note=form.note.data or "",
                forward_to_party_id=form.party_id.data if action == "forward" else None,
            )
        except DomainError as error:
            status = refused(error)
            db.session.refresh(escalation)
            return render_template(
                "escalations/action.html", form=form, escalation=escalation, transition=transition
            ), status
        flash(_("Done: %(action)s.", action=transition.label), "success")
        return redirect(
            url_for(
                "bottlenecks.detail",
                bottleneck_id=escalation.bottleneck_id,
                _anchor=f"escalation-{escalation.id}",
            )
        )
    return render_template(
        "escalations/action.html", form=form, escalation=escalation, transition=transition
    ), form_status(form)
