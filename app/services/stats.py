"""Service figures for `/api/stats` and `/metrics`: jobs per status, durations, tokens, cost, queue and workers.

The job figures come from two indexed queries (`ix_jobs_status_usage`, `ix_jobs_status_created`)
and are shared through Redis for FRESH_S seconds, so that at most one process per FRESH_S runs them,
however many requests and scrapes arrive. docs/benchmarks.md has the timings at a million jobs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import redis
from rq import Worker
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.generation.agents import agent_names
from app.models import Job, JobStatus, utcnow
from app.services.cache import SharedCopy
from app.services.queues import QUEUE_NAME, job_queue

log = logging.getLogger(__name__)

CACHE_KEY = "codegen:stats:jobs"
FRESH_S = 10.0
# A stale copy is still served while another process recomputes it.
KEEP_S = 300
JOB_FIGURES = SharedCopy(CACHE_KEY, FRESH_S, KEEP_S)
LOCK_KEY = JOB_FIGURES.lock_key
# Median and p95 durations are those of the most recent completed jobs, read through an index.
DURATION_SAMPLE = 10_000

_PROCESS_STARTED = psutil.Process(os.getpid()).create_time()


class CpuSampler:
    """The host's CPU busy percentage over the time since the previous reading, remembered for the whole process.

    Not `psutil.cpu_percent(interval=None)`: it keeps its previous sample per thread id, and under gevent every
    request runs in a new greenlet with an id of its own, so each call was that thread's first and read 0.0 (and
    left one more sample behind). Here one sample serves every thread. A reading closer than MIN_WINDOW_S to the
    previous one repeats the previous figure (a shorter window is noise); with no previous sample, or only one
    older than MAX_WINDOW_S (which would average over too long to be "now"), it measures a SHORT_WINDOW_S window.
    """

    MIN_WINDOW_S = 1.0
    MAX_WINDOW_S = 60.0
    SHORT_WINDOW_S = 0.25

    def __init__(self, times: Callable[[], Any] = psutil.cpu_times, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None) -> None:
        self._times, self._clock, self._sleep = times, clock, sleep
        self._sample: tuple[float, Any] | None = None  # (clock, cpu times) of the previous reading
        self._percent = 0.0

    def percent(self) -> float:
        # No lock: two readings at once at worst measure overlapping windows. (A lock held across the short sleep
        # could stall a gevent worker, whose sleep yields to the greenlet that would then wait for the lock.)
        now, previous = self._clock(), self._sample
        if previous is not None and now - previous[0] < self.MIN_WINDOW_S:
            return self._percent
        if previous is None or now - previous[0] > self.MAX_WINDOW_S:
            previous = (now, self._times())
            (self._sleep or time.sleep)(self.SHORT_WINDOW_S)  # looked up now: gevent patches it after import
            now = self._clock()
        current = self._times()
        self._percent = busy_percent(previous[1], current)
        self._sample = (now, current)
        return self._percent


def busy_percent(before: Any, after: Any) -> float:
    """psutil's own arithmetic: busy is everything but idle and I/O wait; guest time is already in user time."""
    delta = {name: max(0.0, getattr(after, name) - getattr(before, name)) for name in after._fields}
    total = sum(value for name, value in delta.items() if name not in ("guest", "guest_nice"))
    idle = delta.get("idle", 0.0) + delta.get("iowait", 0.0)
    return round(min(100.0, max(0.0, 100.0 * (total - idle) / total)), 1) if total > 0 else 0.0


CPU = CpuSampler()


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def totals_by_status() -> Select:
    """Count, tokens and cost per status: one scan of the covering index ix_jobs_status_usage."""
    return (select(Job.status, func.count(), func.coalesce(func.sum(Job.tokens_in), 0),
                   func.coalesce(func.sum(Job.tokens_out), 0), func.coalesce(func.sum(Job.cost_usd), 0.0))
            .group_by(Job.status))


def recent_durations() -> Select:
    """Durations of the newest completed jobs, newest first through ix_jobs_status_created.

    Newest by creation, not by finish: no index leads with (status, finished_at), and the two orders
    barely differ. No `duration_ms IS NOT NULL` here: that range would tempt SQLite, which keeps no
    statistics, into ix_jobs_status_duration and a sort of every completed job.
    """
    return (select(Job.duration_ms).where(Job.status == JobStatus.COMPLETED.value)
            .order_by(Job.created_at.desc()).limit(DURATION_SAMPLE))


