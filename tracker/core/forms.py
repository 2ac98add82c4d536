"""Small helpers every feature's views use to turn form and rule failures into 4xx pages."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

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
