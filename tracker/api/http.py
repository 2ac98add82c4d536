"""The API's HTTP glue: token auth and scope, JSON errors, input parsing, cursors, ETags."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, and_, or_

from tracker.auth.models import User
from tracker.core.errors import DomainError, NotAllowed, StaleObject
from tracker.extensions import db

from . import tokens
from .models import ApiToken, Scope

M = TypeVar("M", bound=BaseModel)

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "conflict",
    413: "invalid",
    415: "invalid",
    422: "invalid",
    429: "rate_limited",
}


class InvalidFields(DomainError):
    """Input that does not match the request schema: 422 with a message per field."""

    status = 422

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__(_("Some values are missing or not valid."))


class BadCursor(DomainError):
    status = 400


def error_response(status: int, message: str, fields: dict[str, str] | None = None) -> Response:
    """The one error shape of the API: {"error": {"code", "message", "fields"}}."""
    body = {"code": CODES.get(status, "server_error"), "message": message, "fields": fields or {}}
    response = jsonify(error=body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def domain_error_response(error: DomainError) -> Response:
    message = error.message
    if isinstance(error, StaleObject) and message == str(StaleObject.default):
        message = _("This item changed since you read it: read it again and send its new version.")
    response = error_response(error.status, message, getattr(error, "fields", None))
    if isinstance(error, tokens.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def authenticate() -> None:
    """Before every API request: a valid token, write scope for changes, within the rate limit."""
    token = tokens.authenticate(request.headers.get("Authorization"))
    g.api_token_id = token.id
    g.api_user = token.user
    tokens.count_request(token)
    if request.method not in ("GET", "HEAD") and token.scope != Scope.WRITE:
        raise NotAllowed(_("This API token may only read."))


def actor() -> User:
    return g.api_user


def token_scope() -> str:
    return db.session.get(ApiToken, g.api_token_id).scope


def conditional(response: Response) -> Response:
    """A weak ETag on successful reads; If-None-Match with the same tag answers 304."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag(weak=True)
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    return response


# -- Input -----------------------------------------------------------------------------------------


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not known.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(options)s.", options=ctx.get("expected", ""))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _("This number is out of range.")
    if kind in ("string_too_short", "too_short", "string_pattern_mismatch"):
        return _("This field may not be empty.")
    if kind in ("string_too_long", "too_long"):
        return _("This is too long.")
    if kind.startswith("datetime") or kind == "timezone_aware":
        return _("Enter a date and time in ISO 8601 with a time zone, e.g. 2026-01-31T09:00:00Z.")
    if kind in ("string_type", "list_type", "model_type", "dict_type"):
        return _("This value has the wrong type.")
    return _("This value is not valid.")


def validate(model: type[M], data: Any) -> M:
    """`data` as `model`, or InvalidFields with a translated message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "body"
            fields.setdefault(key, _message(item))
        raise InvalidFields(fields) from None


def query_args(model: type[M]) -> M:
    return validate(model, request.args.to_dict())


def json_body(model: type[M]) -> M:
    data = request.get_json(silent=True)
    if data is None:
        raise InvalidFields({"body": _("Send a JSON object with Content-Type: application/json.")})
    return validate(model, data)


# -- Cursor pagination -------------------------------------------------------------------------


def encode_cursor(key: Any, row_id: int) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, datetime_key: bool) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, row_id = json.loads(raw)
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError
        if datetime_key:
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                raise ValueError
        elif not isinstance(key, int) or isinstance(key, bool):
            raise ValueError
        return key, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(_("This cursor is not valid; start again without one.")) from None


def page(query: Select, id_column, limit: int, cursor: str | None, key_column=None) -> tuple:
    """One page ordered by (key, id) ascending, and the cursor of the next page (or None)."""
    key_column = key_column if key_column is not None else id_column
    datetime_key = key_column is not id_column
    if cursor:
        key, row_id = _decode_cursor(cursor, datetime_key)
        query = query.where(
            or_(key_column > key, and_(key_column == key, id_column > row_id))
            if datetime_key
            else id_column > row_id
        )
    query = query.order_by(None).order_by(key_column, id_column).limit(limit + 1)
    rows: Sequence = db.session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    key_name = key_column.key
    return rows, encode_cursor(getattr(last, key_name), last.id)
