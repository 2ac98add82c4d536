"""Personal data of one person for admins (AVG): download it as JSON, or delete it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired

from tracker.auth.models import User, dsv_members
from tracker.core.errors import DomainError, NotVisible
from tracker.core.forms import coerce_optional_int, form_status, refused
from tracker.directory.views import bp
from tracker.extensions import db
from tracker.privacy import personal_data
from tracker.privacy.download import json_download


class DeletePersonalDataForm(FlaskForm):
    new_owner_id = SelectField(
        _l("New owner of the open bottlenecks"), coerce=coerce_optional_int, validate_choice=False
    )
    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )


@bp.get("/users/<int:user_id>/personal-data.json")
def user_personal_data(user_id: int):
    data = personal_data.export(current_user, user_id)
    return json_download(data, f"personal-data-{user_id}.json")


def _owner_choices(user: User, open_owned) -> list[tuple]:
    dsv_ids = {b.dsv_id for b in open_owned}
    candidates = db.session.scalars(
        select(User)
        .join(dsv_members, dsv_members.c.user_id == User.id)
        .where(dsv_members.c.dsv_id.in_(dsv_ids), User.id != user.id, User.active.is_(True))
        .distinct()
        .order_by(User.name)
    )
    return [("", _("Choose a person")), *((u.id, u.name) for u in candidates)]


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
def user_delete(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotVisible()
    open_owned = personal_data.open_owned(user.id)
    form = DeletePersonalDataForm()
    form.new_owner_id.choices = _owner_choices(user, open_owned)
    if form.validate_on_submit():
        try:
            personal_data.anonymise(current_user, user.id, form.new_owner_id.data)
        except DomainError as error:
            status = refused(error)
            return _page(form, user, open_owned), status
        flash(_("The personal data are deleted; the account is now a pseudonym."), "success")
        return redirect(url_for(".users"))
    return _page(form, user, open_owned), form_status(form)


def _page(form, user, open_owned):
    return render_template(
        "directory/user_delete.html", form=form, user=user, open_owned=open_owned
    )
