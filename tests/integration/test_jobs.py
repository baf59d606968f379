"""A submitted job travels queued → running → completed through a real RQ worker, and never gets lost."""

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job as RQJob
from sqlalchemy import func, select

from app.models import Blob, Job, JobStatus, User
from app.services import artifacts
from app.services.events import read_events, stored_events
from app.services.jobs import JobStateError, cancel_job, retry_job
from app.services.lost_jobs import reap_lost_jobs
from app.services.queues import QUEUE_NAME, QueueUnavailable
from app.worker.tasks import configure_runtime, run_job
from tests.jobs_support import queue_job
from tests.openai_server import OpenAIServer
from tests.recorded_model import RecordedModel

QUICK = {"run_checks": False}
TASKS = {"entities": [{"name": "Task", "fields": [{"name": "title"}, {"name": "due", "type": "date"}]}]}


@pytest.fixture(autouse=True)
def worker_settings(settings):
    configure_runtime(settings)
    yield settings
    configure_runtime(None)


@pytest.fixture
def actor(session, user_id) -> User:
    """The person cancelling or retrying (the services audit who did it)."""
    return session.get(User, user_id)


def run_queue(connection):
    SimpleWorker([QUEUE_NAME], connection=connection).work(burst=True)


def test_a_job_runs_the_agents_to_completed_with_events_and_files(redis_conn, session):
    job = queue_job(session, redis_conn, template_id="fastapi-backend", name="todo-api",
                     description="Tasks with due dates", spec=TASKS, options=QUICK)
    assert job.status == "queued"
    assert RQJob.fetch(job.id, connection=redis_conn).get_status() == "queued"

    run_queue(redis_conn)

    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == "completed", job.error
    assert job.progress == 100 and job.started_at <= job.finished_at and job.error is None
    assert job.files_count > 5 and job.zip_sha256 and not job.verified  # checks were turned off
    events = read_events(redis_conn, job.id)
    assert (events[0].type, events[0].status) == ("job", "running")
    assert (events[-1].type, events[-1].status) == ("done", "completed")
    started = [e.agent for e in events if e.type == "agent" and e.status == "started"]
    assert started == ["planner", "architect", "coder", "reviewer", "tester"]
    assert len([e for e in events if e.type == "file"]) == job.files_count
    assert [e.id for e in stored_events(session, job.id)] == [e.id for e in events]
    assert b"Tasks with due dates" in artifacts.read_file(session, job.id, "README.md")
    assert job.spec["entities"][0]["name"] == "Task"


def test_identical_files_are_stored_once(redis_conn, session):
    first = queue_job(session, redis_conn, template_id="react-app", name="same", spec=TASKS, options=QUICK)
    second = queue_job(session, redis_conn, template_id="react-app", name="same", spec=TASKS, options=QUICK)
    run_queue(redis_conn)

    a, b = artifacts.list_files(session, first.id), artifacts.list_files(session, second.id)
    assert [f.sha256 for f in a] == [f.sha256 for f in b]
    session.expire_all()
    assert session.get(Job, first.id).zip_sha256 == session.get(Job, second.id).zip_sha256
    assert session.scalar(select(func.count()).select_from(Blob)) == len(a) + 1  # the files, and one zip


def test_a_job_with_a_model_counts_tokens_and_cost_per_agent(redis_conn, session, worker_settings):
    server = OpenAIServer(default=RecordedModel(usage=(100, 50))).start()
    try:
        configure_runtime(worker_settings.with_overrides(openai_api_key="sk-test", openai_base_url=server.base_url))
        job = queue_job(session, redis_conn, template_id="fastapi-backend", name="todo-api",
                         description="Tasks", spec=TASKS, options=QUICK)
        run_queue(redis_conn)
    finally:
        server.stop()

    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == "completed", job.error
    assert set(job.usage) == {"planner", "architect", "tester", "coder", "reviewer"}
    assert job.usage["coder"]["calls"] == 1  # the scaffold is free: one edit for the one requirement
    assert job.tokens == sum(a["tokens_in"] + a["tokens_out"] for a in job.usage.values()) == 150 * len(server.requests)
    assert job.cost_usd > 0
    assert [r["id"] for r in job.spec["requirements"]] == ["R1"]


