"""Road-block pages: the ranked list, a road block with its reach and timeline, grouping."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import authz
from tracker.core import pickers
from tracker.core.csv import csv_response
from tracker.core.errors import DomainError
from tracker.core.forms import form_status, page_number, refused
from tracker.directory import queries as directory
from tracker.duplicates import services as duplicates
from tracker.events.closeout import open_actions_for_road_block
from tracker.extensions import db
from tracker.roadblocks import csv_export, services
from tracker.roadblocks.forms import AddBottlenecksForm, RoadBlockForm, StatusForm
from tracker.timeline.services import events_for

bp = Blueprint("roadblocks", __name__, url_prefix="/road-blocks")


def _bottleneck_choices(road_block=None, search: str | None = None) -> list[tuple[int, str]]:
    return [
        (b.id, f"{b.title} ({b.dsv.name})")
        for b in services.candidates(road_block, current_user, search)
    ]


def _add_form(road_block, form: AddBottlenecksForm | None = None) -> AddBottlenecksForm:
    """The add form with the candidates matching its search (none without a search)."""
    if form is None:
        form = AddBottlenecksForm(search=pickers.search_term())
    form.search.data = pickers.search_term(form.search.data or "")
    form.bottleneck_ids.choices = (
        _bottleneck_choices(road_block, form.search.data) if form.search.data else []
    )
    return form


@bp.get("/")
@login_required
def index():
    rows = db.paginate(
        services.ranked(),
        page=page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("roadblocks/index.html", page=rows)


@bp.get("/export.csv")
@login_required
def export():
    """The whole ranked list as CSV for Excel; road blocks hold only public bottlenecks."""
    rows = list(db.session.scalars(services.ranked()))
    return csv_response(
        "systeemknelpunten.csv", csv_export.header(), csv_export.road_block_rows(rows)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    authz.require(current_user, "roadblock.manage")
    form = RoadBlockForm()
    if request.method == "POST" and (done := form.already_done()):
        return redirect(done)
    form.building_block_id.choices = directory.block_choices()
    form.party_id.choices = [("", _("None")), *directory.choices(directory.parties())]
    form.bottleneck_ids.choices = _bottleneck_choices()
    if request.method == "GET" and (preselect := request.args.getlist("bottleneck", type=int)):
        form.bottleneck_ids.data = preselect
    if form.validate_on_submit():
        try:
            road_block = services.create(
                current_user,
                title=form.title.data,
                description=form.description.data or "",
                building_block_id=form.building_block_id.data,
                party_id=form.party_id.data,
                bottleneck_ids=form.bottleneck_ids.data,
            )
        except DomainError as error:
            status = refused(error)  # flash and roll back before rendering
            return render_template("roadblocks/form.html", form=form), status
        url = url_for(".detail", road_block_id=road_block.id)
        form.mark_done(url)
        flash(_("Road block created."), "success")
        return redirect(url)
    return render_template("roadblocks/form.html", form=form), form_status(form)


def _render_detail(road_block, add_form=None, status_form=None, status: int = 200):
    if add_form is None and authz.can(current_user, "roadblock.manage"):
        add_form = _add_form(road_block)
    status_form = status_form or StatusForm(obj=road_block)
    return render_template(
        "roadblocks/detail.html",
        road_block=road_block,
        reach=services.reach(road_block),
        responses=services.responses(road_block),
        events=events_for("road_block", road_block.id),
        cosignatures=duplicates.cosignatures_of_road_block(road_block.id),
        actions=open_actions_for_road_block(road_block.id),
        add_form=add_form,
        status_form=status_form,
    ), status


@bp.get("/<int:road_block_id>")
@login_required
def detail(road_block_id: int):
    return _render_detail(services.get(road_block_id))


@bp.get("/<int:road_block_id>/candidates")
@login_required
def candidates(road_block_id: int):
    """The matches of the add-bottlenecks search, as the fragment the page shows them in."""
    road_block = services.get(road_block_id)
    authz.require(current_user, "roadblock.manage")
    return render_template(
        "roadblocks/_candidates.html", road_block=road_block, add_form=_add_form(road_block)
    )


@bp.post("/<int:road_block_id>/bottlenecks")
@login_required
def add(road_block_id: int):
    road_block = services.get(road_block_id)
    authz.require(current_user, "roadblock.manage")
    form = _add_form(road_block, AddBottlenecksForm())
    if not form.validate_on_submit():
        return _render_detail(road_block, add_form=form, status=422)
    try:
        services.add_bottlenecks(current_user, road_block.id, form.bottleneck_ids.data)
    except DomainError as error:
        return _render_detail(road_block, add_form=form, status=refused(error))
    flash(_("Added to the road block."), "success")
    return redirect(url_for(".detail", road_block_id=road_block.id))


@bp.post("/<int:road_block_id>/bottlenecks/<int:bottleneck_id>/remove")
@login_required
def remove(road_block_id: int, bottleneck_id: int):
    road_block = services.get(road_block_id)
    authz.require(current_user, "roadblock.manage")
    try:
        services.remove_bottleneck(current_user, road_block.id, bottleneck_id)
    except DomainError as error:
        refused(error)
    else:
        flash(_("Taken out of the road block."), "success")
    return redirect(url_for(".detail", road_block_id=road_block.id))


@bp.post("/<int:road_block_id>/status")
@login_required
def status(road_block_id: int):
    road_block = services.get(road_block_id)
    authz.require(current_user, "roadblock.manage")
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_detail(road_block, status_form=form, status=422)
    try:
        services.set_status(current_user, road_block.id, form.status.data, form.version.data)
    except DomainError as error:
        return _render_detail(road_block, status_form=form, status=refused(error))
    flash(_("Status saved."), "success")
    return redirect(url_for(".detail", road_block_id=road_block.id))
