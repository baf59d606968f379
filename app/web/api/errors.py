"""The API's errors in the shape of DESIGN.md, and the parsing of JSON bodies and query strings."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import redis
from flask import request
from pydantic import BaseModel, ValidationError

from app.services.queues import QueueUnavailable
from app.web.common import error_response
from app.web.rate_limits import retry_after

M = TypeVar("M", bound=BaseModel)

# Seconds a client should wait before retrying while Redis is away.
RETRY_AFTER_S = 5


class ApiError(Exception):
    """An answer other than success: its status, a machine-readable code and a message for people."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}

    def response(self):
        body, status = error_response(self.status, self.code, self.message, self.details)
        body.headers.update(self.headers)
        if "Retry-After" in self.headers:
            retry_after(self.headers["Retry-After"])
        return body, status


def field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_error(exc: ValidationError, where: str = "body") -> ApiError:
    """422 naming every field that failed, first one in the message."""
    details = [{"field": field_name(error["loc"]), "message": error["msg"], "type": error["type"]}
               for error in exc.errors(include_url=False, include_input=False)]
    first = details[0] if details else {"field": where, "message": "invalid"}
    return ApiError(422, "validation_error", f"{first['field']}: {first['message']}", details)


def json_body(model: type[M]) -> M:
    """The request's JSON body validated as `model`: 415 when it is not JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)  # reading past MAX_CONTENT_LENGTH raises 413
    if not raw.strip():
        raise ApiError(400, "empty_body", "the request body is empty; send a JSON object")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # the decoder recurses once per level; no request of this API nests deeply
        raise ApiError(400, "malformed_json", "the body is nested too deeply to be read") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


def query_args(model: type[M]) -> M:
    """The query string validated as `model` (every parameter given once)."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise validation_error(exc, "query") from None


def unavailable(exc: Exception):
    message = str(exc) if isinstance(exc, QueueUnavailable) else "Redis is not answering; retry shortly"
    return ApiError(503, "service_unavailable", message, headers={"Retry-After": str(RETRY_AFTER_S)}).response()


def register(bp) -> None:
    bp.register_error_handler(ApiError, lambda exc: exc.response())
    bp.register_error_handler(QueueUnavailable, unavailable)
    bp.register_error_handler(redis.ConnectionError, unavailable)
    bp.register_error_handler(redis.TimeoutError, unavailable)
