"""The route registry: each API route declares its method, path, inputs, output and errors once.

The same declaration registers the Flask view, validates the request, serialises the response and
becomes the operation in the OpenAPI document, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, jsonify
from pydantic import BaseModel

from tracker.core.errors import DomainError
from tracker.extensions import csrf, db

from . import http

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no cookies: a bearer token cannot be sent by another site's form


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI style: /escalations/{escalation_id}
    endpoint: str
    summary: str
    tag: str
    response: type[BaseModel]
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    status: int

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    status: int = 200,
) -> Callable:
    """Register `func(actor, **path_ids, query=..., body=...)` as an API route returning a model."""

    def decorator(func: Callable) -> Callable:
        op = Operation(
            method, path, func.__name__, summary, tag, response, query, body, errors, status
        )
        OPERATIONS.append(op)

        @wraps(func)
        def view(**path_args):
            kwargs = dict(path_args)
            if query is not None:
                kwargs["query"] = http.query_args(query)
            if body is not None:
                kwargs["body"] = http.json_body(body)
            result = func(http.actor(), **kwargs)
            output = jsonify(response.model_validate(result).model_dump(mode="json"))
            output.status_code = status
            return output

        bp.add_url_rule(
            re.sub(r"\{(\w+)\}", r"<int:\1>", path), func.__name__, view, methods=[method]
        )
        return func

    return decorator


@bp.before_request
def _authenticate():
    http.authenticate()


@bp.after_request
def _conditional(response):
    return http.conditional(response)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    return http.domain_error_response(error)
