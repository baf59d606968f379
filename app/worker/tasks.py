"""The functions RQ runs. They receive ids, open their own sessions and need no Flask."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from rq import get_current_job
from rq.exceptions import AbandonedJobError
from sqlalchemy import update

from app import db
from app.generation.packaging import build_zip
from app.generation.runner import Outcome, new_context, provider_for, report_of, run_context, spec_record, usage_summary
from app.models import Job, JobStatus
from app.ops.logs import bound_request_id
from app.ops.metrics import AgentTimer
from app.services.artifacts import DatabaseBlobStore, put_blob, read_all_files, store_files
from app.services.events import Event, append_event, is_milestone
from app.services.jobs import finish_job, is_cancel_requested, start_job
from app.settings import Settings, load_settings

log = logging.getLogger(__name__)
_settings: Settings | None = None
# How a job whose worker vanished mid-run is described (its error starts with this).
WORKER_LOST = "worker lost"
# How long an event waits for Redis to come back (the supervisor restarts an embedded Redis within a second or two).
REDIS_PATIENCE_S = 20.0


def configure_runtime(settings: Settings) -> None:
    """Called by the worker before it forks, so every job sees the worker's settings."""
    global _settings
    _settings = settings


def runtime_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def job_request(session, job: Job) -> dict[str, Any]:
    """What the pipeline needs of a job: plain data, read here so that generation never touches the database."""
    spec = job.spec or {}
    request = {"template_id": job.template_id, "name": job.name, "description": job.description,
               "entities": spec.get("entities") or [], "features": spec.get("features") or [],
               "requirements": spec.get("requirements") or [], "options": job.options or {}}
    if spec.get("instruction") and job.parent_id:
        # A free-text improvement builds on the parent's files (with a model; offline it re-renders the spec).
        request["instruction"] = spec["instruction"]
        request["base_files"] = {path: content.decode("utf-8", "replace")
                                 for path, content in read_all_files(session, job.parent_id).items()}
    return request


class RedisLost(Exception):
    """Redis stayed away longer than a job can wait for it."""


class JobEmitter:
    """Sends the agents' events to the job's stream; keeps milestones and the row's progress in the database.

    Streamed model text goes to the stream alone, and the job row is written only when its progress or current
    agent changes: an event costs a database transaction only when it records something that must outlive Redis.
    """

    def __init__(self, connection: redis.Redis, job_id: str) -> None:
        self.connection = connection
        self.job_id = job_id
        self._lock = threading.Lock()
        self.timer = AgentTimer(connection)
        self.progress = 0  # as the row has it: a job starts at 0 with no current agent
        self.current_agent: str | None = None

    def __call__(self, *, type: str, agent: str | None, status: str, message: str, progress: int,
                 data: dict[str, Any]) -> None:
        event = Event(job_id=self.job_id, type=type, agent=agent, status=status, progress=progress, message=message,
                      data=data)
        with self._lock:
            row = self._row_changes(event)
            deadline = time.monotonic() + REDIS_PATIENCE_S
            while True:
                try:
                    self._append(event, row)
                    break
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    # Redis restarting (its append-only file keeps the stream): wait for it rather than fail the job.
                    if time.monotonic() >= deadline:
                        raise RedisLost(f"Redis did not come back within {REDIS_PATIENCE_S:g}s ({exc})") from exc
                    time.sleep(0.25)
            self.progress = row.get("progress", self.progress)
            self.current_agent = row.get("current_agent", self.current_agent)
        self.timer.event(type, agent, status)

    def _append(self, event: Event, row: dict[str, Any]) -> None:
        if not row and not is_milestone(event):
            append_event(self.connection, None, event)
            return
        with db.Session.begin() as session:
            append_event(self.connection, session, event)
            if row:
                session.execute(update(Job).where(Job.id == self.job_id).values(**row))

    def _row_changes(self, event: Event) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if event.progress > self.progress:
            changes["progress"] = event.progress
        if event.type == "agent" and event.status in ("started", "repairing") and event.agent != self.current_agent:
            changes["current_agent"] = event.agent
        return changes


def run_job(job_id: str) -> str:
    """Run one job from `queued` to a final status; every path out of here records one."""
    connection: redis.Redis = get_current_job().connection
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        if job is None:
            log.warning("job %s has no database row; nothing to run", job_id)
            return "missing"
        if not start_job(session, connection, job):
            return job.status
        request = job_request(session, job)
        request_id = job.request_id
    # Every log line of this job carries the id of the request that submitted it.
    with bound_request_id(request_id):
        log.info("job %s started", job_id, extra={"job_id": job_id, "template_id": request["template_id"]})
        status = _run(connection, job_id, request)
        log.info("job %s ended %s", job_id, status, extra={"job_id": job_id, "status": status})
    return status


def _run(connection: redis.Redis, job_id: str, request: dict[str, Any]) -> str:
    settings = runtime_settings()
    ctx = None
    try:
        ctx = new_context(job_id, request, provider_for(settings, request["options"]),
                          JobEmitter(connection, job_id), settings,
                          is_cancelled=lambda: is_cancel_requested(connection, job_id))
        outcome = run_context(ctx)
    except RedisLost as exc:
        log.exception("job %s lost Redis", job_id)
        outcome = Outcome("failed", f"the job queue (Redis) went away mid-job: {exc}; retry the job")
    except Exception as exc:
        log.exception("job %s failed", job_id)
        outcome = Outcome("failed", f"internal error: {type(exc).__name__}: {exc}")
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        if ctx is not None:
            _record(session, job, ctx)
        finish_job(session, connection, job, JobStatus(outcome.status), error=outcome.error)
    return outcome.status


def _record(session, job: Job, ctx) -> None:
    if ctx.spec is not None:
        job.spec = spec_record(ctx)
    job.usage = usage_summary(ctx)
    job.tokens_in, job.tokens_out = ctx.budget.spent.tokens_in, ctx.budget.spent.tokens_out
    job.cost_usd = ctx.budget.spent.cost_usd
    job.report = report_of(ctx)
    job.verified = ctx.verified
    if ctx.files:
        contents = {path: text.encode() for path, text in ctx.files.items()}
        store_files(session, job.id, contents)
        job.files_count = len(contents)
        # The zip is built once, here, and stored like any file: downloads only read it.
        archive = build_zip(contents, ctx.spec.slug if ctx.spec else job.id)
        job.zip_sha256 = put_blob(DatabaseBlobStore(session), archive)


def on_rq_failure(rq_job, connection: redis.Redis, exc_type, exc_value, _traceback) -> None:
    """RQ's failure callback, also run when a job is found abandoned by a dead worker."""
    if exc_type is not None and issubclass(exc_type, AbandonedJobError):
        reason = f"{WORKER_LOST}: the worker running this job stopped without finishing it"
    else:
        reason = f"{exc_type.__name__}: {exc_value}" if exc_type else "job failed"
    mark_failed(connection, rq_job.id, reason)


def mark_failed(connection: redis.Redis, job_id: str, reason: str) -> None:
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        if job is not None:
            finish_job(session, connection, job, JobStatus.FAILED, error=reason)
