"""Readiness and liveness probes for load balancers and monitoring."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import UTC, datetime

import redis
from flask import Blueprint, current_app, jsonify
from rq.worker_registration import REDIS_WORKER_KEYS

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


class _SharedCheck:
    """Probes that arrive while a check runs wait for that check and share its answer, so a burst of load
    balancer polls costs one round of pings, and no answer is older than the check that produced it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Future | None = None

    def answer(self, check):
        with self._lock:
            running, leading = self._running, self._running is None
            if leading:
                running = self._running = Future()
        if not leading:
            return running.result()
        try:
            result = check()
            running.set_result(result)
            return result
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._running = None


@bp.get("/health")
def readiness():
    shared = current_app.extensions.setdefault("codegen.health", _SharedCheck())
    body, code = shared.answer(_check)
    return _no_store(jsonify(body)), code


def _check() -> tuple[dict, int]:
    components: dict[str, str] = {}
    errors: dict[str, str] = {}
    try:
        db.ping(PROBE_TIMEOUT_S)
        components["database"] = "healthy"
    except Exception as exc:  # noqa: BLE001 - any failure means the database is not usable
        components["database"] = "unhealthy"
        errors["database"] = type(exc).__name__

    workers = 0
    try:
        # One round trip: the ping and the number of registered RQ workers.
        _, workers = get_redis(PROBE_TIMEOUT_S).pipeline(transaction=False).ping().scard(REDIS_WORKER_KEYS).execute()
        components["redis"] = "healthy"
    except (redis.RedisError, OSError) as exc:
        components["redis"] = "unhealthy"
        errors["redis"] = type(exc).__name__

    settings = current_settings()
    # Configured, not probed: a readiness poll must not spend tokens or wait on a remote model.
    components["openai"] = "configured" if settings.openai_api_key else "unconfigured"
    if components["redis"] == "healthy":
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
    return body, code


@bp.get("/health/live")
def liveness():
    return _no_store(jsonify({"status": "alive", "service": SERVICE_NAME, "version": __version__,
                              "timestamp": _now()}))
