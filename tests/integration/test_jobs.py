"""A submitted job travels queued → running → completed through a real RQ worker, and never gets lost."""

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job as RQJob
from sqlalchemy import func, select

from app import artifacts
from app.events import read_events, stored_events
from app.models import Blob, Job, JobStatus
from app.queues import QUEUE_NAME, QueueUnavailable
from app.services.jobs import (
    JobStateError,
    cancel_job,
    reap_lost_jobs,
    retry_job,
    submit_job,
)
from app.tasks import run_job


def run_queue(connection):
    SimpleWorker([QUEUE_NAME], connection=connection).work(burst=True)


def test_a_job_runs_to_completed_with_events_and_files(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="fastapi-backend", name="todo-api",
                     description="Tasks with due dates")
    assert job.status == "queued"
    assert RQJob.fetch(job.id, connection=redis_conn).get_status() == "queued"

    run_queue(redis_conn)

    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == "completed"
    assert job.progress == 100 and job.started_at <= job.finished_at and job.error is None
    assert [(e.type, e.status) for e in read_events(redis_conn, job.id)] == [
        ("job", "running"), ("file", "written"), ("done", "completed")]
    assert [e.type for e in stored_events(session, job.id)] == ["job", "file", "done"]
    assert artifacts.read_file(session, job.id, "README.md").startswith(b"# todo-api\n\nTasks with due dates")


def test_identical_files_are_stored_once(redis_conn, session):
    first = submit_job(session, redis_conn, template_id="react-app", name="same")
    second = submit_job(session, redis_conn, template_id="react-app", name="same")
    run_queue(redis_conn)

    (a,), (b,) = artifacts.list_files(session, first.id), artifacts.list_files(session, second.id)
    assert a.sha256 == b.sha256
    assert session.scalar(select(func.count()).select_from(Blob)) == 1


def test_cancelling_a_queued_job_ends_it_and_the_worker_skips_it(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="react-app", name="web")
    cancel_job(session, redis_conn, job)
    session.commit()

    run_queue(redis_conn)

    session.expire_all()
    assert session.get(Job, job.id).status == "cancelled"
    assert read_events(redis_conn, job.id)[-1].type == "done"
    with pytest.raises(JobStateError, match="already cancelled"):
        cancel_job(session, redis_conn, job)


def test_a_running_job_asked_to_cancel_stops_at_its_next_step(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="react-app", name="web")
    job.status = JobStatus.RUNNING.value  # as if a worker had picked it up
    session.commit()
    cancel_job(session, redis_conn, job)
    job.status = JobStatus.QUEUED.value  # let run_job start it, then see the request
    session.commit()

    run_queue(redis_conn)

    session.expire_all()
    assert session.get(Job, job.id).status == "cancelled"


def test_retry_submits_a_new_job_with_the_same_request(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="react-app", name="web", description="d")
    cancel_job(session, redis_conn, job)
    session.commit()

    again = retry_job(session, redis_conn, job)

    assert again.id != job.id and again.status == "queued"
    assert (again.name, again.template_id, again.description) == ("web", "react-app", "d")


def test_enqueue_failure_ends_the_job_failed_and_tells_the_caller(session, tmp_path):
    dead = redis.Redis(unix_socket_path=str(tmp_path / "nothing.sock"))

    with pytest.raises(QueueUnavailable, match="retry"):
        submit_job(session, dead, template_id="react-app", name="web")

    (job,) = session.scalars(select(Job)).all()
    assert job.status == "failed" and "Redis unavailable" in job.error


def test_a_running_job_whose_rq_job_vanished_is_reaped_as_failed(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="react-app", name="web")
    job.status = JobStatus.RUNNING.value
    session.commit()
    RQJob.fetch(job.id, connection=redis_conn).delete()

    assert reap_lost_jobs(session, redis_conn) == [job.id]
    session.commit()

    assert job.status == "failed" and "worker running this job was lost" in job.error
    assert read_events(redis_conn, job.id)[-1].status == "failed"


def test_a_fresh_queued_job_is_left_alone_by_the_reaper(redis_conn, session):
    job = submit_job(session, redis_conn, template_id="react-app", name="web")

    assert reap_lost_jobs(session, redis_conn) == []
    assert job.status == "queued"


def test_run_job_for_a_missing_row_does_nothing(redis_conn, session):
    queue_job = Queue(QUEUE_NAME, connection=redis_conn).enqueue(run_job, "0" * 32)
    run_queue(redis_conn)

    assert queue_job.return_value() == "missing"
