"""Reliability goals against real processes (`codegen up`): a worker or the embedded Redis killed mid-job, and
`codegen up` stopped while a job runs. The offline provider is paced so that a job is still running when hit."""

from __future__ import annotations

import signal
import time

import psutil
import pytest
import redis
from rq import Worker

from app import db
from app.models import Job
from app.settings import load_settings
from tests.helpers import HTTP_NOT_YET, CodegenUp, get_json, wait_until
from tests.jobs_support import queue_job

pytestmark = pytest.mark.slow

FINAL = ("completed", "failed", "cancelled")


def job_row(job_id: str) -> Job:
    with db.Session() as session:
        return session.get(Job, job_id)


def status_of(job_id: str) -> str:
    return job_row(job_id).status


def processes(up: CodegenUp, *argv_part: str) -> list[psutil.Process]:
    found = []
    for process in psutil.Process(up.process.pid).children():  # direct children: not the work horses
        try:
            if all(part in " ".join(process.cmdline()) for part in argv_part):
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture
def service(short_tmp, free_port):
    """`codegen up` with one worker and slow offline jobs (about 10 s each, checks off), and its database."""
    instance = short_tmp / "inst"
    up = CodegenUp(instance, free_port, short_tmp / "up.log", CODEGEN_OFFLINE_PACE_MS="400").start()
    up.wait_healthy()
    settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
    db.configure(settings.database_url)
    connection = redis.Redis.from_url(settings.effective_redis_url, socket_timeout=5)
    yield up, connection
    connection.close()
    db.get_engine().dispose()
    if up.process.poll() is None:
        up.stop()


def submit(connection: redis.Redis, name: str) -> str:
    with db.Session() as session:
        return queue_job(session, connection, template_id="fastapi-backend", name=name,
                         options={"run_checks": False}).id


def wait_running(job_id: str) -> None:
    wait_until(lambda: job_row(job_id), 60, f"job {job_id} to be running mid-pipeline",
               until=lambda job: job.status == "running" and job.progress >= 10)


def test_a_worker_killed_mid_job_loses_the_job_clearly_and_comes_back(service):
    up, connection = service
    job_id = submit(connection, "killed-worker")
    wait_running(job_id)
    (worker,) = processes(up, "app.cli", "worker")
    name_before = {w.name for w in Worker.all(connection=connection)}
    worker.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()

    job = wait_until(lambda: job_row(job_id), 60, "the job to end", until=lambda job: job.status in FINAL)
    assert time.monotonic() - killed_at < 60
    assert job.status == "failed" and job.error.startswith("worker lost"), job.error
    # A new worker under a new name, registered and taking work again.
    wait_until(lambda: {w.name for w in Worker.all(connection=connection)}, 60, "a new worker",
               until=lambda names: names and not names & name_before)
    second = submit(connection, "after-restart")
    assert wait_until(lambda: status_of(second), 120, "the next job to end", until=lambda s: s in FINAL) \
        == "completed"
    assert "There exists an active worker named" not in up.log_tail()


def test_the_embedded_redis_killed_mid_job_comes_back_with_the_queue(service):
    up, connection = service
    running = submit(connection, "running-when-redis-died")
    wait_running(running)
    queued = [submit(connection, f"queued-{n}") for n in range(2)]
    time.sleep(1.5)  # appendfsync everysec: the queued jobs are on disk
    (server,) = processes(up, "redis-server")
    server.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()

    _code, body = wait_until(lambda: get_json(f"{up.url}/health", timeout=2), 10, "/health to say 503",
                            until=lambda answer: answer[0] == 503, not_yet=HTTP_NOT_YET, interval=0.05)
    assert time.monotonic() - killed_at <= 2.0, "the readiness probe took more than 2 s to notice"
    assert body["components"]["redis"] == "unhealthy"
    wait_until(lambda: get_json(f"{up.url}/health", timeout=2), 20, "/health to answer 200 again",
               until=lambda answer: answer[0] == 200, not_yet=HTTP_NOT_YET, interval=0.1)
    assert time.monotonic() - killed_at <= 20.0 + 2.0

    job = wait_until(lambda: job_row(running), 120, "the running job to end", until=lambda job: job.status in FINAL)
    assert job.status == "completed" or "Redis" in (job.error or "") or (job.error or "").startswith("worker lost"), \
        job.error
    for job_id in queued:  # kept by the append-only file, run by the worker once Redis is back
        assert wait_until(lambda job_id=job_id: status_of(job_id), 120, "a queued job to end",
                          until=lambda s: s in FINAL) == "completed"
    assert up.process.poll() is None, "codegen up stopped"


def test_stopping_the_service_mid_job_requeues_or_finishes_it(service):
    up, connection = service
    job_id = submit(connection, "stopped-mid-job")
    wait_running(job_id)
    stopped = up.stop()
    assert stopped.code == 0, up.log_tail()
    job = job_row(job_id)
    # Either it finished within the grace period, or it went back to the queue; never a dead Redis socket.
    assert job.status in ("completed", "queued"), (job.status, job.error)
    assert "ConnectionError" not in (job.error or "")
    if job.status == "queued":
        up.start().wait_healthy()
        assert wait_until(lambda: status_of(job_id), 120, "the requeued job to end",
                          until=lambda s: s in FINAL) == "completed"


def test_a_job_killed_with_its_worker_does_not_outlive_it(service):
    """The work horse dies with its worker (no orphan left running a job nobody supervises)."""
    up, connection = service
    job_id = submit(connection, "orphan")
    wait_running(job_id)
    (worker,) = processes(up, "app.cli", "worker")
    horses = worker.children()
    worker.send_signal(signal.SIGKILL)
    _gone, alive = psutil.wait_procs(horses, timeout=10)
    assert alive == [], f"work horse {[p.pid for p in alive]} outlived its worker"
