"""Faults and scale, short of whole processes: the reaper's stale read, how lost and cancelled jobs read in RQ and
in the database, the socket gauge at zero, access that ends under open sockets, and one Redis reader per process."""

from __future__ import annotations

import threading

import pytest
import websocket
from prometheus_client.parser import text_string_to_metric_families
from rq.exceptions import AbandonedJobError
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus

from app import db
from app.models import Job, JobStatus, Team, User
from app.services import jobs as job_service
from app.services import lost_jobs
from app.services.events import Event, append_event
from app.services.sharing import create_share_link, revoke_share_link
from app.services.teams import remove_member
from app.services.users import set_active
from app.worker.rq_worker import CodegenWorker, preload
from app.worker.tasks import configure_runtime, on_rq_failure
from tests.helpers import DEADLINE_S, wait_until
from tests.integration.api_support import make_key
from tests.integration.test_ws_json import closed_with, connect, receive, send, signed_in
from tests.jobs_support import queue_job


def test_the_reaper_never_writes_failed_over_a_job_that_finished_meanwhile(app, redis_conn, user_id, monkeypatch):
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="raced", owner_id=user_id).id
        session.get(Job, job_id).status = JobStatus.RUNNING.value
        session.commit()
    redis_conn.delete(f"rq:job:{job_id}")  # RQ no longer knows it: the reaper would call it lost

    real_fetch = RQJob.fetch

    def fetch_while_the_worker_completes(job, *args, **kwargs):
        # The job completes between the reaper's read of its row and its verdict.
        with db.Session.begin() as other:
            row = other.get(Job, job)
            row.status, row.progress = JobStatus.COMPLETED.value, 100
        return real_fetch(job, *args, **kwargs)

    monkeypatch.setattr(lost_jobs.RQJob, "fetch", fetch_while_the_worker_completes)
    with db.Session.begin() as session:
        lost = lost_jobs.reap_lost_jobs(session, redis_conn)
    assert lost == []
    with db.Session() as session:
        job = session.get(Job, job_id)
        assert (job.status, job.error) == ("completed", None)


def test_an_abandoned_job_says_worker_lost(app, redis_conn, user_id):
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="abandoned", owner_id=user_id).id
    on_rq_failure(RQJob.fetch(job_id, connection=redis_conn), redis_conn, AbandonedJobError, AbandonedJobError(), None)
    with db.Session() as session:
        job = session.get(Job, job_id)
        assert job.status == "failed"
        assert job.error.startswith("worker lost"), job.error


def test_a_running_job_cancelled_reads_canceled_in_rq(app, settings, redis_conn, user_id):
    configure_runtime(settings)
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="cancel-me", owner_id=user_id,
                           options={"run_checks": False}).id
    # The cancel request is there before the job starts: it stops at its first step, as a running job would.
    redis_conn.set(job_service.cancel_key(job_id), "1")
    CodegenWorker(["codegen"], connection=redis_conn).work(burst=True)
    with db.Session() as session:
        assert session.get(Job, job_id).status == "cancelled"
    assert RQJob.fetch(job_id, connection=redis_conn).get_status() == RQStatus.CANCELED


def test_the_worker_imports_what_jobs_need_before_it_forks():
    import sys

    preload()
    assert "openai" in sys.modules
    assert any(name.startswith("app.generation.agents.") for name in sys.modules)
    assert any(name.startswith("app.generation.project_templates.") for name in sys.modules)


def test_the_socket_gauge_reads_zero_with_no_socket_open(client):
    text = client.get("/metrics").get_data(as_text=True)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("codegen_websocket_connections", (("endpoint", "/ws"),))] == 0
    assert samples[("codegen_websocket_connections", (("endpoint", "/ws/jobs"),))] == 0


# --- access that ends reaches open sockets -----------------------------------------------------------------


def subscribed(live_server, user_id: int, job_id: str):
    ws = signed_in(live_server, make_key(user_id))
    send(ws, {"type": "subscribe", "job_id": job_id})
    assert receive(ws)["type"] == "subscribed"
    return ws


def test_deactivating_a_user_closes_their_sockets(live_server, redis_conn, user_id, admin_id):
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="watched", owner_id=user_id).id
    ws = subscribed(live_server, user_id, job_id)
    with db.Session.begin() as session:
        set_active(session.get(User, admin_id), session.get(User, user_id), False)
    assert closed_with(ws) == (4403, "access revoked: this account is no longer active")


def test_removing_a_team_member_closes_their_socket_on_the_team_job(live_server, redis_conn, user_id, other_user_id,
                                                                    make_team):
    team_id = make_team("crew", user_id, other_user_id)
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="team-job", owner_id=user_id,
                           team_id=team_id).id
    ws = subscribed(live_server, other_user_id, job_id)
    with db.Session.begin() as session:
        remove_member(session.get(Team, team_id), session.get(User, other_user_id))
    code, reason = closed_with(ws)
    assert code == 4403 and job_id in reason


def test_revoking_a_share_link_closes_the_job_pages_opened_through_it(live_server, redis_conn, user_id):
    with db.Session() as session:
        job = queue_job(session, redis_conn, template_id="fastapi-backend", name="shared", owner_id=user_id)
        job_id = job.id
        token = create_share_link(session, job, session.get(User, user_id))
        session.commit()
    ws = websocket.create_connection(f"{live_server.ws_url}/ws/jobs/{job_id}?share={token}", timeout=60)
    try:
        assert 'id="job-status"' in ws.recv()  # the snapshot
        with db.Session.begin() as session:
            owner = session.get(User, user_id)
            revoke_share_link(session, session.get(Job, job_id), owner)
        assert closed_with(ws) == (4403, "access revoked: this share link no longer opens the job")
    finally:
        ws.close()


# --- one Redis reader per process ----------------------------------------------------------------------------


@pytest.mark.timeout(180)
def test_many_subscribers_share_one_redis_connection_and_poll_nothing(live_server, redis_conn, user_id):
    """More subscribers than redis-py's pool of 100 allows, each getting every event, with no XREAD at all."""
    with db.Session() as session:
        job_id = queue_job(session, redis_conn, template_id="fastapi-backend", name="popular", owner_id=user_id).id
    key = make_key(user_id)
    sockets = []
    for _ in range(120):
        ws = connect(live_server)
        send(ws, {"type": "auth", "token": key})
        assert receive(ws)["type"] == "authenticated"
        send(ws, {"type": "subscribe", "job_id": job_id})
        assert receive(ws)["type"] == "subscribed"
        sockets.append(ws)
    clients_before = len(redis_conn.client_list())
    xreads_before = redis_conn.info("commandstats").get("cmdstat_xread", {}).get("calls", 0)

    for n in range(3):
        append_event(redis_conn, None, Event(job_id=job_id, type="log", message=f"line {n}"))
    received: list[list[str]] = [[] for _ in sockets]

    def read(index: int) -> None:
        while len(received[index]) < 3:
            message = receive(sockets[index])
            if message.get("type") == "log":
                received[index].append(message["message"])

    readers = [threading.Thread(target=read, args=(i,)) for i in range(len(sockets))]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(DEADLINE_S)
    assert all(lines == ["line 0", "line 1", "line 2"] for lines in received)
    assert len(redis_conn.client_list()) <= clients_before + 2
    wait_until(lambda: redis_conn.info("commandstats").get("cmdstat_xread", {}).get("calls", 0), 2,
               "no XREAD", until=lambda calls: calls == xreads_before)
