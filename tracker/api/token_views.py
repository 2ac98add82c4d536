"""The account pages that manage personal API tokens (CSRF-protected web forms)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from tracker.core.errors import DomainError
from tracker.core.forms import form_status, refused

from . import tokens
from .models import Scope

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name (what the token is for)"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=tokens.NAME_MAX)],
    )
    scope = RadioField(
        _l("Rights"),
        choices=[(Scope.READ.value, _l("Read only")), (Scope.WRITE.value, _l("Read and write"))],
        default=Scope.READ.value,
    )


def _page(form: TokenForm, raw: str | None = None, status: int = 200):
    return render_template(
        "api/tokens.html", form=form, tokens=tokens.tokens_of(current_user), raw=raw
    ), status


@bp.get("/")
@login_required
def index():
    return _page(TokenForm())


@bp.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=form_status(form))
    try:
        raw = tokens.create_token(current_user, form.name.data, form.scope.data)
    except DomainError as error:
        return _page(form, status=refused(error))
    flash(_("Your API token is ready. Copy it now: it is shown only once."), "success")
    return _page(TokenForm(formdata=None), raw=raw)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    tokens.revoke_token(current_user, token_id)
    flash(_("The API token no longer works."), "success")
    return redirect(url_for(".index"))
