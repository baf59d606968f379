"""End to end: `codegen up` starts everything, runs a job through a real worker, and Ctrl-C leaves nothing behind."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis

from app import db
from app.models import Job
from app.services.jobs import submit_job
from app.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    body: dict = {}
    while time.monotonic() < deadline:
        assert process.poll() is None, "codegen up exited early"
        try:
            status, body = get_json(url)
            if status == 200 and body["status"] == "healthy":
                return body
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"/health did not become healthy within {timeout_s}s: {body}")


def start(instance: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY")}
    env.update(INSTANCE_PATH=str(instance), CODEGEN_PROVIDER="offline")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "up", "--port", str(port), "--workers", "1"],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    descendants = psutil.Process(process.pid).children(recursive=True)
    assert descendants, "codegen up started no child processes"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    _gone, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == [], f"left behind: {[p.info for p in alive]}"


def test_codegen_up_runs_a_job_and_stops_cleanly(short_tmp, free_port):
    instance, port = short_tmp / "inst", free_port
    url = f"http://127.0.0.1:{port}/health"
    process = start(instance, port, short_tmp / "up1.log")
    try:
        body = wait_healthy(url, process)
        assert body["components"] == {"database": "healthy", "redis": "healthy", "openai": "unconfigured",
                                      "workers": "healthy"}

        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        connection = redis.Redis.from_url(settings.effective_redis_url)
        with db.Session() as session:
            job_id = submit_job(session, connection, template_id="fastapi-backend", name="e2e").id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.Session() as session:
                status = session.get(Job, job_id).status
            if status in ("completed", "failed"):
                break
            time.sleep(0.2)
        assert status == "completed"
        connection.close()
        db.get_engine().dispose()
    finally:
        if process.poll() is None:
            stop(process)

    first_log = (short_tmp / "up1.log").read_text()
    assert "created the admin account" in first_log and "password:" in first_log
    assert (instance / "codegen.db").exists() and (instance / "redis" / "appendonly.aof").exists()
    assert not (instance / "redis" / "redis.sock").exists()

    # A second start reuses the data: no new admin, and the job is still there.
    process = start(instance, port, short_tmp / "up2.log")
    try:
        wait_healthy(url, process)
        with db.Session() as session:
            assert session.get(Job, job_id).status == "completed"
        db.get_engine().dispose()
    finally:
        stop(process)
    assert "created the admin account" not in (short_tmp / "up2.log").read_text()
