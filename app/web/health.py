"""Readiness and liveness probes for load balancers and monitoring."""

from __future__ import annotations

from datetime import UTC, datetime

import redis
from flask import Blueprint, jsonify
from rq import Worker

from app import SERVICE_NAME, __version__, db
from app.generation.sandbox import probe
from app.web.common import current_settings, get_redis

bp = Blueprint("health", __name__)

# Probes must answer quickly even when a dependency hangs.
PROBE_TIMEOUT_S = 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health")
def readiness():
    components: dict[str, str] = {}
    errors: dict[str, str] = {}
    try:
        db.ping(PROBE_TIMEOUT_S)
        components["database"] = "healthy"
    except Exception as exc:  # noqa: BLE001 - any failure means the database is not usable
        components["database"] = "unhealthy"
        errors["database"] = type(exc).__name__

    connection = get_redis(PROBE_TIMEOUT_S)
    try:
        connection.ping()
        components["redis"] = "healthy"
    except (redis.RedisError, OSError) as exc:
        components["redis"] = "unhealthy"
        errors["redis"] = type(exc).__name__

    settings = current_settings()
    # Configured, not probed: a readiness poll must not spend tokens or wait on a remote model.
    components["openai"] = "configured" if settings.openai_api_key else "unconfigured"
    if components["redis"] == "healthy":
        workers = Worker.count(connection=connection)
        components["workers"] = "healthy" if workers else "none"
    # Probed once per process (a trivial run through the real sandbox). Never a 503 by itself: without it the
    # service still serves and jobs still complete, but model-written code is not run, so the status is degraded.
    sandbox = probe()
    components["sandbox"] = "healthy" if sandbox.available else f"unavailable: {sandbox.reason}"

    if errors:
        status, code = "unhealthy", 503
    elif components.get("workers") == "none" or not sandbox.available:
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    body = {
        "status": status,
        "service": SERVICE_NAME,
        "version": __version__,
        "timestamp": _now(),
        "components": components,
        "provider": settings.effective_provider,
    }
    if errors:
        body["errors"] = errors
    return _no_store(jsonify(body)), code


@bp.get("/health/live")
def liveness():
    return _no_store(jsonify({"status": "alive", "service": SERVICE_NAME, "version": __version__,
                              "timestamp": _now()}))
