"""Creating, enqueuing, cancelling, retrying and finishing jobs."""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq import Callback
from rq.job import Job as RQJob
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.generation.providers.pricing import price_of
from app.generation.request import AddEntity, AddField, Change, ImproveRequest, JobRequest, RemoveEntity, SetFeature
from app.models import Job, JobStatus, User, utcnow
from app.services import audit
from app.services.access import NotAllowed
from app.services.events import Event, append_after_commit, stream_key
from app.services.queues import QueueUnavailable, job_queue
from app.settings import Settings

log = logging.getLogger(__name__)

JOB_TIMEOUT_S = 30 * 60
MAX_ACTIVE_JOBS_PER_USER = 5


class JobStateError(Exception):
    """The job is not in a state that allows the action (e.g. cancelling a finished job)."""


class JobLimitReached(Exception):
    """The user already has as many queued or running jobs as allowed."""


def cancel_key(job_id: str) -> str:
    return f"codegen:job:{job_id}:cancel"


def create_job(
    session: Session,
    *,
    template_id: str,
    name: str,
    owner_id: int | None = None,
    description: str = "",
    spec: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    team_id: int | None = None,
    parent_id: str | None = None,
    request_id: str | None = None,
) -> Job:
    """Add a queued job row; the caller commits, then calls `enqueue_job`."""
    job = Job(
        template_id=template_id, name=name, owner_id=owner_id, description=description,
        spec=spec or {}, options=options or {}, team_id=team_id, parent_id=parent_id,
        request_id=request_id, status=JobStatus.QUEUED.value,
    )
    session.add(job)
    session.flush()
    return job


def enqueue_job(session: Session, connection: redis.Redis, job: Job) -> None:
    """Hand a committed job to RQ; if Redis refuses, the job ends `failed` and QueueUnavailable is raised."""
    try:
        job_queue(connection).enqueue(
            "app.worker.tasks.run_job", job.id, job_id=job.id, job_timeout=JOB_TIMEOUT_S,
            result_ttl=3600, failure_ttl=7 * 24 * 3600,
            on_failure=Callback("app.worker.tasks.on_rq_failure"),
            description=f"{job.template_id}: {job.name}",
        )
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        finish_job(session, None, job, JobStatus.FAILED, error=f"could not enqueue the job: Redis unavailable ({exc})")
        raise QueueUnavailable("the job queue is unavailable; retry shortly") from exc


def _commit_and_enqueue(session: Session, connection: redis.Redis, job: Job) -> Job:
    """Commit the new job with its audit entry (ending the owner's lock), then hand it to RQ."""
    session.commit()
    try:
        enqueue_job(session, connection, job)
    finally:
        session.commit()
    return job


def active_jobs(session: Session, owner_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Job).where(
        Job.owner_id == owner_id, Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))) or 0


def _claim_active_slot(session: Session, user_id: int,
                       refusal: str = f"you already have {MAX_ACTIVE_JOBS_PER_USER} jobs queued or running") -> None:
    """Refuse unless the user has fewer than MAX_ACTIVE_JOBS_PER_USER jobs queued or running.

    Count-then-insert must be atomic per user: a no-op UPDATE of the user's row first takes its row lock
    on PostgreSQL (the database's write lock on SQLite) until the caller commits the new job, so a concurrent
    submission for the same user waits here and then counts the job this one adds.
    """
    session.execute(update(User).where(User.id == user_id).values(role=User.role)
                    .execution_options(synchronize_session=False))
    if active_jobs(session, user_id) >= MAX_ACTIVE_JOBS_PER_USER:
        session.rollback()  # release the lock at once
        raise JobLimitReached(f"{refusal}; wait for one to finish")


class CostUnknown(ValueError):
    """A job asks for a cost cap on a model whose price nobody has configured."""


def check_cost_cap(settings: Settings, model: str | None, max_cost_usd: float | None) -> None:
    """A cost cap needs a price: refuse it up front rather than let a job spend what nobody can count."""
    if max_cost_usd is None or settings.effective_provider != "openai":
        return
    name = model or settings.model
    if price_of(name, settings.model_prices) is None:
        raise CostUnknown(f"the model {name!r} has no known price, so max_cost_usd cannot be enforced; an admin "
                          f"can set its price in CODEGEN_MODEL_PRICES (e.g. {name}=0.5/1.5 dollars per million "
                          "tokens), or leave max_cost_usd out and cap max_tokens instead")


