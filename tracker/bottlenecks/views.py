"""Bottleneck pages: list with filters, detail with timeline, create, edit, comment."""

from __future__ import annotations

from flask import (
    Blueprint,
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
from tracker.bottlenecks import csv_export, queries, services
from tracker.bottlenecks.forms import (
    BottleneckForm,
    CommentForm,
    EditBottleneckForm,
    FilterForm,
    NewBottleneckForm,
)
from tracker.bottlenecks.models import STATUS_LABELS, Bottleneck
from tracker.core.csv import csv_response
from tracker.core.errors import DomainError
from tracker.core.forms import MAX_PAGE, OnceForm, form_status, refused
from tracker.core.timeutil import utcnow
from tracker.directory import queries as directory
from tracker.duplicates import search
from tracker.duplicates import services as duplicates
from tracker.escalations import services as escalations
from tracker.escalations.forms import ActionForm
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks
from tracker.timeline.services import events_for

bp = Blueprint("bottlenecks", __name__, url_prefix="/bottlenecks")


def _with_all(rows, label) -> list:
    return [("", label), *rows]


def _filter_form() -> tuple[FilterForm, queries.Filters | None]:
    """The list filters from the query string; Filters is None when a value is unknown."""
    form = FilterForm(request.args)
    form.block.choices = _with_all(directory.block_choices(), _("All building blocks"))
    form.network.choices = _with_all(directory.choices(directory.networks()), _("All networks"))
    form.party.choices = _with_all(directory.choices(directory.parties()), _("All parties"))
    form.dsv.choices = _with_all(directory.choices(directory.dsvs()), _("All DSVs"))
    form.status.choices = _with_all(list(STATUS_LABELS.items()), _("All statuses"))
    if not form.validate():
        return form, None
    return form, queries.Filters(
        block=form.block.data,
        network=form.network.data,
        party=form.party.data,
        dsv=form.dsv.data,
        status=form.status.data or None,
        late=form.late.data or None,
        dsv_ids=tuple(current_user.dsv_ids) if form.mine.data else (),
    )


@bp.get("/")
@login_required
def index():
    form, filters = _filter_form()
    if filters is None:
        return render_template("bottlenecks/index.html", form=form, page=None), 400
    page = db.paginate(
        queries.bottleneck_list(current_user, filters, utcnow()),
        page=min(max(form.page.data or 1, 1), MAX_PAGE),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("bottlenecks/index.html", form=form, page=page)


@bp.get("/export.csv")
@login_required
def export():
    """The filtered list as CSV for Excel (semicolons, UTF-8 with BOM); same visibility."""
    form, filters = _filter_form()
    if filters is None:
        return render_template("bottlenecks/index.html", form=form, page=None), 400
    rows = db.session.scalars(queries.bottleneck_list(current_user, filters, utcnow()))
    return csv_response("knelpunten.csv", csv_export.header(), csv_export.bottleneck_rows(rows))


def _values(form: BottleneckForm) -> dict:
    """The form's fields as the keyword arguments the create and update services take."""
    return {
        "title": form.title.data,
        "description": form.description.data,
        "building_block_id": form.building_block_id.data,
        "owner_id": form.owner_id.data,
        "impact": form.impact.data,
        "domain_ids": form.domain_ids.data or [],
        "is_confidential": form.is_confidential.data,
    }


def _fill_choices(form: BottleneckForm, dsv) -> None:
    form.owner_id.choices = [(u.id, u.name) for u in dsv.members if u.active] if dsv else []
    form.building_block_id.choices = directory.block_choices()
    form.domain_ids.choices = directory.domain_choices()


def _repeat(form: OnceForm):
    """A second submit of a form that already succeeded goes to what it created."""
    if request.method == "POST" and (done := form.already_done()):
        flash(_("This was already saved."), "success")
        return redirect(done)
    return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    authz.require(current_user, "bottleneck.create")
    form = NewBottleneckForm()
    if repeat := _repeat(form):
        return repeat
    own = current_user.dsvs
    form.dsv_id.choices = [(d.id, d.name) for d in own]
    if request.method == "GET":
        form.dsv_id.data = request.args.get("dsv", type=int) or own[0].id
        form.owner_id.data = current_user.id
    _fill_choices(form, next((d for d in own if d.id == form.dsv_id.data), own[0]))
    if request.method == "POST" and "check_similar" in request.form:
        # Without JavaScript: show what is similar, keep everything typed, save nothing.
        return _new_form(
            form, search.similar(current_user, form.title.data or "", form.description.data or "")
        ), 200
    if form.validate_on_submit():
        try:
            bottleneck = services.create_bottleneck(
                current_user, dsv_id=form.dsv_id.data, **_values(form)
            )
        except DomainError as error:
            status = refused(error)  # flash and roll back before rendering
            return _new_form(form), status
        url = url_for(".detail", bottleneck_id=bottleneck.id)
        form.mark_done(url)
        flash(_("Bottleneck logged."), "success")
        return redirect(url)
    return _new_form(form), form_status(form)


def _new_form(form: NewBottleneckForm, suggestions: search.Suggestions | None = None) -> str:
    return render_template(
        "bottlenecks/form.html",
        form=form,
        bottleneck=None,
        suggestions=suggestions,
        context=form.description.data or "",
    )


@bp.get("/<int:bottleneck_id>")
@login_required
def detail(bottleneck_id: int):
    bottleneck = services.get_visible(current_user, bottleneck_id)
    return render_detail(bottleneck, CommentForm())


def render_detail(bottleneck: Bottleneck, comment_form: CommentForm, status: int = 200):
    """The detail page: the bottleneck, its escalations with the actions this user may take."""
    actions = {e.id: escalations.available_actions(current_user, e) for e in bottleneck.escalations}
    merges = duplicates.merges_into(bottleneck.id)
    return render_template(
        "bottlenecks/detail.html",
        bottleneck=bottleneck,
        events=events_for("bottleneck", bottleneck.id, *(m.duplicate_id for m in merges)),
        merges=merges,
        merged_titles={m.duplicate_id: m.duplicate.title for m in merges},
        merged=duplicates.active_merge_of(bottleneck),
        cosignatures=duplicates.cosignatures_of_bottleneck(bottleneck.id),
        actions=actions,
        action_form=ActionForm(),
        comment_form=comment_form,
        road_block=road_blocks.for_bottleneck(bottleneck.id),
    ), status


@bp.route("/<int:bottleneck_id>/edit", methods=["GET", "POST"])
@login_required
def edit(bottleneck_id: int):
    bottleneck = services.get_visible(current_user, bottleneck_id)
    authz.require(current_user, "bottleneck.edit", bottleneck)
    form = EditBottleneckForm(obj=bottleneck)
    if request.method == "GET":
        form.domain_ids.data = [d.id for d in bottleneck.domains]
    _fill_choices(form, bottleneck.dsv)
    if form.validate_on_submit():
        try:
            services.update_bottleneck(
                current_user, bottleneck.id, version=form.version.data, **_values(form)
            )
        except DomainError as error:
            status = refused(error)
            return render_template(
                "bottlenecks/form.html", form=form, bottleneck=bottleneck
            ), status
        flash(_("Changes saved."), "success")
        return redirect(url_for(".detail", bottleneck_id=bottleneck.id))
    return render_template("bottlenecks/form.html", form=form, bottleneck=bottleneck), form_status(
        form
    )


@bp.post("/<int:bottleneck_id>/comments")
@login_required
def comment(bottleneck_id: int):
    bottleneck = services.get_visible(current_user, bottleneck_id)
    authz.require(current_user, "bottleneck.comment", bottleneck)
    form = CommentForm()
    if repeat := _repeat(form):
        return repeat
    if not form.validate_on_submit():
        return render_detail(bottleneck, form, 422)
    try:
        services.add_comment(current_user, bottleneck.id, form.body.data)
    except DomainError as error:
        return render_detail(bottleneck, form, refused(error))
    url = url_for(".detail", bottleneck_id=bottleneck.id, _anchor="timeline")
    form.mark_done(url)
    flash(_("Comment added."), "success")
    return redirect(url)


@bp.post("/<int:bottleneck_id>/follow")
@login_required
def follow(bottleneck_id: int):
    following = request.form.get("follow") == "1"
    services.follow(current_user, bottleneck_id, following=following)
    flash(_("You now follow this bottleneck.") if following else _("You no longer follow it."))
    return redirect(url_for(".detail", bottleneck_id=bottleneck_id))
