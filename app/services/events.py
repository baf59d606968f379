"""Progress events: appended by workers to a Redis stream per job; their milestones kept in the database too."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import JobEvent, utcnow

log = logging.getLogger(__name__)

EVENT_TYPES = ("job", "agent", "file", "log", "review", "test", "usage", "done")
STREAM_MAXLEN = 10_000
# A finished job's stream stays in Redis this long; after that its history comes from the database.
STREAM_TTL_S = 7 * 24 * 3600
# Events a session will append once its transaction commits (see append_after_commit).
_PENDING = "codegen.events_after_commit"
# Every appended event is also published here (`<stream id> <event JSON without id>`): web processes listen with
# one PSUBSCRIBE each and fan events out to their sockets (app/web/fanout.py); the stream stays the record.
LIVE_PREFIX = "codegen:live:"
# XADD then PUBLISH in one step, so subscribers see a job's events in stream order even with several appenders.
_APPEND = redis.commands.core.Script(None, b"""
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id
""")


def stream_key(job_id: str) -> str:
    return f"codegen:job:{job_id}:events"


def live_channel(job_id: str) -> str:
    return f"{LIVE_PREFIX}{job_id}"


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


def is_milestone(event: Event) -> bool:
    """What the database keeps: every event but streamed model text, which lives in the Redis stream alone.

    A finished job's history (once Redis has let its stream go) is its milestones: agents, files, findings,
    checks, usage and the end; the model's running commentary is a live view, not a record.
    """
    return not (event.type == "log" and event.data.get("stream"))


def append_event(connection: redis.Redis, session: Session | None, event: Event) -> Event:
    """XADD the event to its job's stream and, when a session is given and it is a milestone, keep it there too."""
    if event.type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event.type!r}")
    now = utcnow()
    body = {**event.to_dict(), "timestamp": event.timestamp or _iso(now)}
    body.pop("id")
    key = stream_key(event.job_id)
    stream_id = _APPEND(keys=[key, live_channel(event.job_id)],
                        args=[STREAM_MAXLEN, json.dumps(body, separators=(",", ":"))], client=connection)
    stored = Event(**body, id=stream_id.decode())
    if event.type == "done":
        connection.expire(key, STREAM_TTL_S)
    if session is not None and is_milestone(stored):
        session.add(JobEvent(
            job_id=event.job_id, stream_id=stored.id, type=event.type, agent=event.agent,
            status=event.status, progress=event.progress, message=event.message,
            data=event.data, created_at=now,
        ))
    return stored


def append_after_commit(session: Session, connection: redis.Redis, event: Event) -> None:
    """Append `event` once `session` commits (nothing if it rolls back): whoever reads it finds the rows it announces.

    The `done` event goes this way, so a page that receives it reads the job's final row at once.
    """
    if event.type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event.type!r}")
    session.info.setdefault(_PENDING, []).append((connection, event))


@orm_event.listens_for(Session, "after_commit")
def _append_pending(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    pending = session.info.pop(_PENDING)
    # This session can emit no SQL any more; the events' own rows go in a short transaction of their own.
    with Session(bind=session.get_bind()) as writer:
        for connection, event in pending:
            try:
                with writer.begin():
                    append_event(connection, writer, event)
            except (redis.RedisError, SQLAlchemyError) as exc:
                log.warning("job %s: its %s event could not be appended: %s", event.job_id, event.type, exc)


@orm_event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction) -> None:
    """A transaction that ends without committing (rolled back, or closed) takes its pending events with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


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


def stream_position(stream_id: str) -> tuple[int, int]:
    """A stream id as a comparable pair: ids of one stream grow strictly."""
    return _stream_id_key(stream_id)


def _stream_id_key(stream_id: str) -> tuple[int, int]:
    millis, _, seq = stream_id.partition("-")
    return int(millis), int(seq or 0)
