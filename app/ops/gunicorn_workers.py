"""gunicorn's worker classes, answering what gunicorn refuses itself in the service's error shape.

gunicorn reads the request line and the headers before the app sees them. What the app can judge it judges
itself (app/web/request_limits.py, with gunicorn given room to spare: app/ops/http_limits.py); a request line
longer than gunicorn's hard ceiling of 8,190 bytes, or a request gunicorn cannot parse at all, never reaches
the app. gunicorn answers those with an HTML page; these workers answer them as JSON in the shape of
docs (`{"success": false, "error": {"code", "message"}}`), the rest of gunicorn's handling unchanged.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http.errors import (
    ChunkMissingTerminator,
    InvalidChunkExtension,
    InvalidChunkSize,
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidRequestLine,
    InvalidRequestMethod,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
)
from gunicorn.workers.ggevent import GeventWorker as _GeventWorker
from gunicorn.workers.gthread import ThreadWorker as _ThreadWorker

from app.ops.http_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES

# gunicorn's status for each refusal, with the code and message the service gives it.
_REFUSALS: list[tuple[type[Exception], int, str, str, str]] = [
    (LimitRequestLine, 414, "URI Too Long", "request_uri_too_long",
     f"the URL is longer than {MAX_TARGET_BYTES} bytes; send long data in a body"),
    (LimitRequestHeaders, 431, "Request Header Fields Too Large", "request_header_fields_too_large",
     f"the request headers are larger than this service accepts (one header at most {MAX_HEADER_BYTES} bytes)"),
]
# Requests gunicorn cannot parse (answered 400); a response header the app got wrong stays gunicorn's 500.
_MALFORMED = (InvalidRequestLine, InvalidRequestMethod, InvalidHTTPVersion, InvalidHeader, InvalidHeaderName,
              ObsoleteFolding, InvalidChunkSize, ChunkMissingTerminator, InvalidChunkExtension)
_NOT_THE_CLIENTS = (InvalidResponseHeader, InvalidResponseHeaderName)


def _refusal(exc: Exception) -> tuple[int, str, str, str] | None:
    for kind, *refusal in _REFUSALS:
        if isinstance(exc, kind):
            return tuple(refusal)
    if isinstance(exc, _MALFORMED) and not isinstance(exc, _NOT_THE_CLIENTS):
        return 400, "Bad Request", "bad_request", f"the request is malformed: {exc}"
    return None


def error_response(exc: Exception) -> bytes | None:
    """The whole HTTP answer to a request gunicorn refused, or None for an error that is not the client's."""
    refusal = _refusal(exc)
    if refusal is None:
        return None
    status, reason, code, message = refusal
    body = json.dumps({"success": False, "error": {"code": code, "message": message}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class _ErrorShape:
    log: object

    def handle_error(self, req, client, addr, exc):
        answer = error_response(exc)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("", -1))[0], exc)
        try:
            util.write_nonblock(client, answer)
        except OSError:
            self.log.debug("Failed to send error message.")


class GeventWorker(_ErrorShape, _GeventWorker):
    pass


class ThreadWorker(_ErrorShape, _ThreadWorker):
    pass
