"""The job page's socket: refused at the handshake for the wrong people or origin; the whole state on every
connect, then live changes; no gap and no duplicate across a reconnect; closed after `done`."""

import re
import threading

import pytest
import websocket

from app import db
from app.models import Job, JobStatus, User
from app.services.jobs import finish_job
from app.services.sharing import create_share_link
from tests.integration.pages_support import emit, live_server, make_job, set_job, start_agents, team_with

RECEIVE_TIMEOUT_S = 10


def event_ids(html: str) -> list[str]:
    return re.findall(r'data-event-id="([0-9]+-[0-9]+)"', html)


def connect(host: str, path: str, cookie: str | None = None, origin: str | None = "same"):
    headers = {}
    return websocket.create_connection(
        f"ws://{host}{path}", timeout=RECEIVE_TIMEOUT_S, cookie=f"session={cookie}" if cookie else None,
        origin=f"http://{host}" if origin == "same" else origin, header=headers, suppress_origin=origin is None)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


@pytest.fixture
def server(app):
    with live_server(app) as host:
        yield host


def handshake_status(host: str, path: str, **kwargs) -> int:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(host, path, **kwargs)
    return refused.value.status_code


def test_the_socket_is_refused_before_the_handshake(server, owner_client, other_client, user_id):
    job_id = make_job(user_id, status="running")
    owner = session_cookie(owner_client)
    assert handshake_status(server, f"/ws/jobs/{job_id}", cookie=owner, origin="http://evil.example") == 403
    assert handshake_status(server, f"/ws/jobs/{job_id}", cookie=owner, origin=None) == 403
    assert handshake_status(server, f"/ws/jobs/{job_id}") == 401
    assert handshake_status(server, f"/ws/jobs/{job_id}", cookie=session_cookie(other_client)) == 404
    assert handshake_status(server, "/ws/jobs/0123456789abcdef0123456789abcdef", cookie=owner) == 404
    assert handshake_status(server, f"/ws/jobs/{job_id}?share=not-a-real-token-but-long-enough-000000") == 404


def test_team_members_admins_and_share_links_may_watch(server, app, user_id, other_user_id, redis_conn,
                                                       other_client, admin_client):
    job_id = make_job(user_id, status="completed", team_id=team_with(user_id, other_user_id))
    emit(redis_conn, job_id, "done", "completed", text="Job completed")
    with db.Session.begin() as session:
        token = create_share_link(session, session.get(Job, job_id), session.get(User, user_id))
    for cookie, query in ((session_cookie(other_client), ""), (session_cookie(admin_client), ""),
                          (None, f"?share={token}")):
        ws = connect(server, f"/ws/jobs/{job_id}{query}", cookie=cookie)
        assert 'id="job-status"' in ws.recv()
        ws.close()


def test_a_finished_job_sends_its_whole_state_once_then_closes(server, owner_client, completed_job_id):
    ws = connect(server, f"/ws/jobs/{completed_job_id}", cookie=session_cookie(owner_client))
    snapshot = ws.recv()
    for section in ("job-status", "job-actions", "job-timeline", "job-usage", "job-files", "job-results", "job-log"):
        assert f'id="{section}"' in snapshot
    assert "hx-swap-oob" not in snapshot.split('id="job-announce"')[0]  # sections replace their namesakes whole
    assert '<p id="job-announce" hx-swap-oob="innerHTML">Job completed.</p>' in snapshot
    with db.Session() as session:
        stored = [e.stream_id for e in session.get(Job, completed_job_id).events]
    assert event_ids(snapshot) == stored
    assert ws.recv() == ""  # the server closed the socket


def test_live_updates_then_done_then_close(server, owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    ws = connect(server, f"/ws/jobs/{job_id}", cookie=session_cookie(owner_client))
    first = ws.recv()
    assert len(event_ids(first)) == 6 and '<li class="working" data-agent="coder"' in first

    new = emit(redis_conn, job_id, "file", "written", "coder", 40, "app/main.py", path="app/main.py", size=99)
    update = ws.recv()
    assert event_ids(update) == [new.id]  # only the new line is appended
    assert '<div id="job-log-lines" hx-swap-oob="beforeend">' in update
    assert 'id="job-files"' in update and "main.py" in update and 'id="job-timeline"' not in update

    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        finish_job(session, redis_conn, job, JobStatus.CANCELLED, error="cancelled by request")
    last = ws.recv()
    assert '<span class="badge cancelled">cancelled</span>' in last and "cancelled by request" in last
    assert ws.recv() == ""


def test_a_reconnect_gets_everything_once_whatever_it_missed(server, owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    cookie = session_cookie(owner_client)
    seen: list[str] = []

    ws = connect(server, f"/ws/jobs/{job_id}", cookie=cookie)
    seen = event_ids(ws.recv())
    emit(redis_conn, job_id, "log", "running", "coder", 30, "before the drop")
    seen += event_ids(ws.recv())
    ws.sock.close()  # dropped: no closing handshake

    missed = [emit(redis_conn, job_id, "log", "running", "coder", 31, f"while away {n}").id for n in range(3)]
    ws = connect(server, f"/ws/jobs/{job_id}", cookie=cookie)
    snapshot = ws.recv()
    # The reconnect replaces the whole log: every line so far, each once, in order.
    assert event_ids(snapshot) == seen + missed
    assert 'id="job-log"' in snapshot and "beforeend" not in snapshot

    after = emit(redis_conn, job_id, "log", "running", "coder", 32, "after the reconnect")
    assert event_ids(ws.recv()) == [after.id]
    ws.close()


def test_a_done_event_published_before_the_row_commits_still_ends_cleanly(server, owner_client, user_id,
                                                                           redis_conn):
    """The worker publishes `done` just before it commits the final row; the socket waits for the commit."""
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    ws = connect(server, f"/ws/jobs/{job_id}", cookie=session_cookie(owner_client))
    ws.recv()
    emit(redis_conn, job_id, "done", "completed", progress=100, text="Job completed")
    threading.Timer(0.5, set_job, args=(job_id,), kwargs={"status": "completed"}).start()
    last = ws.recv()
    assert '<span class="badge completed">completed</span>' in last and 'value="100"' in last
    assert ws.recv() == ""
