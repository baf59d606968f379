"""The numbers behind /admin/stats, from indexed range scans over recent jobs (no Flask here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.generation.agents import agent_names
from app.models import Job, JobEvent, JobStatus, utcnow
from app.services.cache import SharedCopy

HOURS = 48
DAYS = 30
DURATION_DAYS = 7
AGENT_JOBS = 200
# The duration histogram's buckets: (upper bound in seconds, label); the last one is open.
DURATION_BUCKETS = ((10, "< 10 s"), (30, "10-30 s"), (60, "30-60 s"), (120, "1-2 min"), (300, "2-5 min"),
                    (600, "5-10 min"), (1800, "10-30 min"), (None, "≥ 30 min"))


def _truncate(session: Session, column, unit: str):
    """A UTC hour or day as text ('2026-11-25 19' / '2026-11-25'), the same on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24" if unit == "hour" else "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d %H" if unit == "hour" else "%Y-%m-%d", column)


def _labels(now: datetime, count: int, unit: str) -> list[str]:
    step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
    fmt = "%Y-%m-%d %H" if unit == "hour" else "%Y-%m-%d"
    return [(now - step * i).strftime(fmt) for i in reversed(range(count))]


@dataclass
class Series:
    labels: list[str]
    by_status: dict[str, list[int]] = field(default_factory=dict)
    tokens: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)

    def success_rate(self) -> list[float | None]:
        done = self.by_status.get("completed", [0] * len(self.labels))
        failed = self.by_status.get("failed", [0] * len(self.labels))
        return [round(100 * d / (d + f), 1) if d + f else None for d, f in zip(done, failed, strict=True)]


def jobs_per_hour(session: Session, now: datetime, hours: int = HOURS) -> Series:
    since = (now - timedelta(hours=hours - 1)).replace(minute=0, second=0, microsecond=0)
    hour = _truncate(session, Job.created_at, "hour")
    rows = session.execute(select(hour, Job.status, func.count()).where(Job.created_at >= since)
                           .group_by(hour, Job.status))
    series = Series(_labels(now, hours, "hour"))
    index = {label: i for i, label in enumerate(series.labels)}
    for status in JobStatus:
        series.by_status[status.value] = [0] * hours
    for label, status, count in rows:
        if label in index and status in series.by_status:
            series.by_status[status][index[label]] = count
    return series


def per_day(session: Session, now: datetime, days: int = DAYS) -> Series:
    """Jobs by status, tokens and cost for each of the last `days` UTC days."""
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = _truncate(session, Job.created_at, "day")
    rows = session.execute(
        select(day, Job.status, func.count(), func.sum(Job.tokens_in + Job.tokens_out), func.sum(Job.cost_usd))
        .where(Job.created_at >= since).group_by(day, Job.status))
    series = Series(_labels(now, days, "day"))
    index = {label: i for i, label in enumerate(series.labels)}
    series.by_status = {s.value: [0] * days for s in JobStatus}
    series.tokens, series.cost = [0] * days, [0.0] * days
    for label, status, count, tokens, cost in rows:
        if label not in index:
            continue
        i = index[label]
        if status in series.by_status:
            series.by_status[status][i] = count
        series.tokens[i] += int(tokens or 0)
        series.cost[i] += float(cost or 0)
    return series


def duration_histogram(session: Session, now: datetime, days: int = DURATION_DAYS) -> list[tuple[str, int]]:
    """How long finished jobs created in the last `days` took, in buckets a person reads at a glance."""
    bounds = [bound for bound, _label in DURATION_BUCKETS[:-1]]
    bucket = case(*((Job.duration_ms < bound * 1000, i) for i, bound in enumerate(bounds)), else_=len(bounds))
    rows = dict(session.execute(select(bucket, func.count())
                                .where(Job.created_at >= now - timedelta(days=days), Job.duration_ms.is_not(None))
                                .group_by(bucket)).all())
    return [(label, rows.get(i, 0)) for i, (_bound, label) in enumerate(DURATION_BUCKETS)]


def agent_seconds(session: Session, last_jobs: int = AGENT_JOBS) -> list[tuple[str, float | None, int]]:
    """Average seconds each agent spent (first `started` to last `completed`/`failed` event) over the last
    `last_jobs` finished jobs, with how many runs the average covers."""
    recent = (select(Job.id).where(Job.finished_at.is_not(None))
              .order_by(Job.created_at.desc(), Job.id.desc()).limit(last_jobs).subquery())
    started = func.min(case((JobEvent.status == "started", JobEvent.created_at)))
    ended = func.max(case((JobEvent.status.in_(("completed", "failed")), JobEvent.created_at)))
    rows = session.execute(select(JobEvent.agent, started, ended)
                           .where(JobEvent.job_id.in_(select(recent.c.id)), JobEvent.type == "agent")
                           .group_by(JobEvent.job_id, JobEvent.agent))
    spans: dict[str, list[float]] = defaultdict(list)
    for agent, start, end in rows:
        if agent and start is not None and end is not None and end >= start:
            spans[agent].append((_aware(end) - _aware(start)).total_seconds())
    names = [*agent_names(), *sorted(set(spans) - set(agent_names()))]
    return [(a, round(sum(spans[a]) / len(spans[a]), 2) if spans[a] else None, len(spans[a])) for a in names]


def _aware(moment: datetime | str) -> datetime:
    # min()/max() over a UTCDateTime come back untyped on SQLite: text, without the column's conversion.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)


def all_figures(session: Session) -> dict[str, Any]:
    now = utcnow()
    return {
        "hourly": jobs_per_hour(session, now), "daily": per_day(session, now),
        "durations": duration_histogram(session, now), "agents": agent_seconds(session), "now": now,
    }


def _to_json(figures: dict[str, Any]) -> dict[str, Any]:
    return {**figures, "hourly": asdict(figures["hourly"]), "daily": asdict(figures["daily"]),
            "now": figures["now"].isoformat()}


def _from_json(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "hourly": Series(**data["hourly"]), "daily": Series(**data["daily"]),
            "durations": [tuple(d) for d in data["durations"]], "agents": [tuple(a) for a in data["agents"]],
            "now": datetime.fromisoformat(data["now"])}


# The charts refresh every minute; fresher figures would only cost more. Over a million jobs they take up to
# a second to gather, so they are shared between processes (services/cache.py).
FIGURES = SharedCopy("codegen:admin:figures", fresh_s=60, keep_s=3600, to_json=_to_json, from_json=_from_json)


def shared_figures(session_factory: Callable[[], Session], connection: redis.Redis | None) -> dict[str, Any]:
    """all_figures, from the copy shared through Redis while it is fresh."""

    def compute() -> dict[str, Any]:
        with session_factory() as session:
            return all_figures(session)

    return FIGURES.get(connection, compute)[0]
