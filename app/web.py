"""Helpers for the web layer: the request's database session, Redis, settings and error answers."""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app, g, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from . import db
from .queues import redis_client
from .settings import Settings


def current_settings() -> Settings:
    return current_app.extensions["codegen.settings"]


def get_session() -> Session:
    """One database session per request, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = db.Session()
    return g.db_session


def get_redis(timeout_s: float = 5.0) -> redis.Redis:
    return redis_client(current_settings().effective_redis_url, timeout_s)


def error_response(status: int, code: str, message: str, details: Any = None):
    body = {"success": False, "error": {"code": code, "message": message, "details": details}}
    return jsonify(body), status


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/health", "/ws")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            return error_response(exc.code or 500, code, exc.description or exc.name)
        return exc

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return error_response(500, "internal_error", "the server failed to answer; the error was logged")
        return "Internal Server Error", 500


def register_session_teardown(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