def _check_team(owner: User, team_id: int | None) -> None:
    if team_id is not None and not owner.is_admin and team_id not in {t.id for t in owner.teams}:
        raise NotAllowed(f"you are not a member of team {team_id}")


def submit_job(session: Session, connection: redis.Redis, request: JobRequest, owner: User,
               request_id: str | None = None, settings: Settings | None = None) -> Job:
    """The one way a person starts a job (form, API, CLI): team, cost cap and active-jobs cap checked, then queued."""
    _check_team(owner, request.team_id)
    if settings is not None:
        check_cost_cap(settings, request.options.model, request.options.max_cost_usd)
    _claim_active_slot(session, owner.id)
    job = create_job(
        session, owner_id=owner.id, template_id=request.template_id, name=request.name,
        description=request.description, spec=request.spec_fields(),
        options=request.options.model_dump(exclude_none=True), team_id=request.team_id, request_id=request_id,
    )
    return _commit_and_enqueue(session, connection, job)


def start_job(session: Session, connection: redis.Redis, job: Job) -> bool:
    """Move a queued job to running; False when it was cancelled or already finished."""
    if job.job_status is not JobStatus.QUEUED:
        return False
    job.status = JobStatus.RUNNING.value
    job.started_at = utcnow()
    job.error = None
    append_after_commit(session, connection, Event(job_id=job.id, type="job", status="running",
                                                   message="Job started"))
    return True


def finish_job(
    session: Session, connection: redis.Redis | None, job: Job, status: JobStatus, error: str | None = None
) -> None:
    """Put a job in a final status once, with a `done` event (when Redis is reachable) once the caller commits.

    `done` follows the commit, never precedes it: whoever receives it reads the job's final row.
    """
    if job.job_status.is_final:
        return
    job.status = status.value
    job.finished_at = utcnow()
    job.current_agent = None
    job.error = error
    if status is JobStatus.COMPLETED:
        job.progress = 100
    if connection is not None:
        append_after_commit(session, connection, Event(
            job_id=job.id, type="done", status=status.value, progress=job.progress,
            message=error or f"Job {status.value}",
        ))


def cancel_job(session: Session, connection: redis.Redis, job: Job, actor: User, ip: str | None = None,
               **details: Any) -> None:
    """Cancel a queued job at once; ask a running one to stop at its next step. The caller commits."""
    if job.job_status.is_final:
        raise JobStateError(f"job {job.id} is already {job.status}")
    audit.record(session, "job_cancelled", actor=actor, target=f"job:{job.id}", ip=ip, **details)
    if job.job_status is JobStatus.QUEUED:
        try:
            RQJob.fetch(job.id, connection=connection).cancel()
        except Exception:  # noqa: BLE001 - the RQ job may be gone already; the row is what counts
            log.info("job %s had no RQ job to cancel", job.id)
        finish_job(session, connection, job, JobStatus.CANCELLED, error="cancelled before it started")
    else:
        connection.set(cancel_key(job.id), "1", ex=JOB_TIMEOUT_S)


def is_cancel_requested(connection: redis.Redis, job_id: str) -> bool:
    return bool(connection.exists(cancel_key(job_id)))


def retry_job(session: Session, connection: redis.Redis, job: Job, actor: User, *, over_cap: bool = False,
              request_id: str | None = None, ip: str | None = None, **details: Any) -> Job:
    """Submit a new job with the same request for the same owner; the original stays as it was.

    The owner's cap on jobs queued or running applies, as for a new job, unless `over_cap` (the admin pages
    retry on purpose past it).
    """
    if not job.job_status.is_final:
        raise JobStateError(f"job {job.id} is still {job.status}")
    if job.job_status is JobStatus.COMPLETED:
        raise JobStateError(f"job {job.id} completed; improve it instead of retrying")
    if not over_cap:
        _claim_active_slot(session, job.owner_id if job.owner_id is not None else actor.id,
                           f"{MAX_ACTIVE_JOBS_PER_USER} jobs are already queued or running")
    new = create_job(session, template_id=job.template_id, name=job.name, owner_id=job.owner_id,
                     description=job.description, spec=job.spec, options=job.options, team_id=job.team_id,
                     parent_id=job.parent_id, request_id=request_id)
    audit.record(session, "job_retried", actor=actor, target=f"job:{job.id}", ip=ip, new_job_id=new.id, **details)
    return _commit_and_enqueue(session, connection, new)


