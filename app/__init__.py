"""Codegen Studio: a multi-agent code generation service. `create_app()` builds the web app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import db
from .settings import Settings, load_settings

__version__ = "0.1.0"
SERVICE_NAME = "multi-agent-code-generation"


def create_app(overrides: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the Flask app. `overrides` replace settings fields (lower case) or Flask config keys (upper case)."""
    overrides = dict(overrides or {})
    settings = settings or load_settings()
    settings = settings.with_overrides(**{k: v for k, v in overrides.items() if k.islower()})

    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})
    app.extensions["codegen.settings"] = settings
    db.configure(settings.database_url)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from .extensions import htmx, login_manager, sock

    htmx.init_app(app)
    login_manager.init_app(app)
    sock.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .health import bp as health_bp
    from .realtime import bp as realtime_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(realtime_bp)


def register_errorhandlers(app: Flask) -> None:
    from .web import register_error_handlers, register_session_teardown

    register_error_handlers(app)
    register_session_teardown(app)
