"""The OpenAPI 3.1 document, built from the route registry and the pydantic models, and its docs."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, jsonify, render_template
from pydantic.json_schema import models_json_schema

from . import schemas
from .registry import OPERATIONS, PREFIX, Operation

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    304: "Not modified (If-None-Match matched the ETag)",
    400: "Bad request (e.g. an invalid cursor)",
    401: "No valid token",
    403: "The token may not do this (read-only scope, or not allowed on this object)",
    404: "Not found, or not visible to this token's user",
    409: "Conflict: stale version or a transition the workflow does not allow",
    422: "Invalid input; `fields` says which",
    429: "Rate limit reached; see Retry-After",
}
COMMON_ERRORS = (401, 429)

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api")


def _components() -> tuple[dict, dict]:
    models = {schemas.Error}
    for op in OPERATIONS:
        models.add(op.response)
        if op.body is not None:
            models.add(op.body)
    inputs = {op.body for op in OPERATIONS}
    pairs = [(m, "validation" if m in inputs else "serialization") for m in models]
    pairs.sort(key=lambda pair: pair[0].__name__)
    refs, top = models_json_schema(pairs, ref_template=REF)
    return {m.__name__: refs[(m, mode)] for m, mode in pairs}, top.get("$defs", {})


def _query_parameters(model, defs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        variants = [v for v in prop.pop("anyOf", []) if v.get("type") != "null"]
        if len(variants) == 1:
            prop.update(variants[0])
        elif variants:
            prop["anyOf"] = variants
        if prop.get("default") is None:
            prop.pop("default", None)
        prop.pop("title", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _operation(op: Operation, refs: dict, defs: dict) -> dict:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
        for name in op.path_params
    ]
    if op.query is not None:
        params += _query_parameters(op.query, defs)
    error = {"application/json": {"schema": refs["Error"]}}
    responses: dict[str, Any] = {
        str(op.status): {
            "description": "OK" if op.status == 200 else "Created",
            "headers": {"ETag": {"schema": {"type": "string"}}} if op.method == "GET" else {},
            "content": {"application/json": {"schema": refs[op.response.__name__]}},
        }
    }
    codes = set(COMMON_ERRORS) | set(op.errors)
    if op.method == "GET":
        codes.add(304)
    if op.path_params:
        codes.add(404)
    if op.query is not None or op.body is not None:
        codes.add(422)
    if op.method != "GET":
        codes.add(403)
    for code in sorted(codes):
        responses[str(code)] = {"description": ERROR_TEXT[code]}
        if code != 304:
            responses[str(code)]["content"] = error
    doc: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
    }
    if op.method == "GET":
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        )
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[op.body.__name__]}},
        }
    return doc


@cache
def document() -> dict:
    """The whole OpenAPI 3.1 document (built once per process: the registry is static)."""
    refs, defs = _components()
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op, refs, defs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DSV escalation tracker API",
            "version": "1.0.0",
            "description": (
                "Read and answer escalations from a national party's own system. "
                "Authenticate with a personal API token: `Authorization: Bearer <token>`. "
                "Lists are cursor-paginated; reads carry a weak ETag; errors are "
                '`{"error": {"code", "message", "fields"}}` in the Accept-Language (nl or en).'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@docs_bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


@docs_bp.get("/docs")
def docs():
    return render_template("api/docs.html", doc=document())
