"""Domain errors that services raise and views turn into translated messages and 4xx codes."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db


class DomainError(Exception):
    """A rule refused the request; `message` is shown to the user, `status` is the HTTP code."""

    status = 400
    default = _l("The request could not be processed.")

    def __init__(self, message: str | None = None):
        self.message = message or str(self.default)
        super().__init__(self.message)


class NotVisible(DomainError):
    """The object does not exist for this user (404: existence is not leaked)."""

    status = 404
    default = _l("This page does not exist or you have no access to it.")


class NotAllowed(DomainError):
    """The user can see the object but may not do this to it."""

    status = 403
    default = _l("You are not allowed to do this.")


class InvalidTransition(DomainError):
    """The requested status change is not in the workflow from the current status."""

    status = 409


class StaleObject(DomainError):
    """Somebody else changed the object since the form was opened."""

    status = 409
    default = _l(
        "Someone else changed this item since you opened the form. "
        "Check the latest state below and submit again if still needed."
    )


class InvalidInput(DomainError):
    """Input that passed the form but breaks a rule (e.g. an owner who is not a DSV member)."""

    status = 422


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return _render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render_error(
            400, _("The form has expired or was sent twice. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        if error.code is None or error.code >= 500:
            db.session.rollback()  # the page itself must not trip over a failed transaction
        messages = {
            400: _("The request was not understood."),
            403: _("You are not allowed to do this."),
            404: _("This page does not exist or you have no access to it."),
            405: _("This action is not possible here."),
            413: _("The upload is too large."),
        }
        message = messages.get(error.code or 500, _("Something went wrong on our side."))
        return _render_error(error.code or 500, message)


def _render_error(status: int, message: str):
    if request.path.startswith("/api/"):
        from tracker.api.http import error_response

        return error_response(status, message)
    if request.path.startswith("/healthz"):
        return {"error": message}, status
    return render_template("errors/error.html", status=status, message=message), status
