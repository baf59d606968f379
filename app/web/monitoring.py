"""Request ids, JSON access logs and request metrics for every request, and the `/metrics` endpoint."""

from __future__ import annotations

import logging
import time

import redis
from flask import Blueprint, Flask, Response, g, request
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from app import db
from app.ops.logs import accept_request_id, configure_logging, log_fields, request_id_var
from app.ops.metrics import SharedCollector, recorder
from app.services.queues import redis_client
from app.services.stats import metrics_snapshot
from app.web.common import get_redis

bp = Blueprint("monitoring", __name__)
access_log = logging.getLogger("codegen.access")

REQUEST_ID_HEADER = "X-Request-ID"


def is_websocket() -> bool:
    return request.environ.get("HTTP_UPGRADE", "").lower() == "websocket"


def register_monitoring(app: Flask) -> None:
    settings = app.extensions["codegen.settings"]
    if not app.testing:
        configure_logging()
    recorder.connection_factory = lambda: redis_client(settings.effective_redis_url, 2.0)

    @app.before_request
    def start_request() -> None:
        g.request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(g.request_id)

    @app.after_request
    def finish_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is None or is_websocket():
            return response
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        recorder.request(request.method, route, response.status_code, seconds)
        method, path, status = request.method, request.path, response.status_code
        log_fields(access_log, f"{method} {path} {status}", {
            "method": method, "path": path, "route": route, "status": status,
            "duration_ms": round(seconds * 1000, 2), "remote_addr": request.remote_addr})
        return response

    @app.teardown_request
    def forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id_var.reset(token)
            except ValueError:  # set in another context (a streamed response); nothing to undo here
                pass


@bp.get("/metrics")
def metrics():
    """Prometheus text: requests and latencies per route, jobs, queue, workers, agents, tokens, cost, sockets."""
    connection = get_redis(2.0)
    try:
        recorder.flush(connection)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(SharedCollector(connection, lambda: metrics_snapshot(db.Session, connection)))
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = encoder(registry)
    except (redis.RedisError, OSError) as exc:
        return Response(f"# Redis is not answering: {exc}\n", status=503, mimetype="text/plain",
                        headers={"Retry-After": "5"})
    return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

