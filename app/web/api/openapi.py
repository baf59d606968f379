"""The OpenAPI 3.1 document, built from the routes themselves and the pydantic models they validate with.

Each API view carries an `Operation` (set by `@operation`); the document walks the app's URL map, so a
route cannot exist without being documented, and a model cannot change without the document following.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app import __version__
from app.web.api import bp

REF = "#/components/schemas/{model}"

STATUS_TEXT = {
    400: "The request could not be read (malformed JSON, empty body)",
    401: "No credentials, or credentials that are expired, revoked or not valid",
    403: "Authenticated, but not allowed to do this",
    404: "No such resource, or one the caller may not see",
    409: "The job is not in a state that allows this",
    413: "The body is larger than the service accepts",
    415: "The body is not JSON",
    422: "The body or the query names a field that is not valid; `details` lists each one",
    429: "Too many requests, or too many jobs queued or running at once; see Retry-After",
    503: "Redis (the job queue) is not answering; retry after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string"}}}


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: dict[int, type[BaseModel] | str | dict[str, Any]]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    tag: str = "jobs"
    headers: tuple[dict[str, Any], ...] = field(default=())


def operation(summary: str, *, responses: dict[int, type[BaseModel] | str | dict[str, Any]],
              body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              errors: tuple[int, ...] = (), tag: str = "jobs", headers: tuple[dict[str, Any], ...] = ()):
    """Describe a view for the document; `responses` maps a status to a model, a media type or a JSON schema."""

    def decorate(view):
        view.openapi = Operation(summary, responses, body, query, errors, tag, headers)
        return view

    return decorate


def public(view):
    """A view that needs no credentials."""
    view.public = True
    return view


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any unique string (at most 255 characters). Repeating a request with the same key returns "
                   "the job the first one created instead of creating another, for 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}

_PATH_PARAM = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")


def _openapi_path(rule: str) -> tuple[str, list[str]]:
    names = [m.group("name") for m in _PATH_PARAM.finditer(rule)]
    return _PATH_PARAM.sub(lambda m: "{" + m.group("name") + "}", rule), names


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        # An optional parameter is simply left out of a query string; it is never `null`.
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if branches:
            prop.update(branches[0] if len(branches) == 1 else {"anyOf": branches})
            if prop.get("default", ...) is None:
                prop.pop("default")
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def build_document(app: Flask) -> dict[str, Any]:
    from app.web.api.responses import ErrorResponse

    operations: list[tuple[str, str, list[str], Operation, Any]] = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "openapi", None)
        if op is None:
            raise RuntimeError(f"the API route {rule.rule} has no @operation; document it")
        path, names = _openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((path, method.lower(), names, op, view))

    models: set[tuple[type[BaseModel], str]] = {(ErrorResponse, "serialization")}
    for *_, op, _view in operations:
        if op.body is not None:
            models.add((op.body, "validation"))
        models.update((m, "serialization") for m in op.responses.values() if isinstance(m, type))
    refs, definitions = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF)

    paths: dict[str, dict[str, Any]] = {}
    for path, method, names, op, view in sorted(operations, key=lambda o: (o[0], o[1])):
        paths.setdefault(path, {})[method] = _operation(op, view, method, names, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Codegen Studio API", "version": __version__,
                 "description": "Submit code generation jobs, follow them and download what they generate. "
                                "Authenticate with `X-API-Key: <key>` or a bearer token from `POST /api/auth/token`; "
                                "live progress comes over the JSON WebSocket `/ws` (see docs/api.md)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
        "security": [{"bearerAuth": []}, {"apiKeyAuth": []}],
    }


def _operation(op: Operation, view, method: str, names: list[str], refs) -> dict[str, Any]:
    from app.web.api.responses import ErrorResponse

    error_schema = refs[(ErrorResponse, "serialization")]
    doc = (view.__doc__ or "").strip()
    result: dict[str, Any] = {
        "operationId": view.__name__,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [*(_path_parameter(n) for n in names), *(_query_parameters(op.query) if op.query else []),
                       *op.headers],
        "responses": {},
    }
    if doc:
        result["description"] = doc
    if getattr(view, "public", False):
        result["security"] = []
    if op.body is not None:
        result["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    for status, model in op.responses.items():
        if isinstance(model, str):
            content = {model: {"schema": {"type": "string", "contentMediaType": model}}}
        elif isinstance(model, dict):
            content = {"application/json": {"schema": model}}
        else:
            content = {"application/json": {"schema": refs[(model, "serialization")]}}
        result["responses"][str(status)] = {"description": "Success", "content": content}
    statuses = set(op.errors)
    if not getattr(view, "public", False):
        statuses |= {401, 403}
    for status in sorted(statuses):
        response: dict[str, Any] = {"description": STATUS_TEXT[status],
                                    "content": {"application/json": {"schema": error_schema}}}
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        result["responses"][str(status)] = response
    return result


def document(app: Flask) -> dict[str, Any]:
    """The document for `app`, built once."""
    if "codegen.openapi" not in app.extensions:
        app.extensions["codegen.openapi"] = build_document(app)
    return app.extensions["codegen.openapi"]


@bp.get("/openapi.json")
@public
@operation("This document: OpenAPI 3.1", responses={200: {"type": "object"}}, tag="meta")
def openapi_document():
    """Generated from the routes and the pydantic models that validate their requests and answers."""
    return jsonify(document(current_app))
