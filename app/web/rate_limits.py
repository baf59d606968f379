"""How the rate limiter is set up: where it counts, what it does while Redis is away, and when Retry-After is sent.

Redis holds the counts so that every web process shares them. When Redis does not answer within
STORAGE_TIMEOUT_S, each process counts in its own memory until Redis is back (Flask-Limiter's in-memory
fallback), so a request is never refused, or kept waiting, because the limiter's storage is away: the route
itself then answers as it does without Redis (the form kept with a "try again", a 503 on the API).
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.web.extensions import limiter

# A rate-limit check is one Redis round trip; longer than this and Redis is taken to be away.
STORAGE_TIMEOUT_S = 0.5
# Statuses where waiting helps; on any other answer Retry-After would only mislead.
RETRY_STATUSES = frozenset({429, 503})


def storage_uri(redis_url: str) -> str:
    return "redis+unix://" + redis_url.removeprefix("unix://") if redis_url.startswith("unix://") else redis_url


def is_probe() -> bool:
    """Load balancers' probes are never limited: they must not cost a Redis round trip, nor wait on one."""
    return request.path.startswith("/health")


def retry_after(seconds: int | str) -> str:
    """The Retry-After value this request's answer carries, whatever the limiter's headers say."""
    g.retry_after = str(seconds)
    return g.retry_after


def configure(app: Flask, redis_url: str) -> None:
    """Bind the limiter to `app`: counts in Redis, short timeouts, probes exempt, Retry-After only on 429/503."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(redis_url))
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
        "socket_timeout": STORAGE_TIMEOUT_S, "socket_connect_timeout": STORAGE_TIMEOUT_S,
        "retry": Retry(NoBackoff(), 0)})
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "codegen:limits")

    # after_request functions run last-registered first: registered before the limiter's, this one runs after it.
    @app.after_request
    def settle_retry_after(response: Response) -> Response:
        if response.status_code not in RETRY_STATUSES:
            response.headers.pop("Retry-After", None)  # the limiter adds one to every answer of a limited route
        elif g.get("retry_after"):
            response.headers["Retry-After"] = g.retry_after  # the limiter replaces it with its window's reset
        return response

    limiter.init_app(app)


limiter.request_filter(is_probe)