def test_a_job_whose_budget_runs_out_stops_cleanly(redis_conn, session, worker_settings):
    server = OpenAIServer(default=RecordedModel(usage=(600, 300))).start()
    try:
        configure_runtime(worker_settings.with_overrides(openai_api_key="sk-test", openai_base_url=server.base_url))
        job = queue_job(session, redis_conn, template_id="fastapi-backend", name="todo-api", description="Tasks",
                         spec=TASKS, options={**QUICK, "max_tokens": 1000})
        run_queue(redis_conn)
    finally:
        server.stop()

    session.expire_all()
    job = session.get(Job, job.id)
    assert job.status == "failed"
    assert job.error.startswith("stopped: token budget spent")
    assert 1000 <= job.tokens <= 900 * 4  # at most the calls already in flight
    assert read_events(redis_conn, job.id)[-1].status == "failed"


def test_cancelling_a_queued_job_ends_it_and_the_worker_skips_it(redis_conn, session, actor):
    job = queue_job(session, redis_conn, template_id="react-app", name="web", options=QUICK)
    cancel_job(session, redis_conn, job, actor)
    session.commit()

    run_queue(redis_conn)

    session.expire_all()
    assert session.get(Job, job.id).status == "cancelled"
    assert read_events(redis_conn, job.id)[-1].type == "done"
    with pytest.raises(JobStateError, match="already cancelled"):
        cancel_job(session, redis_conn, job, actor)


def test_a_running_job_asked_to_cancel_stops_at_its_next_step(redis_conn, session, actor):
    job = queue_job(session, redis_conn, template_id="react-app", name="web")
    job.status = JobStatus.RUNNING.value  # as if a worker had picked it up
    session.commit()
    cancel_job(session, redis_conn, job, actor)
    job.status = JobStatus.QUEUED.value  # let run_job start it, then see the request
    session.commit()

    run_queue(redis_conn)

    session.expire_all()
    assert session.get(Job, job.id).status == "cancelled"


def test_retry_submits_a_new_job_with_the_same_request(redis_conn, session, actor):
    job = queue_job(session, redis_conn, template_id="react-app", name="web", description="d")
    cancel_job(session, redis_conn, job, actor)
    session.commit()

    again = retry_job(session, redis_conn, job, actor)

    assert again.id != job.id and again.status == "queued"
    assert (again.name, again.template_id, again.description) == ("web", "react-app", "d")


def test_enqueue_failure_ends_the_job_failed_and_tells_the_caller(session, tmp_path):
    dead = redis.Redis(unix_socket_path=str(tmp_path / "nothing.sock"))

    with pytest.raises(QueueUnavailable, match="retry"):
        queue_job(session, dead, template_id="react-app", name="web")

    (job,) = session.scalars(select(Job)).all()
    assert job.status == "failed" and "Redis unavailable" in job.error


def test_a_running_job_whose_rq_job_vanished_is_reaped_as_failed(redis_conn, session):
    job = queue_job(session, redis_conn, template_id="react-app", name="web")
    job.status = JobStatus.RUNNING.value
    session.commit()
    RQJob.fetch(job.id, connection=redis_conn).delete()

    assert reap_lost_jobs(session, redis_conn) == [job.id]
    session.commit()

    assert job.status == "failed" and job.error.startswith("worker lost")
    assert read_events(redis_conn, job.id)[-1].status == "failed"


def test_a_fresh_queued_job_is_left_alone_by_the_reaper(redis_conn, session):
    job = queue_job(session, redis_conn, template_id="react-app", name="web")

    assert reap_lost_jobs(session, redis_conn) == []
    assert job.status == "queued"


def test_run_job_for_a_missing_row_does_nothing(redis_conn, session):
    queue_job = Queue(QUEUE_NAME, connection=redis_conn).enqueue(run_job, "0" * 32)
    run_queue(redis_conn)

    assert queue_job.return_value() == "missing"
