"""`Idempotency-Key`: a retried request returns the job the first one created, and never creates a second.

The key is reserved in Redis (SET NX) before the job is created and then pointed at the job, per user,
together with a fingerprint of the request, so that the same key cannot be reused for another request.
"""

from __future__ import annotations

import hashlib
import json
import re

import redis
from flask import request

from app.web.api.errors import ApiError

HEADER = "Idempotency-Key"
TTL_S = 24 * 3600
# A reservation whose request died before it finished frees itself after this long.
PENDING_TTL_S = 60
_VALID = re.compile(r"^[\x21-\x7e]{1,255}$")


def requested_key() -> str | None:
    value = request.headers.get(HEADER)
    if value is None:
        return None
    if not _VALID.match(value):
        raise ApiError(422, "validation_error", f"{HEADER}: use 1 to 255 printable ASCII characters, no spaces",
                       [{"field": f"header.{HEADER}", "message": "1 to 255 printable ASCII characters",
                         "type": "string_pattern_mismatch"}])
    return value


def fingerprint(action: str, payload: str) -> str:
    return hashlib.sha256(f"{action}\n{payload}".encode()).hexdigest()


class Reservation:
    """One user's use of one key: `job_id` is set when an earlier request already created the job."""

    def __init__(self, connection: redis.Redis, user_id: int, key: str, print_: str) -> None:
        self.connection = connection
        self.redis_key = f"codegen:idempotency:{user_id}:{hashlib.sha256(key.encode()).hexdigest()}"
        self.fingerprint = print_
        self.job_id: str | None = None

    def claim(self) -> Reservation:
        pending = json.dumps({"state": "pending", "fingerprint": self.fingerprint})
        for _attempt in range(2):
            if self.connection.set(self.redis_key, pending, nx=True, ex=PENDING_TTL_S):
                return self
            raw = self.connection.get(self.redis_key)
            if raw is None:
                continue  # it expired between the two calls
            stored = json.loads(raw)
            if stored["fingerprint"] != self.fingerprint:
                raise ApiError(422, "idempotency_key_reused",
                               f"this {HEADER} was used for a different request; use a new key for a new request")
            if stored["state"] == "pending":
                raise ApiError(409, "idempotency_key_in_use",
                               f"a request with this {HEADER} is still being processed; retry shortly",
                               headers={"Retry-After": "1"})
            self.job_id = stored["job_id"]
            return self
        raise ApiError(409, "idempotency_key_in_use", f"could not reserve this {HEADER}; retry shortly",
                       headers={"Retry-After": "1"})

    def complete(self, job_id: str) -> None:
        done = json.dumps({"state": "done", "fingerprint": self.fingerprint, "job_id": job_id})
        self.connection.set(self.redis_key, done, ex=TTL_S)

    def release(self) -> None:
        """Free the key after a request that created nothing, so that it can be retried."""
        try:
            raw = self.connection.get(self.redis_key)
            if raw is not None and json.loads(raw)["state"] == "pending":
                self.connection.delete(self.redis_key)
        except redis.RedisError:
            pass  # it expires by itself
