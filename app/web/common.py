"""Helpers for the web layer: the request's database session, Redis, settings and error answers."""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app import db
from app.services.queues import redis_client
from app.settings import Settings


def current_settings() -> Settings:
    return current_app.extensions["codegen.settings"]


def get_session() -> Session:
    """One database session per request, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = db.Session()
    return g.db_session


# A web request waits at most this long for a Redis call (a timeout is not retried) before it answers with what
# it has without Redis; Redis answers the web's calls in about a millisecond when it answers at all.
REDIS_TIMEOUT_S = 1.0


def get_redis(timeout_s: float = REDIS_TIMEOUT_S) -> redis.Redis:
    return redis_client(current_settings().effective_redis_url, timeout_s, retry_timeouts=False)


def error_response(status: int, code: str, message: str, details: Any = None):
    body = {"success": False, "error": {"code": code, "message": message, "details": details}}
    return jsonify(body), status


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/health", "/ws")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


ERROR_PAGES = {
    400: ("Bad request", "The request could not be understood. Check what you sent and try again."),
    403: ("Not allowed", "Your account may not see this page. Ask its owner to share it with you."),
    404: ("Not found", "There is nothing here. The link may be old, or the job may have been deleted."),
    405: ("Not allowed", "This page does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this service accepts."),
    414: ("Address too long", "The address of this page is longer than this service accepts."),
    431: ("Headers too large", "Your browser sent more header data than this service accepts; clearing this "
                               "site's cookies may help."),
    429: ("Slow down", "Too many requests in a short time. Wait a moment, then try again."),
    500: ("Something went wrong", "The server failed to answer. The error was logged; please try again."),
    503: ("Unavailable", "A service this page needs is not answering. Please try again shortly."),
}


def error_page(status: int, message: str | None = None):
    title, default = ERROR_PAGES.get(status, ("Error", "Something went wrong."))
    return render_template("errors/error.html", code=status, title=title, message=message or default), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = error_response(status, code, exc.description or exc.name)
        elif status in ERROR_PAGES:
            response = error_page(status, exc.description if status in (400, 413, 414, 429, 431) else None)
        else:
            return exc
        if getattr(exc, "response", None) is not None and exc.response.headers.get("Retry-After"):
            body, code_ = response
            wrapped = make_response(body, code_)
            wrapped.headers["Retry-After"] = exc.response.headers["Retry-After"]
            return wrapped
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            wrapped = make_response(*response) if isinstance(response, tuple) else response
            wrapped.headers["Allow"] = ", ".join(exc.valid_methods)  # RFC 9110: a 405 says what is allowed
            return wrapped
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return error_response(500, "internal_error", "the server failed to answer; the error was logged")
        return error_page(500)


def register_session_teardown(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def is_fragment_request() -> bool:
    """A fragment is for an HTMX request that is not a history restore (which needs the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def page_or_fragment(page: str, fragment: str, status: int = 200, **context: Any):
    """Render the whole page, or only its fragment for HTMX; caches keep the two apart."""
    template = fragment if is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
