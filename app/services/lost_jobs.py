"""Jobs whose worker went away: put back in the queue when the service stopped them, ended `failed` when lost."""

from __future__ import annotations

import redis
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Job, JobStatus, utcnow
from app.services.events import Event, append_after_commit
from app.services.jobs import enqueue_job
from app.services.queues import job_queue

# A queued job younger than this may not have reached Redis yet; the reaper leaves it alone.
ENQUEUE_GRACE_S = 60


def requeue_interrupted_job(session: Session, connection: redis.Redis, job: Job) -> bool:
    """A running job whose worker was stopped before it finished: `queued` again, back in RQ's queue, to run
    from the start on the next worker (its events so far stay in its stream, followed by a note and the rerun)."""
    if job.job_status is not JobStatus.RUNNING:
        return False
    job.status = JobStatus.QUEUED.value
    job.started_at = None
    job.current_agent = None
    job.progress = 0
    session.flush()
    try:
        rq_job = RQJob.fetch(job.id, connection=connection)
        job_queue(connection).enqueue_job(rq_job)
    except Exception:  # noqa: BLE001 - no RQ job to reuse: enqueue a new one with the same id
        session.commit()
        enqueue_job(session, connection, job)
    append_after_commit(session, connection, Event(job_id=job.id, type="log", status="requeued",
                                                   message="The service stopped mid-job; the job will run again"))
    session.commit()
    return True


def reap_lost_jobs(session: Session, connection: redis.Redis) -> list[str]:
    """End `failed` every unfinished job whose RQ job has failed, stopped or vanished."""
    lost: list[str] = []
    now = utcnow()
    unfinished = session.scalars(
        select(Job).where(Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
    ).all()
    for job in unfinished:
        try:
            status = RQJob.fetch(job.id, connection=connection).get_status()
        except Exception:  # noqa: BLE001 - NoSuchJobError or an unreadable job: both mean lost
            status = None
        if status in (RQStatus.QUEUED, RQStatus.STARTED, RQStatus.DEFERRED, RQStatus.SCHEDULED):
            continue
        if status is None and job.job_status is JobStatus.QUEUED:
            if (now - job.created_at).total_seconds() < ENQUEUE_GRACE_S:
                continue
        reason = "worker lost: the worker running this job stopped without finishing it" \
            if status != RQStatus.FINISHED else "the worker finished without recording a result"
        if _fail_if_unfinished(session, connection, job, f"{reason} (queue status: {status or 'missing'})"):
            lost.append(job.id)
    return lost


def _fail_if_unfinished(session: Session, connection: redis.Redis, job: Job, error: str) -> bool:
    """End `job` failed only if it is still queued or running in the database, whatever the row read earlier says.

    The reaper decides from a row it read before asking RQ; the job may have finished in between, and a plain
    write would put `failed` over `completed`. The condition is in the UPDATE itself.
    """
    finished_at = utcnow()
    done = session.execute(
        update(Job).where(Job.id == job.id, Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
        .values(status=JobStatus.FAILED.value, finished_at=finished_at, current_agent=None, error=error)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(job)
    if done:
        append_after_commit(session, connection, Event(job_id=job.id, type="done", status=JobStatus.FAILED.value,
                                                       progress=job.progress, message=error))
    return bool(done)
