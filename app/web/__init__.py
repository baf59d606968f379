"""The web layer: `create_app()` builds the Flask app from its extensions, blueprints and sockets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app import db
from app.settings import Settings, load_settings


def create_app(overrides: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the Flask app. `overrides` replace settings fields (lower case) or Flask config keys (upper case)."""
    overrides = dict(overrides or {})
    settings = settings or load_settings()
    settings = settings.with_overrides(**{k: v for k, v in overrides.items() if k.islower()})

    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder="../../templates",
        static_folder="../../static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})
    app.extensions["codegen.settings"] = settings
    db.configure(settings.database_url)

    register_monitoring(app)
    register_live_events(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.web import rate_limits
    from app.web.extensions import csrf, htmx, login_manager, sock

    settings: Settings = app.extensions["codegen.settings"]
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life, so long forms never expire
    csrf.init_app(app)
    htmx.init_app(app)
    rate_limits.configure(app, settings.effective_redis_url)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    sock.init_app(app)


def register_monitoring(app: Flask) -> None:
    from app.web import request_limits
    from app.web.monitoring import register_monitoring as register

    register(app)  # first, so that every request, even one refused by an extension, has a request id
    request_limits.register(app)  # then an oversized URL or header is refused before anything reads it


def register_live_events(app: Flask) -> None:
    from app.web.fanout import register as register_fanout

    register_fanout(app.extensions["codegen.settings"].effective_redis_url)


def register_blueprints(app: Flask) -> None:
    from app.web.account import bp as account_bp
    from app.web.admin import bp as admin_bp
    from app.web.api import bp as api_bp
    from app.web.auth import bp as auth_bp
    from app.web.extensions import csrf
    from app.web.health import bp as health_bp
    from app.web.jobs import bp as jobs_bp
    from app.web.monitoring import bp as monitoring_bp
    from app.web.realtime import bp as realtime_bp

    csrf.exempt(api_bp)  # the API takes tokens, never the session cookie, so it cannot be forged cross-site
    for blueprint in (health_bp, auth_bp, account_bp, jobs_bp, api_bp, admin_bp, realtime_bp, monitoring_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from app.web.common import register_error_handlers, register_security_headers, register_session_teardown

    register_error_handlers(app)
    register_security_headers(app)
    register_session_teardown(app)
