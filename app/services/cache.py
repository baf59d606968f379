"""Figures shared through Redis, stale while one process recomputes them: however many requests arrive,
at most one process per `fresh_s` runs the expensive queries, and nobody waits for it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

log = logging.getLogger(__name__)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class SharedCopy:
    """One value under `key`: served as is while younger than `fresh_s`; then the one process that takes the
    lock recomputes it while every other keeps serving the stale copy (kept `keep_s` seconds). Without Redis,
    each call computes. `to_json` and `from_json` carry values that JSON cannot hold as they are."""

    key: str
    fresh_s: float
    keep_s: int
    lock_s: int = 30
    to_json: Callable[[Any], Any] = _same
    from_json: Callable[[Any], Any] = _same

    @property
    def lock_key(self) -> str:
        return f"{self.key}:lock"

    def get(self, connection: redis.Redis | None, compute: Callable[[], Any],
            now: Callable[[], float] = time.time) -> tuple[Any, float]:
        """The value and when it was computed (seconds since the epoch)."""
        if connection is not None:
            try:
                cached = self._read(connection)
                if cached is not None:
                    value, computed_at = cached
                    if now() - computed_at < self.fresh_s:
                        return cached
                    # Someone else is recomputing: serve the stale copy rather than pile on the database.
                    if not connection.set(self.lock_key, "1", nx=True, ex=self.lock_s):
                        return cached
            except redis.RedisError as exc:
                log.warning("shared copy %s unavailable: %s", self.key, exc)
                connection = None
        value, computed_at = compute(), now()
        if connection is not None:
            try:
                body = {"computed_at": computed_at, "value": self.to_json(value)}
                connection.set(self.key, json.dumps(body), ex=self.keep_s)
                connection.delete(self.lock_key)
            except redis.RedisError as exc:
                log.warning("could not share %s: %s", self.key, exc)
        return value, computed_at

    def _read(self, connection: redis.Redis) -> tuple[Any, float] | None:
        raw = connection.get(self.key)
        if not raw:
            return None
        try:
            body = json.loads(raw)
            return self.from_json(body["value"]), float(body["computed_at"])
        except (ValueError, KeyError, TypeError) as exc:  # an older format, or damaged: recompute
            log.warning("ignoring the shared copy %s: %s", self.key, exc)
            return None
