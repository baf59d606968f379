"""Oversized URLs and headers answered 414 and 431 in the service's own error shape (limits: app/ops/http_limits.py)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

from app.ops.http_limits import MAX_HEADER_BYTES, MAX_HEADERS, MAX_TARGET_BYTES


def _target_bytes(environ: dict) -> int:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")  # gunicorn / werkzeug: the target as sent
    if raw is not None:
        return len(raw)
    query = environ.get("QUERY_STRING", "")
    return len(environ.get("PATH_INFO", "").encode("latin-1", "replace")) + (len(query) + 1 if query else 0)


def check_request_size() -> None:
    environ = request.environ
    if _target_bytes(environ) > MAX_TARGET_BYTES:
        raise RequestURITooLarge(f"the URL is longer than {MAX_TARGET_BYTES} bytes; send long data in a body")
    count = 0
    for key, value in environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            count += 1
            if len(key) + 2 + len(value) > MAX_HEADER_BYTES:
                name = key.removeprefix("HTTP_").replace("_", "-").title()
                raise RequestHeaderFieldsTooLarge(f"the {name} header is larger than {MAX_HEADER_BYTES} bytes")
    if count > MAX_HEADERS:
        raise RequestHeaderFieldsTooLarge(f"the request has more than {MAX_HEADERS} headers")


def register(app: Flask) -> None:
    app.before_request(check_request_size)
