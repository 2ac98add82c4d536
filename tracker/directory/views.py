"""Registry admin: parties, networks, DSVs and users. Only programme staff (admins) get here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import authz
from tracker.auth import services as accounts
from tracker.auth.forms import UserForm
from tracker.auth.models import User
from tracker.core.csv import csv_response
from tracker.core.errors import DomainError, NotVisible
from tracker.core.forms import form_status, page_number, refused
from tracker.directory import csv_export, queries, services
from tracker.directory.forms import DsvForm, NetworkForm, PartyForm
from tracker.directory.models import Dsv, Network, Party
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage, OutboxStatus
from tracker.timeline.services import events_for

bp = Blueprint("directory", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    authz.require(current_user, "registry.manage")


@dataclass(frozen=True)
class Kind:
    """One registry table: how to list it, which form edits it and which service saves it."""

    key: str
    model: type
    form: type[FlaskForm]
    subject: str
    title: str
    save: Callable[[int | None, FlaskForm], object]
    prepare: Callable[[FlaskForm, object | None], None] = lambda form, obj: None
    list_options: tuple = ()


def _prepare_network(form: NetworkForm, obj: Network | None) -> None:
    form.coordinating_party_id.choices = [("", _("None")), *queries.choices(queries.parties())]
    if obj is not None and request.method == "GET":
        form.coordinating_party_id.data = obj.coordinating_party_id


def _prepare_dsv(form: DsvForm, obj: Dsv | None) -> None:
    form.network_ids.choices = queries.choices(queries.networks())
    form.domain_ids.choices = queries.domain_choices()
    if obj is not None and request.method == "GET":
        form.network_ids.data = [n.id for n in obj.networks]
        form.domain_ids.data = [d.id for d in obj.domains]
        form.phase.data = obj.phase or ""


KINDS = {
    "parties": Kind(
        "parties",
        Party,
        PartyForm,
        "party",
        _l("National parties"),
        lambda obj_id, f: services.save_party(
            current_user,
            obj_id,
            name=f.name.data,
            table_contact_email=f.table_contact_email.data,
            answer_working_days=f.answer_working_days.data,
            digest_cadence=f.digest_cadence.data,
        ),
        list_options=(selectinload(Party.liaisons),),
    ),
    "networks": Kind(
        "networks",
        Network,
        NetworkForm,
        "network",
        _l("Networks"),
        lambda obj_id, f: services.save_network(
            current_user,
            obj_id,
            name=f.name.data,
            description=f.description.data or "",
            coordinating_party_id=f.coordinating_party_id.data,
        ),
        _prepare_network,
        (selectinload(Network.coordinating_party),),
    ),
    "dsvs": Kind(
        "dsvs",
        Dsv,
        DsvForm,
        "dsv",
        _l("DSVs"),
        lambda obj_id, f: services.save_dsv(
            current_user,
            obj_id,
            name=f.name.data,
            region=f.region.data or "",
            municipalities=f.municipalities.data or "",
            phase=f.phase.data or None,
            network_ids=f.network_ids.data or [],
            domain_ids=f.domain_ids.data or [],
        ),
        _prepare_dsv,
        (selectinload(Dsv.networks), selectinload(Dsv.members)),
    ),
}


@bp.get("/")
def overview():
    counts = {
        key: db.session.scalar(select(func.count()).select_from(kind.model))
        for key, kind in KINDS.items()
    }
    counts["users"] = db.session.scalar(select(func.count()).select_from(User))
    counts["failed_mail"] = db.session.scalar(
        select(func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
    )
    return render_template(
        "directory/overview.html",
        counts=counts,
        kinds=KINDS,
        building_blocks=queries.building_blocks(),
        domains=queries.domains(),
    )


def _paginate(query):
    """Registry lists grow to 450+ DSVs and thousands of people: 50 a page."""
    return db.paginate(query, page=page_number(), per_page=50, error_out=False)


def _kind(key: str) -> Kind:
    if key not in KINDS:
        raise NotVisible()
    return KINDS[key]


@bp.get("/<any(parties, networks, dsvs):key>/")
def rows(key: str):
    kind = _kind(key)
    query = select(kind.model).options(*kind.list_options).order_by(kind.model.name)
    page = _paginate(query)
    return render_template(f"directory/{key}.html", kind=kind, items=page.items, page=page, key=key)


@bp.get("/<any(parties, networks, dsvs):key>/export.csv")
def rows_export(key: str):
    """The whole registry table as CSV for Excel (programme staff only, like the list)."""
    kind = _kind(key)
    query = select(kind.model).options(*kind.list_options).order_by(kind.model.name)
    header, rows = csv_export.registry(key, db.session.scalars(query))
    return csv_response(f"{key}.csv", header, rows)


@bp.route("/<any(parties, networks, dsvs):key>/new", methods=["GET", "POST"])
@bp.route("/<any(parties, networks, dsvs):key>/<int:obj_id>/edit", methods=["GET", "POST"])
def edit(key: str, obj_id: int | None = None):
    kind = _kind(key)
    obj = None
    if obj_id is not None:
        obj = db.session.get(kind.model, obj_id)
        if obj is None:
            raise NotVisible()
    form = kind.form(obj=obj)
    kind.prepare(form, obj)
    if form.validate_on_submit():
        try:
            saved = kind.save(obj_id, form)
        except DomainError as error:
            status = refused(error)
            return _render_edit(kind, form, obj), status
        flash(_("Saved: %(name)s.", name=saved.name), "success")
        return redirect(url_for(".rows", key=key))
    return _render_edit(kind, form, obj), form_status(form)


def _render_edit(kind: Kind, form: FlaskForm, obj):
    events = events_for(kind.subject, obj.id) if obj is not None else []
    return render_template("directory/edit.html", kind=kind, form=form, obj=obj, events=events)


def _prepare_user_form(form: UserForm) -> None:
    form.dsv_ids.choices = queries.choices(queries.dsvs())
    form.party_ids.choices = queries.choices(queries.parties())


@bp.get("/users/")
def users():
    query = select(User).options(selectinload(User.dsvs), selectinload(User.parties))
    page = _paginate(query.order_by(User.name))
    return render_template("directory/users.html", items=page.items, page=page)


@bp.get("/users/export.csv")
def users_export():
    """Everyone with their roles and account state as CSV for Excel."""
    query = select(User).options(selectinload(User.dsvs), selectinload(User.parties))
    header, rows = csv_export.users(db.session.scalars(query.order_by(User.name)))
    return csv_response("mensen.csv", header, rows)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    _prepare_user_form(form)
    if form.validate_on_submit():
        try:
            user, _link = accounts.invite_user(
                current_user,
                name=form.name.data,
                email=form.email.data,
                language=form.language.data,
                is_admin=form.is_admin.data,
                dsv_ids=form.dsv_ids.data or [],
                party_ids=form.party_ids.data or [],
            )
        except DomainError as error:
            status = refused(error)
            return render_template("directory/user_form.html", form=form, user=None), status
        return render_template("directory/link.html", user=user, invite=True), 201
    return render_template("directory/user_form.html", form=form, user=None), form_status(form)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    return user


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user(user_id)
    form = UserForm(obj=user)
    del form.email  # the address is the account's identity; changing it is a new invite
    _prepare_user_form(form)
    if request.method == "GET":
        form.dsv_ids.data = [d.id for d in user.dsvs]
        form.party_ids.data = [p.id for p in user.parties]
    if form.validate_on_submit():
        try:
            accounts.update_user(
                current_user,
                user.id,
                name=form.name.data,
                language=form.language.data,
                is_admin=form.is_admin.data,
                active=form.active.data,
                dsv_ids=form.dsv_ids.data or [],
                party_ids=form.party_ids.data or [],
            )
        except DomainError as error:
            status = refused(error)
            return _render_user(form, user), status
        flash(_("Saved: %(name)s.", name=user.name), "success")
        return redirect(url_for(".users"))
    return _render_user(form, user), form_status(form)


def _render_user(form: UserForm, user: User):
    return render_template(
        "directory/user_form.html", form=form, user=user, events=events_for("user", user.id)
    )


@bp.post("/users/<int:user_id>/invite")
def user_invite(user_id: int):
    return _show_link(user_id, accounts.reissue_invite, invite=True)


@bp.post("/users/<int:user_id>/reset")
def user_reset(user_id: int):
    return _show_link(user_id, accounts.issue_reset_link, invite=False)


def _show_link(user_id: int, issue: Callable[[User, int], str], *, invite: bool):
    """Issue an invite or reset link and show it once; refusals go back to the person's page."""
    user = _user(user_id)
    try:
        issue(current_user, user.id)
    except DomainError as error:
        refused(error)
        return redirect(url_for(".user_edit", user_id=user.id))
    return render_template("directory/link.html", user=user, invite=invite)
