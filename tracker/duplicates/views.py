"""Suggestions while filing, co-signing ("this is ours too"), merging duplicates and undo."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import authz
from tracker.bottlenecks import services as bottlenecks
from tracker.bottlenecks.models import DESCRIPTION_MAX, TITLE_MAX
from tracker.core.errors import DomainError
from tracker.core.forms import form_status, refused
from tracker.duplicates import search, services
from tracker.duplicates.forms import CosignForm, MergeForm
from tracker.duplicates.models import CONTEXT_MAX
from tracker.roadblocks import services as road_blocks

bp = Blueprint("duplicates", __name__)


def _subject_url(subject_type: str, subject_id: int) -> str:
    if subject_type == "bottleneck":
        return url_for("bottlenecks.detail", bottleneck_id=subject_id, _anchor="cosigners")
    return url_for("roadblocks.detail", road_block_id=subject_id, _anchor="cosigners")


@bp.get("/bottlenecks/similar")
@login_required
def similar():
    """The suggestions fragment the new-bottleneck form shows while the user types."""
    authz.require(current_user, "bottleneck.create")
    title = request.args.get("title", "")[:TITLE_MAX]
    description = request.args.get("description", "")[:DESCRIPTION_MAX]
    return render_template(
        "duplicates/_suggestions.html",
        suggestions=search.similar(current_user, title, description),
        context=description,
    )


def _cosign(subject, kind: str, choices: list, service):
    form = CosignForm()
    url = _subject_url(kind, subject.id)
    if request.method == "POST" and (done := form.already_done()):
        return redirect(done)
    form.dsv_id.choices = choices
    if request.method == "GET":
        form.context.data = request.args.get("context", "")[:CONTEXT_MAX]
    if form.validate_on_submit():
        try:
            service(current_user, subject.id, form.dsv_id.data, form.context.data)
        except DomainError as error:
            status = refused(error)
            return render_template("duplicates/cosign.html", form=form, subject=subject), status
        form.mark_done(url)
        flash(_("Co-signed: your DSV is now listed with this."), "success")
        return redirect(url)
    return render_template("duplicates/cosign.html", form=form, subject=subject), form_status(form)


@bp.route("/bottlenecks/<int:bottleneck_id>/cosign", methods=["GET", "POST"])
@login_required
def cosign_bottleneck(bottleneck_id: int):
    bottleneck = bottlenecks.get_visible(current_user, bottleneck_id)
    authz.require(current_user, "bottleneck.cosign", bottleneck)
    choices = [(d.id, d.name) for d in current_user.dsvs if d.id != bottleneck.dsv_id]
    return _cosign(bottleneck, "bottleneck", choices, services.cosign_bottleneck)


@bp.route("/road-blocks/<int:road_block_id>/cosign", methods=["GET", "POST"])
@login_required
def cosign_road_block(road_block_id: int):
    road_block = road_blocks.get(road_block_id)
    authz.require(current_user, "roadblock.cosign", road_block)
    choices = [(d.id, d.name) for d in current_user.dsvs]
    return _cosign(road_block, "road_block", choices, services.cosign_road_block)


@bp.post("/cosignatures/<int:cosignature_id>/withdraw")
@login_required
def withdraw(cosignature_id: int):
    subject = services.withdraw(current_user, cosignature_id)
    flash(_("Co-signature withdrawn."), "success")
    return redirect(_subject_url(*subject))


@bp.route("/bottlenecks/<int:bottleneck_id>/merge", methods=["GET", "POST"])
@login_required
def merge(bottleneck_id: int):
    duplicate = bottlenecks.get_visible(current_user, bottleneck_id)
    authz.require(current_user, "bottleneck.merge", duplicate)
    form = MergeForm()
    if request.method == "POST" and (done := form.already_done()):
        return redirect(done)
    suggestions = search.similar(
        current_user, duplicate.title, duplicate.description, exclude_id=duplicate.id
    )
    form.target_id.choices = [
        (b.id, f"#{b.id} {b.title} ({b.dsv.name})")
        for b in suggestions.bottlenecks
        if not b.is_confidential
    ]
    if not form.validate_on_submit():
        return _merge_page(form, duplicate, form_status(form))
    target_id = form.chosen()
    if target_id is None:
        form.target_number.errors.append(_("Choose a bottleneck or type its number."))
        return _merge_page(form, duplicate, 422)
    try:
        services.merge(current_user, duplicate.id, target_id)
    except DomainError as error:
        return _merge_page(form, duplicate, refused(error))
    url = url_for("bottlenecks.detail", bottleneck_id=target_id)
    form.mark_done(url)
    flash(_("Merged. Everyone involved has been told; you can undo it."), "success")
    return redirect(url)


def _merge_page(form: MergeForm, duplicate, status: int):
    return render_template("duplicates/merge.html", form=form, duplicate=duplicate), status


@bp.post("/merges/<int:merge_id>/undo")
@login_required
def undo_merge(merge_id: int):
    merge = services.get_merge(merge_id)
    authz.require(current_user, "bottleneck.merge", merge.duplicate)
    try:
        services.undo_merge(current_user, merge.id)
    except DomainError as error:
        refused(error)
    else:
        flash(_("Merge undone."), "success")
    return redirect(url_for("bottlenecks.detail", bottleneck_id=merge.duplicate_id))
