"""One `/ws` socket's side of the protocol (app/web/realtime.py): who it is, what it follows, the last event id it
was sent per job, and what it sends: history, live events from the fan-out (app/web/fanout.py), heartbeats."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from app import db
from app.models import Job, User
from app.services.access import can_view
from app.services.events import Event, history, read_events, stream_position
from app.web.fanout import Listener, LiveEvent, hub
from app.web.ws_transport import Channel

MAX_SUBSCRIPTIONS = 20
MAX_MESSAGE_BYTES = 4096
# A socket with subscriptions checks its access again at least this often (sooner on an access change).
ACCESS_RECHECK_S = 60.0
STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
DEFAULTS = {"WS_HEARTBEAT_S": 20.0, "WS_IDLE_TIMEOUT_S": 120.0, "WS_AUTH_TIMEOUT_S": 10.0}
CLOSE_NORMAL, CLOSE_UNSUPPORTED, CLOSE_POLICY, CLOSE_TOO_BIG, CLOSE_ERROR = 1000, 1003, 1008, 1009, 1011
# Application code (4000-4999), as HTTP 403: the account or the job's visibility ended while the socket was open.
CLOSE_ACCESS_REVOKED = 4403


UNAVAILABLE = 'the event stream is unavailable; reconnect and resume with "after"'


class Close(Exception):
    """Ends the socket with a close code and a reason the client can read."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Limits:
    heartbeat_s: float
    idle_timeout_s: float
    auth_timeout_s: float

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(*(float(config.get(name, default)) for name, default in DEFAULTS.items()))


