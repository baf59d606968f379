"""End to end: `codegen up` starts everything, runs a job through a real worker, and Ctrl-C leaves nothing behind."""

import pytest
import redis

from app import db
from app.models import Job
from app.settings import load_settings
from tests.helpers import DEADLINE_S, CodegenUp, get_json, wait_until
from tests.jobs_support import queue_job

pytestmark = pytest.mark.slow


def assert_stops_cleanly(up: CodegenUp) -> None:
    stopped = up.stop()
    assert stopped.children, "codegen up started no child processes"
    assert stopped.code == 0, f"codegen up exited {stopped.code}:\n{up.log_tail()}"
    assert stopped.left_behind == [], f"left behind: {stopped.left_behind}"


def status_of(job_id: str) -> str:
    with db.Session() as session:
        return session.get(Job, job_id).status


def test_codegen_up_runs_a_job_and_stops_cleanly(short_tmp, free_port):
    instance = short_tmp / "inst"
    up = CodegenUp(instance, free_port, short_tmp / "up1.log").start()
    try:
        components = up.wait_healthy()["components"]
        # The sandbox's state depends on the machine (bubblewrap); tests/integration/test_sandbox.py covers it.
        components.pop("sandbox", None)
        assert components == {"database": "healthy", "redis": "healthy", "openai": "unconfigured",
                              "workers": "healthy"}
        # gunicorn as configured by app/ops/gunicorn_conf.py: even a URL longer than it reads gets the error shape.
        status, body = get_json(f"{up.url}/api/templates?q={'a' * 9000}")
        assert (status, body["error"]["code"]) == (414, "request_uri_too_long")

        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        connection = redis.Redis.from_url(settings.effective_redis_url)
        with db.Session() as session:
            job_id = queue_job(session, connection, template_id="fastapi-backend", name="e2e").id
        status = wait_until(lambda: status_of(job_id), DEADLINE_S, "the job to end",
                            until=lambda status: status in ("completed", "failed", "cancelled"))
        with db.Session() as session:
            assert status == "completed", session.get(Job, job_id).error
        connection.close()
        db.get_engine().dispose()
    finally:
        if up.process.poll() is None:
            assert_stops_cleanly(up)

    first_log = (short_tmp / "up1.log").read_text()
    assert "created the admin account" in first_log and "password:" in first_log
    assert (instance / "codegen.db").exists() and (instance / "redis" / "appendonly.aof").exists()
    assert not (instance / "redis" / "redis.sock").exists()

    # A second start reuses the data: no new admin, and the job is still there.
    up = CodegenUp(instance, free_port, short_tmp / "up2.log").start()
    try:
        up.wait_healthy()
        assert status_of(job_id) == "completed"
        db.get_engine().dispose()
    finally:
        assert_stops_cleanly(up)
    assert "created the admin account" not in (short_tmp / "up2.log").read_text()
