"""One reader per web process: Redis pub/sub fanned out to this process's sockets.

Workers append each event to its job's stream and publish it, in one step, on `codegen:live:<job id>`
(app/services/events.py); access changes go to `codegen:access` (app/services/access_changes.py). A single
background thread here holds the process's only pub/sub connection (PSUBSCRIBE to both) and puts each message in
the inbox of every local socket that follows its job, then wakes that socket. A socket therefore holds no Redis
connection and costs nothing while no event comes; it sends from its own greenlet, so a slow client delays only
itself. A JSON socket that is idle with room in its send buffer takes the event's frame from the reader at once
(`Listener.deliver_now`), which spares a thousand sockets a thousand wake-ups per event.

No gap, no duplicate: a socket registers for a job before it reads the job's history, and skips queued events
whose stream id is not past the last one it sent. After the reader loses Redis, it reconnects and tells every
socket to `resync`: each reads its streams from its own cursors.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.services.access_changes import ACCESS_CHANNEL, configure_publisher
from app.services.events import LIVE_PREFIX, Event, stream_position
from app.services.queues import redis_client
from app.web.ws_transport import text_frame

log = logging.getLogger(__name__)

RECONNECT_S = (0.1, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class LiveEvent:
    """One published event, decoded once for every socket that receives it."""

    job_id: str
    id: str
    body: str  # the event's JSON without its id

    @cached_property
    def position(self) -> tuple[int, int]:
        return stream_position(self.id)

    @cached_property
    def json_text(self) -> str:
        """The event as `/ws` sends it (DESIGN.md's shape, `id` included)."""
        return f'{self.body[:-1]},"id":"{self.id}"}}'

    @cached_property
    def frame(self) -> bytes:
        """`json_text` as a WebSocket frame, encoded once for all the sockets that send it."""
        return text_frame(self.json_text)

    def event(self) -> Event:
        return Event(**{**json.loads(self.body), "id": self.id})


class Listener:
    """A socket's inbox: events of the jobs it follows, `("access", change)` and `("resync", None)`.

    A socket that can take an event at once from the reader sets `deliver_now` (returning False when it cannot:
    busy, a full send buffer, an inbox not yet sent); the event then waits in the inbox for the socket's own loop."""

    __slots__ = ("__weakref__", "deliver_now", "inbox", "jobs", "wake")

    def __init__(self, wake: threading.Event, deliver_now: Callable[[LiveEvent], bool] | None = None) -> None:
        self.wake = wake
        self.deliver_now = deliver_now
        self.jobs: set[str] = set()
        self.inbox: deque[Any] = deque()

    def put(self, item: Any) -> None:
        self.inbox.append(item)
        self.wake.set()

    def take(self) -> list[Any]:
        items = []
        while self.inbox:
            items.append(self.inbox.popleft())
        return items


class Hub:
    def __init__(self) -> None:
        self.connection_factory: Callable[[], redis.Redis] | None = None
        self._lock = threading.Lock()
        self._by_job: dict[str, set[Listener]] = {}
        self._listeners: set[Listener] = set()
        self._pid = 0
        self.ready = threading.Event()

    # --- sockets ---------------------------------------------------------------------------------------

    def attach(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.add(listener)
        self._ensure_reader()

    def follow(self, listener: Listener, job_id: str, wait_s: float = 5.0) -> bool:
        """Queue `job_id`'s events for `listener` from now on; False when the reader cannot reach Redis."""
        with self._lock:
            self._listeners.add(listener)
            self._by_job.setdefault(job_id, set()).add(listener)
            listener.jobs.add(job_id)
        self._ensure_reader()
        return self.ready.wait(wait_s)

    def unfollow(self, listener: Listener, job_id: str) -> None:
        with self._lock:
            listener.jobs.discard(job_id)
            followers = self._by_job.get(job_id)
            if followers is not None:
                followers.discard(listener)
                if not followers:
                    del self._by_job[job_id]

    def detach(self, listener: Listener) -> None:
        for job_id in list(listener.jobs):
            self.unfollow(listener, job_id)
        with self._lock:
            self._listeners.discard(listener)

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    # --- the reader ------------------------------------------------------------------------------------

    def _ensure_reader(self) -> None:
        if self._pid == os.getpid() or self.connection_factory is None:
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a forked gunicorn worker starts its own reader
            self.ready.clear()
            threading.Thread(target=self._read_forever, name="event-fanout", daemon=True).start()

    def _read_forever(self) -> None:
        failures = 0
        while True:
            pubsub = None
            try:
                pubsub = self.connection_factory().pubsub(ignore_subscribe_messages=False)
                pubsub.psubscribe(f"{LIVE_PREFIX}*")
                pubsub.subscribe(ACCESS_CHANNEL)
                confirmed = 0
                for message in pubsub.listen():
                    kind = message["type"]
                    if kind in ("psubscribe", "subscribe"):
                        if kind == "psubscribe" and failures:
                            # Before any event of the new connection, so that no socket's cursor moves past
                            # what was published while the reader was away.
                            self._broadcast(("resync", None))
                        confirmed += 1
                        if confirmed == 2:
                            failures = 0
                            self.ready.set()
                    elif kind == "pmessage":
                        self._dispatch(message["channel"], message["data"])
                    elif kind == "message":
                        self._broadcast(("access", json.loads(message["data"])))
            except (redis.RedisError, OSError, ValueError) as exc:
                log.warning("event fan-out lost Redis (%s); reconnecting", exc)
            except Exception:  # the process's only reader must outlive any one bad message
                log.exception("event fan-out failed; restarting it")
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except (redis.RedisError, OSError):
                        pass
            self.ready.clear()
            time.sleep(RECONNECT_S[min(failures, len(RECONNECT_S) - 1)])
            failures += 1

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        job_id = channel.decode()[len(LIVE_PREFIX):]
        with self._lock:
            followers = list(self._by_job.get(job_id, ()))
        if not followers:
            return
        stream_id, _, body = data.decode().partition(" ")
        event = LiveEvent(job_id, stream_id, body)
        for listener in followers:
            try:
                taken = listener.deliver_now is not None and listener.deliver_now(event)
            except Exception:  # one socket's failure must not cost the others their event
                log.exception("sending an event at once failed; queueing it")
                taken = False
            if not taken:
                listener.put(event)

    def _broadcast(self, item: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener.put(item)


def pubsub_client(url: str) -> redis.Redis:
    """The reader's own connection: no read timeout (it waits for events), no silent reconnect (a reconnect must
    make the sockets resync, so the reader has to see every loss)."""
    options = {} if url.startswith("unix://") else {"socket_keepalive": True}
    return redis.Redis.from_url(url, socket_connect_timeout=2.0, retry=Retry(NoBackoff(), 0), **options)


hub = Hub()


def register(redis_url: str) -> None:
    """Point this process's reader at Redis, and announce the access changes it commits there."""
    hub.connection_factory = lambda: pubsub_client(redis_url)
    configure_publisher(lambda: redis_client(redis_url, 2.0))