def compute_job_figures(session: Session) -> dict[str, Any]:
    """Jobs per status, token and cost totals, and completed-job durations, straight from the database."""
    by_status = {status.value: 0 for status in JobStatus}
    tokens_in = tokens_out = 0
    cost = 0.0
    for status, count, t_in, t_out, spent in session.execute(totals_by_status()):
        by_status[status] = by_status.get(status, 0) + count
        tokens_in += int(t_in)
        tokens_out += int(t_out)
        cost += float(spent)
    durations = sorted(ms / 1000 for ms in session.scalars(recent_durations()) if ms is not None)
    return {
        "by_status": by_status,
        "total": sum(by_status.values()),
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "cost_usd": round(cost, 6),
        "duration_median_s": _round(percentile(durations, 0.5)),
        "duration_p95_s": _round(percentile(durations, 0.95)),
        "duration_sample": len(durations),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def job_figures(session_factory: Callable[[], Session], connection: redis.Redis | None,
                now: Callable[[], float] = time.time) -> dict[str, Any]:
    """The job figures, from the shared copy when fresh; recomputed by one process at a time."""

    def compute() -> dict[str, Any]:
        with session_factory() as session:
            return compute_job_figures(session)

    figures, computed_at = JOB_FIGURES.get(connection, compute, now)
    return {**figures, "computed_at": computed_at}


def queue_figures(connection: redis.Redis) -> dict[str, Any]:
    """Queue depth and workers by state, read live (a handful of Redis calls)."""
    workers = Worker.all(connection=connection)
    busy = sum(1 for worker in workers if worker.get_state() == "busy")
    return {"queue_name": QUEUE_NAME, "queue_depth": job_queue(connection).count,
            "workers": {"busy": busy, "idle": len(workers) - busy, "total": len(workers)}}


def system_figures(path: Path) -> dict[str, Any]:
    """This host's load, memory and the disk holding `path`; `uptime` is this process's, in seconds (a web
    process or worker: what a restart resets)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(path))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu_percent": CPU.percent(), "cpu_count": psutil.cpu_count() or 1,
        "load": [round(v, 2) for v in load],
        "memory_percent": memory.percent, "memory_used": memory.total - memory.available, "memory_total": memory.total,
        "disk_percent": disk.percent, "disk_used": disk.used, "disk_total": disk.total,
        "uptime": int(time.time() - _PROCESS_STARTED), "measured_at": utcnow(),
    }


def service_stats(session_factory: Callable[[], Session], connection: redis.Redis, path: Path) -> dict[str, Any]:
    """Everything `/api/stats` reports, in the seed's shape plus queue, workers, durations and usage."""
    try:
        queue = queue_figures(connection)
        redis_ok = True
    except (redis.RedisError, OSError) as exc:
        log.warning("stats without the queue: %s", exc)
        queue = {"queue_name": QUEUE_NAME, "queue_depth": None, "workers": None}
        redis_ok = False
    figures = job_figures(session_factory, connection if redis_ok else None)
    counts = figures["by_status"]
    total = figures["total"]
    return {
        "jobs": {
            "total": total,
            **counts,
            "success_rate": round(100.0 * counts["completed"] / total, 1) if total else 0.0,
            "by_status": counts,
            "duration_s": {"median": figures["duration_median_s"], "p95": figures["duration_p95_s"],
                           "sample": figures["duration_sample"]},
            "tokens": {"in": figures["tokens_in"], "out": figures["tokens_out"],
                       "total": figures["tokens_in"] + figures["tokens_out"]},
            "cost_usd": figures["cost_usd"],
        },
        "queue": {"name": queue["queue_name"], "depth": queue["queue_depth"]},
        "workers": queue["workers"],
        "system": system_figures(path),
        "agents": {"active": counts["running"], "total_agents": len(agent_names()), "names": list(agent_names())},
        "as_of": datetime.fromtimestamp(figures["computed_at"], UTC).isoformat().replace("+00:00", "Z"),
    }


def metrics_snapshot(session_factory: Callable[[], Session], connection: redis.Redis) -> dict[str, Any]:
    """The figures `/metrics` turns into gauges and counters."""
    figures = job_figures(session_factory, connection)
    try:
        queue = queue_figures(connection)
    except (redis.RedisError, OSError):
        queue = {"queue_name": QUEUE_NAME, "queue_depth": None, "workers": None}
    return {**figures, **queue}
