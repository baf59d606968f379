"""The RQ picture for admins: queues and their registries, workers, and failed or abandoned jobs.

Reading never runs RQ's registry cleanup (that belongs to the workers' maintenance); only the
explicit actions change anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.executions import WORKER_EXECUTIONS_KEY_TEMPLATE
from rq.job import Job as RQJob
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.results import Result
from sqlalchemy.orm import Session

from app.models import Job, JobStatus, User, utcnow
from app.services.jobs import retry_job
from app.services.queues import QUEUE_NAME

FAILED_PER_PAGE = 25
# A worker that has not reported for this long is probably gone (RQ's default heartbeat is every ~60 s).
STALE_HEARTBEAT_S = 120


@dataclass(frozen=True)
class QueueFigures:
    name: str
    queued: int
    started: int
    abandoned: int
    failed: int
    finished: int
    deferred: int
    scheduled: int


@dataclass(frozen=True)
class WorkerFigures:
    name: str
    hostname: str | None
    pid: int | None
    state: str
    queues: list[str]
    current_job_id: str | None
    last_heartbeat: datetime | None
    heartbeat_age_s: float | None
    birth: datetime | None
    successful: int
    failed: int
    working_s: float

    @property
    def stale(self) -> bool:
        return self.heartbeat_age_s is None or self.heartbeat_age_s > STALE_HEARTBEAT_S


@dataclass(frozen=True)
class FailedEntry:
    id: str
    description: str
    ended_at: datetime | None
    reason: str
    abandoned: bool
    exists: bool


def queue_names(connection: redis.Redis) -> list[str]:
    names = {q.name for q in Queue.all(connection=connection)} | {QUEUE_NAME}
    return sorted(names)


def queue_figures(connection: redis.Redis, name: str) -> QueueFigures:
    queue = Queue(name, connection=connection)
    started = StartedJobRegistry(queue=queue)
    return QueueFigures(
        name=name, queued=queue.count, started=started.get_job_count(cleanup=False),
        abandoned=len(started.get_expired_job_ids()),
        failed=queue.failed_job_registry.get_job_count(cleanup=False),
        finished=queue.finished_job_registry.get_job_count(cleanup=False),
        deferred=queue.deferred_job_registry.get_job_count(cleanup=False),
        scheduled=queue.scheduled_job_registry.get_job_count(cleanup=False),
    )


def worker_figures(connection: redis.Redis) -> list[WorkerFigures]:
    now = utcnow()
    figures = []
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat
        figures.append(WorkerFigures(
            name=worker.name, hostname=worker.hostname, pid=worker.pid, state=worker.get_state(),
            queues=worker.queue_names(), current_job_id=worker.get_current_job_id(), last_heartbeat=beat,
            heartbeat_age_s=(now - beat).total_seconds() if beat else None, birth=worker.birth_date,
            successful=worker.successful_job_count, failed=worker.failed_job_count,
            working_s=worker.total_working_time,
        ))
    return sorted(figures, key=lambda w: w.name)


def _reason(job: RQJob) -> str:
    result = job.latest_result()
    text = (result.exc_string or "") if result is not None and result.type == Result.Type.FAILED else ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no reason recorded"


def failed_entries(connection: redis.Redis, name: str, start: int = 0,
                   count: int = FAILED_PER_PAGE) -> list[FailedEntry]:
    """Newest failures first; an entry whose job data has expired is listed so that it can be removed."""
    registry = FailedJobRegistry(name, connection=connection)
    ids = registry.get_job_ids(start, start + count - 1, desc=True, cleanup=False)
    entries = []
    for job_id, job in zip(ids, RQJob.fetch_many(ids, connection=connection), strict=True):
        if job is None:
            entries.append(FailedEntry(job_id, "", None, "the job's data has expired", False, False))
            continue
        reason = _reason(job)
        entries.append(FailedEntry(job_id, job.description or "", job.ended_at, reason,
                                   "AbandonedJobError" in reason, True))
    return entries


def abandoned_ids(connection: redis.Redis, name: str) -> list[str]:
    """Jobs still marked started whose worker stopped renewing them: their worker died mid-job."""
    return StartedJobRegistry(name, connection=connection).get_expired_job_ids()


def move_abandoned_to_failed(connection: redis.Redis, name: str) -> int:
    """RQ's own cleanup: each abandoned job runs its failure callback (its job row ends `failed`)."""
    count = len(abandoned_ids(connection, name))
    StartedJobRegistry(name, connection=connection).cleanup()
    return count


