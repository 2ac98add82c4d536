"""Small helpers every feature's views use to turn form and rule failures into 4xx pages."""

from __future__ import annotations

import uuid

from flask import flash, request, session
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from tracker.core.errors import DomainError
from tracker.extensions import db


def form_status(form: FlaskForm) -> int:
    """200 for a fresh form, 422 for one that was submitted and did not validate."""
    return 422 if form.is_submitted() and form.errors else 200


def refused(error: DomainError) -> int:
    """Undo the half-done change, show the rule's message, return its HTTP status."""
    db.session.rollback()
    flash(error.message, "error")
    return error.status


def coerce_optional_int(value) -> int | None:
    """WTForms coerce for optional selects: '' or None becomes None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def version_field() -> IntegerField:
    """The hidden version a form was opened on, for the optimistic check (required)."""
    return IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired(_l("The form is incomplete. Reload the page and try again."))],
    )


MAX_PAGE = 100_000


def page_number() -> int:
    """The ?page= argument, clamped to 1..MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


_DONE = "done_forms"


class OnceForm(FlaskForm):
    """A form that creates something: a second submit of the same form creates nothing new.

    Each rendered form carries a random nonce; after success the view records where the result
    lives, and a repeated submit is sent there instead of creating a duplicate.
    """

    nonce = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.nonce.data:
            self.nonce.data = uuid.uuid4().hex

    def already_done(self) -> str | None:
        """The URL of what this very form already created, if it was submitted before."""
        return session.get(_DONE, {}).get(self.nonce.data)

    def mark_done(self, url: str) -> None:
        done = dict(session.get(_DONE, {}))
        done[self.nonce.data] = url
        session[_DONE] = dict(list(done.items())[-10:])
