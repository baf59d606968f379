"""Many jobs from many clients through `codegen up`: each reaches one final status, once, with its event stream
complete and in order.

The goal is 1,000 jobs from 50 concurrent clients; on two shared cores that takes minutes, so the count is
CODEGEN_SCALE_JOBS (default 200; set 1000 for the full goal). Checks off, offline provider."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from app import db
from app.models import Job, User
from app.services.events import read_events
from app.services.users import create_api_key, create_user
from app.settings import load_settings
from tests.helpers import PASSWORD, CodegenUp, wait_until

pytestmark = pytest.mark.slow

JOBS = int(os.environ.get("CODEGEN_SCALE_JOBS", "200"))
CLIENTS = 50
AGENTS = ["planner", "architect", "coder", "reviewer", "tester"]


def post_job(url: str, key: str, name: str) -> str:
    body = json.dumps({"template_id": "fastapi-backend", "name": name, "options": {"run_checks": False}}).encode()
    request = urllib.request.Request(f"{url}/api/jobs", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-API-Key": key})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
        return json.load(response)["job_id"]


def final(job_ids: list[str]) -> int:
    with db.Session() as session:
        rows = session.query(Job.status).filter(Job.id.in_(job_ids)).all()
    return sum(status in ("completed", "failed", "cancelled") for (status,) in rows)


@pytest.mark.timeout(1800)
def test_jobs_from_concurrent_clients_each_end_once_with_their_whole_stream(short_tmp, free_port):
    instance = short_tmp / "inst"
    up = CodegenUp(instance, free_port, short_tmp / "up.log", RATE_LIMIT_JOBS="100000 per minute").start()
    try:
        up.wait_healthy()
        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        keys = []
        with db.Session.begin() as session:
            for n in range(CLIENTS):
                user = create_user(session, f"client{n}@example.com", PASSWORD)
                keys.append(create_api_key(session, user, "scale")[1])

        submitted: list[str] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            mine: list[str] = []
            for i in range(n, JOBS, CLIENTS):
                # At most 5 jobs of one person queued or running: wait for room, as a real client would.
                wait_until(lambda mine=mine: len(mine) - final(mine), 600, "room under the active-jobs cap",
                           until=lambda active: active < 5, interval=0.2)
                mine.append(post_job(up.url, keys[n], f"job-{i}"))
            with lock:
                submitted.extend(mine)

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        assert len(submitted) == len(set(submitted)) == JOBS
        wait_until(lambda: final(submitted), 1200, f"all {JOBS} jobs to end", until=lambda done: done == JOBS,
                   interval=1.0)

        connection = redis.Redis.from_url(settings.effective_redis_url)
        with db.Session() as session:
            for job_id in submitted:
                job = session.get(Job, job_id)
                assert job.status == "completed", (job_id, job.status, job.error)
                events = read_events(connection, job_id, count=10_000)
                ids = [e.id for e in events]
                assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-")))) and len(set(ids)) == len(ids)
                assert [e.type for e in events].count("done") == 1 and events[-1].type == "done"
                assert (events[0].type, events[0].status) == ("job", "running")
                started = [e.agent for e in events if e.type == "agent" and e.status == "started"]
                assert started == AGENTS, (job_id, started)
                assert events[-1].status == "completed"
            assert session.query(User).count() >= CLIENTS
        connection.close()
        db.get_engine().dispose()
    finally:
        up.stop()
