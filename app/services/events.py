"""Progress events: appended by workers to a Redis stream per job, mirrored into the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import JobEvent, utcnow

EVENT_TYPES = ("job", "agent", "file", "log", "review", "test", "usage", "done")
STREAM_MAXLEN = 10_000
# A finished job's stream stays in Redis this long; after that its history comes from the database.
STREAM_TTL_S = 7 * 24 * 3600


def stream_key(job_id: str) -> str:
    return f"codegen:job:{job_id}:events"


@dataclass(frozen=True)
class Event:
    job_id: str
    type: str
    agent: str | None = None
    status: str | None = None
    progress: int = 0
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: str = ""
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_stream(cls, stream_id: bytes | str, fields: dict[bytes, bytes]) -> Event:
        body = json.loads(fields[b"event"])
        sid = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
        return cls(**{**body, "id": sid})

    @classmethod
    def from_row(cls, row: JobEvent) -> Event:
        return cls(
            id=row.stream_id,
            job_id=row.job_id,
            type=row.type,
            agent=row.agent,
            status=row.status,
            progress=row.progress,
            message=row.message,
            data=row.data or {},
            timestamp=_iso(row.created_at),
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def append_event(connection: redis.Redis, session: Session | None, event: Event) -> Event:
    """XADD the event to its job's stream and, when a session is given, keep it in the database too."""
    if event.type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event.type!r}")
    now = utcnow()
    body = {**event.to_dict(), "timestamp": event.timestamp or _iso(now)}
    body.pop("id")
    key = stream_key(event.job_id)
    stream_id = connection.xadd(key, {"event": json.dumps(body, separators=(",", ":"))},
                                maxlen=STREAM_MAXLEN, approximate=True)
    stored = Event(**body, id=stream_id.decode())
    if event.type == "done":
        connection.expire(key, STREAM_TTL_S)
    if session is not None:
        session.add(JobEvent(
            job_id=event.job_id, stream_id=stored.id, type=event.type, agent=event.agent,
            status=event.status, progress=event.progress, message=event.message,
            data=event.data, created_at=now,
        ))
    return stored


def read_events(connection: redis.Redis, job_id: str, after: str = "0-0", count: int = 500) -> list[Event]:
    """Events strictly after the stream id `after`, oldest first."""
    entries = connection.xrange(stream_key(job_id), min=f"({after}" if after != "0-0" else "-", count=count)
    return [Event.from_stream(sid, fields) for sid, fields in entries]


def wait_events(connection: redis.Redis, job_id: str, after: str, block_ms: int = 5000) -> list[Event]:
    """Block until events newer than `after` arrive (or the timeout passes)."""
    answer = connection.xread({stream_key(job_id): after}, block=block_ms, count=500)
    if not answer:
        return []
    (_key, entries), = answer
    return [Event.from_stream(sid, fields) for sid, fields in entries]


def stored_events(session: Session, job_id: str, after: str = "0-0") -> list[Event]:
    """The database's copy, for jobs whose stream Redis no longer has."""
    rows = session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id))
    return [Event.from_row(row) for row in rows if _stream_id_key(row.stream_id) > _stream_id_key(after)]


def history(connection: redis.Redis, session: Session, job_id: str, after: str = "0-0") -> Iterator[Event]:
    """Every event after `after`: from Redis while the stream exists, else from the database."""
    if connection.exists(stream_key(job_id)):
        while True:
            batch = read_events(connection, job_id, after)
            yield from batch
            if len(batch) < 500:
                return
            after = batch[-1].id
    else:
        yield from stored_events(session, job_id, after)


def _stream_id_key(stream_id: str) -> tuple[int, int]:
    millis, _, seq = stream_id.partition("-")
    return int(millis), int(seq or 0)