def requeue_failed(session: Session, connection: redis.Redis, name: str, job_id: str, actor: User,
                   ip: str | None = None) -> str | None:
    """Run a failed job again. Ours come back as a new job with the same request (the failed one keeps its
    history, as with retry; an admin's retry, past the owner's cap); any other RQ job is requeued as it is.
    Returns the new job's id, if any."""
    registry = FailedJobRegistry(name, connection=connection)
    row = session.get(Job, job_id)
    if row is not None and row.job_status in (JobStatus.FAILED, JobStatus.CANCELLED):
        new = retry_job(session, connection, row, actor, over_cap=True, ip=ip, via="workers")
        registry.remove(job_id, delete_job=_exists(connection, job_id))
        return new.id
    try:
        registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError) as exc:
        raise LookupError(f"{job_id} is no longer in the failed registry") from exc
    return None


def delete_failed(connection: redis.Redis, name: str, job_id: str) -> None:
    """Forget a failed RQ job (the job row in the database is not touched)."""
    registry = FailedJobRegistry(name, connection=connection)
    if not registry.remove(job_id, delete_job=_exists(connection, job_id)):
        raise LookupError(f"{job_id} is no longer in the failed registry")


def _exists(connection: redis.Redis, job_id: str) -> bool:
    return bool(connection.exists(RQJob.key_for(job_id)))


# --- a worker process that is gone -------------------------------------------------------------------------


def _executions_of(connection: redis.Redis, worker_name: str) -> list[str]:
    """The `<job id>:<execution id>` entries a worker was running (RQ keeps them in a set per worker)."""
    return [m.decode() for m in connection.smembers(WORKER_EXECUTIONS_KEY_TEMPLATE.format(worker_name))]


def fail_jobs_of_lost_worker(connection: redis.Redis, worker_name: str) -> list[str]:
    """The worker process died (the supervisor saw it exit): its running jobs are abandoned now, not after RQ's
    heartbeat expires. RQ's own cleanup does it, so its failure callback records "worker lost" on each job and a
    job with retries left is requeued; the worker's registration goes too, so the name is free."""
    registry = StartedJobRegistry(QUEUE_NAME, connection=connection)
    executions = _executions_of(connection, worker_name)
    for member in executions:
        connection.zadd(registry.key, {member: 1}, xx=True)  # expired long ago: the next cleanup takes it
    if executions:
        registry.cleanup(timestamp=1)
    _forget_worker(connection, worker_name)
    return [member.split(":", 1)[0] for member in executions]


def requeue_jobs_of_stopped_worker(session: Session, connection: redis.Redis, worker_name: str) -> list[str]:
    """The service is stopping and this worker's jobs did not finish within the grace period: put them back in
    the queue, `queued` again in the database, so that the next start runs them from the beginning."""
    from app.services.lost_jobs import requeue_interrupted_job

    registry = StartedJobRegistry(QUEUE_NAME, connection=connection)
    requeued = []
    for member in _executions_of(connection, worker_name):
        job_id = member.split(":", 1)[0]
        connection.zrem(registry.key, member)
        job = session.get(Job, job_id)
        if job is not None and requeue_interrupted_job(session, connection, job):
            requeued.append(job_id)
    _forget_worker(connection, worker_name)
    return requeued


def _forget_worker(connection: redis.Redis, worker_name: str) -> None:
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + worker_name, connection=connection)
    if worker is not None:
        worker.register_death()
