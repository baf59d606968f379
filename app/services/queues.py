"""Redis connections and the RQ queue that carries jobs to the workers."""

from __future__ import annotations

from functools import lru_cache

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

QUEUE_NAME = "codegen"


class QueueUnavailable(RuntimeError):
    """Redis did not take the job; the caller should tell its client to retry."""


@lru_cache(maxsize=16)
def redis_client(url: str, timeout_s: float = 5.0, retry_timeouts: bool = True) -> redis.Redis:
    """One pooled client per URL and timeout per process, so that polling opens no new connections.

    A call that fails to connect is tried once more (a pooled connection may be stale). Without
    `retry_timeouts`, a call that times out is not: a Redis that does not answer within `timeout_s` is
    taken to be away at once, so that a web request answers without it instead of waiting again (and
    again, for each retry nested in a connection's health check)."""
    errors = (redis.ConnectionError, redis.TimeoutError) if retry_timeouts else (redis.ConnectionError,)
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=min(timeout_s, 2.0),
        retry=Retry(NoBackoff(), 1, supported_errors=errors),
        health_check_interval=30,
    )


def job_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)
