"""Event pages: the list, one event with its agenda and registration, planning and close-out."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import authz
from tracker.core import pickers
from tracker.core.errors import DomainError, InvalidInput
from tracker.core.forms import form_status, page_number, refused
from tracker.directory import queries as directory
from tracker.events import closeout, ics, registrations, services
from tracker.events.forms import (
    ActionForm,
    AgendaForm,
    CloseOutForm,
    EditEventForm,
    EventForm,
    VersionForm,
)
from tracker.events.models import RegistrationStatus
from tracker.extensions import db
from tracker.timeline.services import events_for

bp = Blueprint("events", __name__, url_prefix="/events")


def _paginate(query, per_page: int | None = None):
    per_page = per_page or current_app.config["PER_PAGE"]
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


@bp.get("/")
@login_required
def index():
    past = request.args.get("when") == "past"
    return render_template(
        "events/index.html", page=_paginate(services.listing(current_user, past=past)), past=past
    )


def _fill_choices(form: EventForm) -> None:
    form.organiser.choices = services.organiser_choices(current_user)
    form.audience_network_id.choices = [("", _("None")), *directory.choices(directory.networks())]
    form.invitee_ids.choices = services.invitee_choices()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    authz.require(current_user, "event.create")
    form = EventForm()
    if request.method == "POST" and (done := form.already_done()):
        return redirect(done)
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            event = services.create(current_user, form.to_input())
        except DomainError as error:
            status = refused(error)  # flash before rendering, so the message shows on this page
            return render_template("events/form.html", form=form, event=None), status
        url = url_for(".detail", event_id=event.id)
        form.mark_done(url)
        flash(_("Event planned."), "success")
        return redirect(url)
    return render_template("events/form.html", form=form, event=None), form_status(form)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = services.get(event_id)
    authz.require(current_user, "event.manage", event)
    form = EditEventForm(obj=None if request.method == "POST" else event)
    if request.method == "GET":
        services.fill_form(form, event)
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            services.update(current_user, event.id, form.to_input(), form.version.data)
        except DomainError as error:
            status = refused(error)
            return render_template("events/form.html", form=form, event=event), status
        flash(_("Event saved."), "success")
        return redirect(url_for(".detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=event), form_status(form)


def _render_detail(event, *, agenda_form=None, status: int = 200):
    own = registrations.registration_of(current_user, event.id)
    manage = authz.can(current_user, "event.manage", event)
    if manage and agenda_form is None:
        agenda_form = _agenda_form()
    return render_template(
        "events/detail.html",
        event=event,
        own=own if own and own.status != RegistrationStatus.CANCELLED else None,
        position=registrations.waiting_position(own) if own else None,
        seats=registrations.confirmed_count(event.id),
        manage=manage,
        agenda_form=agenda_form,
        version_form=VersionForm(obj=event),
        events=events_for("event", event.id),
    ), status


@bp.get("/<int:event_id>")
@login_required
def detail(event_id: int):
    return _render_detail(services.visible(current_user, event_id))


@bp.get("/<int:event_id>.ics")
@login_required
def ics_download(event_id: int):
    event = services.visible(current_user, event_id)
    return Response(
        ics.for_event(event),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'},
    )


@bp.post("/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    form = VersionForm()
    if not form.validate_on_submit():
        return _render_detail(event, status=422)
    try:
        services.cancel_event(current_user, event.id, form.version.data)
    except DomainError as error:
        return _render_detail(event, status=refused(error))
    flash(_("The event is cancelled."), "success")
    return redirect(url_for(".detail", event_id=event.id))


@bp.post("/<int:event_id>/register")
@login_required
def register(event_id: int):
    event = services.visible(current_user, event_id)
    try:
        registration = registrations.register(current_user, event.id)
    except DomainError as error:
        return _render_detail(event, status=refused(error))
    if registration.status == RegistrationStatus.WAITING:
        flash(_("The event is full: you are on the waiting list."), "success")
    else:
        flash(_("You are registered."), "success")
    return redirect(url_for(".detail", event_id=event.id))


@bp.post("/<int:event_id>/unregister")
@login_required
def unregister(event_id: int):
    event = services.visible(current_user, event_id)
    try:
        registrations.cancel(current_user, event.id)
    except DomainError as error:
        return _render_detail(event, status=refused(error))
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for(".detail", event_id=event.id))


@bp.get("/<int:event_id>/registrations")
@login_required
def registrations_list(event_id: int):
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    return render_template(
        "events/registrations.html", event=event, rows=registrations.registrations(event)
    )


def _agenda_choices(search: str) -> list[tuple[str, str]]:
    if not search:
        return []
    road_blocks, bottlenecks = services.agenda_candidates(current_user, search)
    road_block, bottleneck = _("Road block: %(title)s"), _("Bottleneck: %(title)s (%(dsv)s)")
    matches = [
        *((f"road_block:{r.id}", road_block % {"title": r.title}) for r in road_blocks),
        *(
            (f"bottleneck:{b.id}", bottleneck % {"title": b.title, "dsv": b.dsv})
            for b in bottlenecks
        ),
    ][: pickers.LIMIT]
    return [("", _("Choose…")), *matches] if matches else []


def _agenda_form(form: AgendaForm | None = None) -> AgendaForm:
    """The agenda form with the subjects matching its search (none without a search)."""
    if form is None:
        form = AgendaForm(search=pickers.search_term())
    form.search.data = pickers.search_term(form.search.data or "")
    form.subject.choices = _agenda_choices(form.search.data)
    return form


@bp.get("/<int:event_id>/agenda/candidates")
@login_required
def agenda_candidates(event_id: int):
    """The matches of the agenda search, as the fragment the event page shows them in."""
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    return render_template(
        "events/_agenda_candidates.html", event=event, agenda_form=_agenda_form()
    )


@bp.post("/<int:event_id>/agenda")
@login_required
def agenda_add(event_id: int):
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    form = _agenda_form(AgendaForm())
    if not form.validate_on_submit():
        return _render_detail(event, agenda_form=form, status=422)
    road_block_id, bottleneck_id = form.subject_ids()
    try:
        services.add_agenda_item(
            current_user,
            event.id,
            road_block_id=road_block_id,
            bottleneck_id=bottleneck_id,
            note=form.note.data or "",
        )
    except DomainError as error:
        return _render_detail(event, agenda_form=form, status=refused(error))
    flash(_("Added to the agenda."), "success")
    return redirect(url_for(".detail", event_id=event.id, _anchor="agenda"))


@bp.post("/<int:event_id>/agenda/<int:item_id>/remove")
@login_required
def agenda_remove(event_id: int, item_id: int):
    event = services.visible(current_user, event_id)
    try:
        services.remove_agenda_item(current_user, event.id, item_id)
    except InvalidInput as error:  # 403/404 go to the error page as everywhere
        refused(error)
    return redirect(url_for(".detail", event_id=event.id, _anchor="agenda"))


@bp.post("/<int:event_id>/agenda/<int:item_id>/<any(up, down):direction>")
@login_required
def agenda_move(event_id: int, item_id: int, direction: str):
    event = services.visible(current_user, event_id)
    try:
        services.move_agenda_item(current_user, event.id, item_id, direction)
    except InvalidInput as error:  # 403/404 go to the error page as everywhere
        refused(error)
    return redirect(url_for(".detail", event_id=event.id, _anchor="agenda"))


# --- close-out and follow-up actions ---------------------------------------------------------


def _attendance(event, form: CloseOutForm) -> None:
    seats = [
        r for r in registrations.registrations(event) if r.status == RegistrationStatus.CONFIRMED
    ]
    form.attended.choices = [(r.user_id, r.user.name) for r in seats]
    if not form.is_submitted():
        form.attended.data = [r.user_id for r in seats if r.attended]


def _render_close(event, form=None, action_form=None, status: int = 200):
    if form is None:
        form = CloseOutForm(obj=event)
        _attendance(event, form)
    action_form = action_form or ActionForm()
    _action_choices(event, action_form)
    return render_template(
        "events/close.html", event=event, form=form, action_form=action_form
    ), status


def _action_choices(event, form: ActionForm) -> None:
    form.owner.choices = [("", _("Choose…")), *closeout.owner_choices(event.id)]
    form.road_block_id.choices = [
        ("", _("None")),
        *((i.road_block_id, i.road_block.title) for i in event.agenda if i.road_block_id),
    ]


@bp.route("/<int:event_id>/close", methods=["GET", "POST"])
@login_required
def close(event_id: int):
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    if request.method == "GET":
        return _render_close(event)
    form = CloseOutForm()
    _attendance(event, form)
    if not form.validate_on_submit():
        return _render_close(event, form=form, status=422)
    try:
        closeout.close(
            current_user,
            event.id,
            attended_ids=form.attended.data or [],
            report=form.report.data,
            version=form.version.data,
        )
    except DomainError as error:
        return _render_close(event, form=form, status=refused(error))
    flash(_("The event is closed."), "success")
    return redirect(url_for(".close", event_id=event.id))


@bp.post("/<int:event_id>/actions")
@login_required
def action_add(event_id: int):
    event = services.visible(current_user, event_id)
    authz.require(current_user, "event.manage", event)
    form = ActionForm()
    if done := form.already_done():
        return redirect(done)
    _action_choices(event, form)
    if not form.validate_on_submit():
        return _render_close(event, action_form=form, status=422)
    try:
        closeout.add_action(
            current_user,
            event.id,
            title=form.title.data,
            owner=form.owner.data,
            due=form.due.data,
            road_block_id=form.road_block_id.data,
        )
    except DomainError as error:
        return _render_close(event, action_form=form, status=refused(error))
    url = url_for(".close", event_id=event.id, _anchor="actions")
    form.mark_done(url)
    flash(_("Follow-up action added."), "success")
    return redirect(url)


@bp.post("/actions/<int:action_id>/done")
@login_required
def action_done(action_id: int):
    action = closeout.complete_action(current_user, action_id)
    flash(_("Marked as done."), "success")
    return redirect(url_for(".detail", event_id=action.event_id, _anchor="actions"))