def apply_changes(spec: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """The request of a further round: the finished job's spec with `changes` applied, in order."""
    entities = [dict(e, fields=list(e["fields"])) for e in spec.get("entities", [])]
    features = set(spec.get("features", []))

    def find(name: str) -> dict[str, Any]:
        for entity in entities:
            if entity["name"].lower() == name.lower():
                return entity
        raise JobStateError(f"the project has no entity named {name!r}")

    for change in changes:
        if isinstance(change, AddEntity):
            entities.append(change.entity.model_dump())
        elif isinstance(change, AddField):
            find(change.entity)["fields"].append(change.field.model_dump())
        elif isinstance(change, RemoveEntity):
            entities.remove(find(change.entity))
        elif isinstance(change, SetFeature):
            (features.add if change.enabled else features.discard)(change.feature)
    return {"entities": entities, "features": sorted(features)}


def improve_job(session: Session, connection: redis.Redis, job: Job, improvement: ImproveRequest, owner: User,
                request_id: str | None = None, ip: str | None = None, **details: Any) -> Job:
    """Submit a further round on a completed job: a new job of `owner` whose parent is `job`."""
    if job.job_status is not JobStatus.COMPLETED:
        raise JobStateError(f"job {job.id} is {job.status}; only a completed job can be improved")
    if not improvement.changes and not improvement.instruction.strip():
        raise JobStateError("give at least one change or an instruction")
    spec = apply_changes(job.spec or {}, improvement.changes)
    request = JobRequest(template_id=job.template_id, name=job.name, description=job.description,
                         entities=spec["entities"], features=spec["features"], options=job.options or {},
                         team_id=job.team_id)
    # The parent's requirements stay (their acceptance tests are in its files); a free-text instruction makes
    # the worker build on the parent's files with a model (offline, it re-renders the changed spec).
    child_spec = {**request.spec_fields(), "requirements": (job.spec or {}).get("requirements") or []}
    if improvement.instruction.strip():
        child_spec["instruction"] = improvement.instruction.strip()
    _check_team(owner, request.team_id)
    _claim_active_slot(session, owner.id)
    new = create_job(
        session, owner_id=owner.id, template_id=request.template_id, name=request.name,
        description=request.description, spec=child_spec,
        options=request.options.model_dump(exclude_none=True), team_id=request.team_id, parent_id=job.id,
        request_id=request_id,
    )
    audit.record(session, "job_improved", actor=owner, target=f"job:{job.id}", ip=ip, new_job_id=new.id, **details)
    return _commit_and_enqueue(session, connection, new)


def delete_job(session: Session, connection: redis.Redis, job: Job, actor: User, ip: str | None = None,
               **details: Any) -> None:
    """Delete a finished job: its row, events and file list, its RQ job and its event stream. The caller commits.

    Blobs stay: other jobs may share them. A queued or running job must be cancelled first, so that
    no worker is left writing to a row that is gone.
    """
    if not job.job_status.is_final:
        raise JobStateError(f"job {job.id} is still {job.status}; cancel it first")
    audit.record(session, "job_deleted", actor=actor, target=f"job:{job.id}", ip=ip, **details)
    try:
        RQJob.fetch(job.id, connection=connection).delete()
    except Exception:  # noqa: BLE001 - RQ forgets finished jobs after their TTL; the row is what counts
        log.debug("job %s had no RQ job to delete", job.id)
    connection.delete(stream_key(job.id), cancel_key(job.id))
    # The database's ON DELETE rules remove events and file lists and unlink child jobs.
    session.execute(delete(Job).where(Job.id == job.id))
    if job in session:
        session.expunge(job)
