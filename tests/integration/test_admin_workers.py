"""/admin/workers: the real RQ queues, workers and registries, and requeueing or deleting failed jobs."""

from __future__ import annotations

import pytest
from rq import SimpleWorker, Worker
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import select

from app import db
from app.models import AuditEntry, Job, JobStatus
from app.services.jobs import create_job, finish_job
from app.services.queues import QUEUE_NAME, job_queue
from app.worker.tasks import configure_runtime
from tests.jobs_support import queue_job


@pytest.fixture(autouse=True)
def runtime(settings):
    configure_runtime(settings)
    yield
    configure_runtime(None)


def failed_rq_job(redis_conn, name: str = "broken") -> str:
    """A job whose row ended `failed` and whose RQ job sits in the failed registry, as after a crash."""
    with db.Session.begin() as session:
        job = create_job(session, template_id="react-app", name=name)
        job.status = JobStatus.RUNNING.value
        finish_job(session, None, job, JobStatus.FAILED, error="worker crashed")
        job_id = job.id
    job_queue(redis_conn).enqueue("builtins.int", "not a number", job_id=job_id, description=f"react-app: {name}")
    SimpleWorker([QUEUE_NAME], connection=redis_conn).work(burst=True)
    assert job_id in FailedJobRegistry(QUEUE_NAME, connection=redis_conn).get_job_ids(cleanup=False)
    return job_id


def test_queues_show_their_depth_and_registries(admin_client, redis_conn):
    failed_rq_job(redis_conn)
    with db.Session() as session:
        for i in range(3):
            queue_job(session, redis_conn, template_id="react-app", name=f"waiting-{i}")

    html = admin_client.get("/admin/workers").data.decode()
    row = html.split(f'<tr id="queue-{QUEUE_NAME}">')[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[:4] == ["3", "0", "0", "1"]  # waiting, running, abandoned, failed
    assert "No failed jobs" not in html and "ValueError" in html


def test_workers_show_state_current_job_and_heartbeat(admin_client, redis_conn):
    worker = Worker([QUEUE_NAME], connection=redis_conn, name="test-worker-1")
    worker.register_birth()
    worker.set_state("busy")
    worker.heartbeat()
    try:
        html = admin_client.get("/admin/workers").data.decode()
        assert "test-worker-1" in html and "busy" in html and "ago)" in html
        assert "No worker is running" not in html
    finally:
        worker.register_death()
    assert "No worker is running" in admin_client.get("/admin/workers").data.decode()


def test_requeue_runs_our_failed_job_again_as_a_new_job(admin_client, redis_conn):
    job_id = failed_rq_job(redis_conn)
    response = admin_client.post("/admin/workers/failed", data={"action": "requeue", "ids": job_id,
                                                                 "queue": QUEUE_NAME})
    assert response.status_code == 303
    assert FailedJobRegistry(QUEUE_NAME, connection=redis_conn).get_job_count(cleanup=False) == 0
    with db.Session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "rq_job_requeued"))
        new = session.get(Job, entry.details["new_job_id"])
        assert new.name == "broken" and new.status == "queued" and session.get(Job, job_id).status == "failed"
    assert RQJob.fetch(new.id, connection=redis_conn).get_status() == RQStatus.QUEUED
    assert entry.target == f"rq:{QUEUE_NAME}:{job_id}"
    assert "Requeued 1 failed job." in admin_client.get("/admin/workers").data.decode()


def test_delete_forgets_the_failed_rq_job_but_keeps_the_job_row(admin_client, redis_conn):
    job_id = failed_rq_job(redis_conn)
    admin_client.post("/admin/workers/failed", data={"action": "delete", "ids": [job_id, "gone"],
                                                      "queue": QUEUE_NAME})
    assert FailedJobRegistry(QUEUE_NAME, connection=redis_conn).get_job_count(cleanup=False) == 0
    assert not redis_conn.exists(RQJob.key_for(job_id))
    with db.Session() as session:
        assert session.get(Job, job_id).status == "failed"
    assert "Deleted 1 failed job. 1 had already left the registry." in \
        admin_client.get("/admin/workers").data.decode()


def test_abandoned_jobs_are_shown_and_can_be_failed_now(admin_client, redis_conn):
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="react-app", name="orphan").id
    # As if a worker took the job and died: started, with an execution that expired long ago.
    rq_job = RQJob.fetch(job_id, connection=redis_conn)
    rq_job.set_status(RQStatus.STARTED)
    registry = StartedJobRegistry(QUEUE_NAME, connection=redis_conn)
    redis_conn.zadd(registry.key, {f"{job_id}:lost-execution": 1})
    redis_conn.lrem(job_queue(redis_conn).key, 0, job_id)

    html = admin_client.get("/admin/workers").data.decode()
    assert "still marked running" in html and job_id[:12] in html

    response = admin_client.post("/admin/workers/abandoned", data={"queue": QUEUE_NAME})
    assert response.status_code == 303
    assert job_id in FailedJobRegistry(QUEUE_NAME, connection=redis_conn).get_job_ids(cleanup=False)
    with db.Session() as session:
        job = session.get(Job, job_id)
        assert job.status == "failed" and job.error.startswith("worker lost")  # the job's own failure callback ran
    html = admin_client.get("/admin/workers").data.decode()
    assert "Moved 1 abandoned job to the failed registry." in html and "abandoned</span>" in html


def test_the_page_refreshes_itself_as_a_fragment(admin_client):
    html = admin_client.get("/admin/workers").data.decode()
    assert '<section id="admin-workers" hx-get="/admin/workers?queue=codegen" hx-trigger="every 5s"' in html
    fragment = admin_client.get("/admin/workers", headers={"HX-Request": "true"})
    assert fragment.data.lstrip().startswith(b'<section id="admin-workers"')


def test_bad_requests_are_refused(admin_client):
    assert admin_client.post("/admin/workers/failed", data={"action": "explode", "ids": "x"}).status_code == 400
    assert admin_client.post("/admin/workers/failed", data={"action": "delete"}).status_code == 400