class Subscriber:
    """One socket: who it is, what it follows and the last event id it was sent per job."""

    def __init__(self, channel: Channel, connection: redis.Redis, user_id: int | None, secret: str,
                 limits: Limits) -> None:
        self.channel, self.connection, self.user_id = channel, connection, user_id
        self.secret, self.limits = secret, limits
        self.cursors: dict[str, str] = {}  # changed under `channel.lock` only: the fan-out's reader reads them
        self.closing = False  # set under the lock once the socket is to close: the reader sends nothing more
        # Only a socket that sends pre-encoded frames (no extension) can take an event from the reader at once.
        self.listener = Listener(channel.wake, self.deliver_now if channel.plain() else None)
        self.access_checked = time.monotonic()

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(json.dumps(message, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        self.channel.send(text)
        self.last_sent = time.monotonic()

    def serve(self) -> None:
        opened = self.last_heard = self.last_sent = time.monotonic()
        hub.attach(self.listener)
        try:
            while True:
                self.channel.wait(self._quiet_wait(opened))
                for raw in self.channel.receive_ready():
                    self.last_heard = time.monotonic()
                    self.handle(raw)
                self.deliver()
                now = time.monotonic()
                if self.user_id is None and now - opened >= self.limits.auth_timeout_s:
                    raise Close(CLOSE_POLICY, 'authentication timeout: send {"type": "auth", "token": ...} first')
                if not self.cursors and now - self.last_heard >= self.limits.idle_timeout_s:
                    raise Close(CLOSE_NORMAL, "idle timeout: no message and no subscription")
                if self.cursors and now - self.access_checked >= ACCESS_RECHECK_S:
                    self.check_access()
                if now - self.last_sent >= self.limits.heartbeat_s:
                    self.send({"type": "heartbeat", "timestamp": _now()})
        finally:
            with self.channel.lock:
                self.closing = True
            hub.detach(self.listener)

    def _quiet_wait(self, opened: float) -> float:
        """Sleep until the next heartbeat, timeout or access check is due (a message or an event wakes it sooner)."""
        now = time.monotonic()
        deadlines = [self.last_sent + self.limits.heartbeat_s]
        if self.cursors:
            deadlines.append(self.access_checked + ACCESS_RECHECK_S)
        else:
            deadlines.append(self.last_heard + self.limits.idle_timeout_s)
        if self.user_id is None:
            deadlines.append(opened + self.limits.auth_timeout_s)
        return max(0.0, min(deadlines) - now)

    # --- client messages --------------------------------------------------------------------------------

    def handle(self, raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            raise Close(CLOSE_UNSUPPORTED, "binary messages are not accepted; send JSON text")
        if len(raw) > MAX_MESSAGE_BYTES:
            raise Close(CLOSE_TOO_BIG, f"message too big (at most {MAX_MESSAGE_BYTES} bytes)")
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):  # a small message can nest deeper than the parser recurses
            raise Close(CLOSE_UNSUPPORTED, "malformed JSON") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise Close(CLOSE_UNSUPPORTED, 'each message must be a JSON object with a "type"')
        kind = message["type"]
        if self.user_id is None and kind != "auth":
            raise Close(CLOSE_POLICY, 'authentication required: send {"type": "auth", "token": ...} first')
        handler = {"auth": self.authenticate, "subscribe": self.subscribe, "unsubscribe": self.unsubscribe,
                   "ping": self.ping}.get(kind)
        if handler is None:
            raise Close(CLOSE_UNSUPPORTED, f"unknown message type {kind[:40]!r}")
        handler(message)

    def ping(self, message: dict[str, Any]) -> None:
        self.send({"type": "pong", "data": message.get("data")})

    def authenticate(self, message: dict[str, Any]) -> None:
        from app.web.api.auth import AuthError, authenticate, touch

        if self.user_id is not None:
            self.error("already_authenticated", "this socket is already signed in")
            return
        token = message.get("token")
        if not isinstance(token, str) or not token or len(token) > 2000:
            raise Close(CLOSE_POLICY, 'authentication failed: "token" must be a JWT or an API key')
        with db.Session() as session:
            try:
                key = authenticate(session, token, self.secret)
            except AuthError as exc:
                raise Close(CLOSE_POLICY, f"authentication failed: {exc}") from None
            touch(session, key)
            self.user_id = key.user_id
        self.send({"type": "authenticated", "user_id": self.user_id})

    def subscribe(self, message: dict[str, Any]) -> None:
        job_id, after = message.get("job_id"), message.get("after") or "0-0"
        if not isinstance(job_id, str) or not 0 < len(job_id) <= 64:
            self.error("invalid", '"job_id" must be a job id')
            return
        if not isinstance(after, str) or not (after == "0" or STREAM_ID.match(after)):
            self.error("invalid", '"after" must be an event id such as "1700000000000-0"', job_id)
            return
        after = "0-0" if after == "0" else after
        if job_id not in self.cursors and len(self.cursors) >= MAX_SUBSCRIPTIONS:
            raise Close(CLOSE_POLICY, f"too many subscriptions (at most {MAX_SUBSCRIPTIONS} per socket)")
        self._forget(job_id)  # live events queue until the history below is sent (deliver_now needs a cursor)
        with db.Session() as session:
            user = session.get(User, self.user_id)
            job = session.get(Job, job_id)
            status = job.status if job is not None and can_view(user, job) else None
        if status is None:
            self.error("not_found", f"there is no job {job_id} that you may see", job_id)
            return
        # Live events queue from here on; those the history below also holds are skipped by their id.
        if not hub.follow(self.listener, job_id):
            raise Close(CLOSE_ERROR, UNAVAILABLE)
        self.send({"type": "subscribed", "job_id": job_id, "status": status, "after": after})
        cursor = after
        try:
            for event in self._history(job_id, after):
                self.send(event.to_dict())
                cursor = event.id
        except (redis.RedisError, OSError):
            raise Close(CLOSE_ERROR, UNAVAILABLE) from None
        with self.channel.lock:
            self.cursors[job_id] = cursor

    def _history(self, job_id: str, after: str) -> Iterator[Event]:
        """`history`, holding no pooled database connection while a slow client reads it: the database's copy
        (of a job whose stream Redis has let go) is read whole by the first step, in a session closed before
        anything is sent; the stream in Redis is read batch by batch, without a session."""
        with db.Session() as session:
            events = history(self.connection, session, job_id, after)
            first = next(events, None)
        if first is not None:
            yield first
            yield from events

    def unsubscribe(self, message: dict[str, Any]) -> None:
        job_id = message.get("job_id")
        if isinstance(job_id, str):
            self._forget(job_id)
        self.send({"type": "unsubscribed", "job_id": job_id})

    def _forget(self, job_id: str) -> None:
        with self.channel.lock:
            self.cursors.pop(job_id, None)
        hub.unfollow(self.listener, job_id)

    def error(self, code: str, text: str, job_id: str | None = None) -> None:
        body: dict[str, Any] = {"type": "error", "error": {"code": code, "message": text}}
        if job_id is not None:
            body["job_id"] = job_id
        self.send(body)

    # --- events and access ---------------------------------------------------------------------------

    def deliver_now(self, event: LiveEvent) -> bool:
        """From the fan-out's reader thread: send `event` at once when this socket is idle. False leaves it for
        `deliver` (queued): the socket is busy, has queued items to send first, has no cursor yet for the job (its
        history is being sent), or cannot take the frame without waiting. True: the event is this socket's no more
        (sent, or already sent with the history, or the socket is closing)."""
        if not self.channel.lock.acquire(blocking=False):
            return False
        try:
            if self.closing:
                return True
            cursor = self.cursors.get(event.job_id)
            if self.listener.inbox or cursor is None:
                return False
            if event.position <= stream_position(cursor):
                return True
            if not self.channel.send_frame_now(event.frame):
                return False
            self.cursors[event.job_id] = event.id
            self.last_sent = time.monotonic()
            return True
        finally:
            self.channel.lock.release()

    def deliver(self) -> None:
        """Send what the fan-out queued: events past each job's cursor, a resync's catch-up, access re-checks.
        Under the socket's lock, so the reader's `deliver_now` cannot slip a later event in between."""
        with self.channel.lock:
            self.channel.flush()
            for item in self.listener.take():
                if isinstance(item, LiveEvent):
                    cursor = self.cursors.get(item.job_id)
                    if cursor is not None and item.position > stream_position(cursor):
                        self.channel.send_frame(item.frame, item.json_text)
                        self.last_sent = time.monotonic()
                        self.cursors[item.job_id] = item.id
                elif item[0] == "resync":
                    self.catch_up()
                elif item[0] == "access" and self._concerns(item[1]):
                    self.check_access()

    def catch_up(self) -> None:
        """After the fan-out lost Redis: what each followed stream holds past its cursor."""
        for job_id in list(self.cursors):
            try:
                while batch := read_events(self.connection, job_id, self.cursors[job_id]):
                    for event in batch:
                        self.send(event.to_dict())
                        self.cursors[job_id] = event.id
            except (redis.RedisError, OSError):
                raise Close(CLOSE_ERROR, UNAVAILABLE) from None

    def _concerns(self, change: dict[str, Any]) -> bool:
        return self.user_id in change.get("users", ()) or bool(set(change.get("jobs", ())) & self.cursors.keys())

    def check_access(self) -> None:
        """Close with CLOSE_ACCESS_REVOKED when the account is gone or inactive, or a followed job is out of sight."""
        self.access_checked = time.monotonic()
        if self.user_id is None:
            return
        with db.Session() as session:
            user = session.get(User, self.user_id)
            if user is None or not user.is_active:
                self._revoke("access revoked: this account is no longer active")
            for job_id in list(self.cursors):
                job = session.get(Job, job_id)
                if job is None or not can_view(user, job):
                    self._revoke(f"access revoked: you may no longer see job {job_id}")

    def _revoke(self, reason: str) -> None:
        with self.channel.lock:  # from here on the reader sends this socket nothing
            self.closing = True
        raise Close(CLOSE_ACCESS_REVOKED, reason)
