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
def redis_client(url: str, timeout_s: float = 5.0) -> redis.Redis:
    """One pooled client per URL and timeout per process, so that polling opens no new connections."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=min(timeout_s, 2.0),
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


def job_queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)
