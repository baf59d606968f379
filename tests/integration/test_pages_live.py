"""The job page's socket: refused at the handshake for the wrong people or origin; the whole state on every
connect, then live changes; no gap and no duplicate across a reconnect; closed after `done`."""

import re
import time

import pytest
import websocket
from flask import template_rendered
from sqlalchemy import event as orm_event

from app import db
from app.models import Job, JobStatus, User
from app.services.events import Event, append_event
from app.services.jobs import finish_job
from app.services.sharing import create_share_link
from tests.integration.pages_support import add_files, emit, make_job, start_agents

# A message that has not come within a minute is not coming: generous, so that a busy machine is not a failure.
RECEIVE_TIMEOUT_S = 60


def event_ids(html: str) -> list[str]:
    return re.findall(r'data-event-id="([0-9]+-[0-9]+)"', html)


def connect(live_server, path: str, cookie: str | None = None, origin: str | None = "same"):
    headers = {}
    return websocket.create_connection(
        f"{live_server.ws_url}{path}", timeout=RECEIVE_TIMEOUT_S, cookie=f"session={cookie}" if cookie else None,
        origin=live_server.url if origin == "same" else origin, header=headers, suppress_origin=origin is None)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def handshake_status(live_server, path: str, **kwargs) -> int:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(live_server, path, **kwargs)
    return refused.value.status_code


def test_the_socket_is_refused_before_the_handshake(live_server, owner_client, other_client, user_id):
    job_id = make_job(user_id, status="running")
    owner = session_cookie(owner_client)
    assert handshake_status(live_server, f"/ws/jobs/{job_id}", cookie=owner, origin="http://evil.example") == 403
    assert handshake_status(live_server, f"/ws/jobs/{job_id}", cookie=owner, origin=None) == 403
    assert handshake_status(live_server, f"/ws/jobs/{job_id}") == 401
    assert handshake_status(live_server, f"/ws/jobs/{job_id}", cookie=session_cookie(other_client)) == 404
    assert handshake_status(live_server, "/ws/jobs/0123456789abcdef0123456789abcdef", cookie=owner) == 404
    assert handshake_status(live_server, f"/ws/jobs/{job_id}?share=not-a-real-token-but-long-enough-000000") == 404


def test_a_share_link_socket_may_come_from_any_origin_or_none(live_server, user_id):
    """app/web/sockets.py: the link's token signs the socket in, not the cookie (which needs this site's Origin)."""
    job_id = make_job(user_id, status="completed")
    with db.Session.begin() as session:
        token = create_share_link(session, session.get(Job, job_id), session.get(User, user_id))
    for origin in ("http://evil.example", None):
        ws = connect(live_server, f"/ws/jobs/{job_id}?share={token}", origin=origin)
        assert 'id="job-status"' in ws.recv()
        ws.close()


def test_team_members_admins_and_share_links_may_watch(live_server, app, make_team, user_id, other_user_id, redis_conn,
                                                       other_client, admin_client):
    job_id = make_job(user_id, status="completed", team_id=make_team("platform", user_id, other_user_id))
    emit(redis_conn, job_id, "done", "completed", text="Job completed")
    with db.Session.begin() as session:
        token = create_share_link(session, session.get(Job, job_id), session.get(User, user_id))
    for cookie, query in ((session_cookie(other_client), ""), (session_cookie(admin_client), ""),
                          (None, f"?share={token}")):
        ws = connect(live_server, f"/ws/jobs/{job_id}{query}", cookie=cookie)
        assert 'id="job-status"' in ws.recv()
        ws.close()


def test_a_finished_job_sends_its_whole_state_once_then_closes(live_server, owner_client, completed_job_id):
    ws = connect(live_server, f"/ws/jobs/{completed_job_id}", cookie=session_cookie(owner_client))
    snapshot = ws.recv()
    for section in ("job-status", "job-actions", "job-timeline", "job-usage", "job-files", "job-results", "job-log"):
        assert f'id="{section}"' in snapshot
    assert "hx-swap-oob" not in snapshot.split('id="job-announce"')[0]  # sections replace their namesakes whole
    assert '<p id="job-announce" hx-swap-oob="innerHTML">Job completed.</p>' in snapshot
    with db.Session() as session:
        stored = [e.stream_id for e in session.get(Job, completed_job_id).events]
    assert event_ids(snapshot) == stored
    assert ws.recv() == ""  # the server closed the socket


def test_live_updates_then_done_then_close(live_server, owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    ws = connect(live_server, f"/ws/jobs/{job_id}", cookie=session_cookie(owner_client))
    first = ws.recv()
    assert len(event_ids(first)) == 6 and '<li class="working" data-agent="coder"' in first

    new = emit(redis_conn, job_id, "file", "written", "coder", 40, "app/main.py", path="app/main.py", size=99)
    update = ws.recv()
    assert event_ids(update) == [new.id]  # only the new line is appended
    # The log folds into runs of one agent: the job's, the planner's, the architect's, then the coder's (3).
    assert '<div id="log-run-3-lines" hx-swap-oob="beforeend">' in update and 'id="job-log-lines"' not in update
    assert 'id="job-files"' in update and "main.py" in update and 'id="job-timeline"' not in update
    assert [m for m in re.findall(r'<details class="log-run" id="log-run-(\d+)" data-agent="(\w+)"', first)] == [
        ("0", "job"), ("1", "planner"), ("2", "architect"), ("3", "coder")]
    assert '<details class="log-run" id="log-run-3" data-agent="coder" open>' in first  # the working one is open
    assert '<details class="log-run" id="log-run-2" data-agent="architect">' in first  # the others fold

    # Another agent's line starts a run of its own, added open after the others.
    review = emit(redis_conn, job_id, "agent", "started", "reviewer", 60, "reviewer starts")
    update = ws.recv()
    assert event_ids(update) == [review.id]
    assert '<div id="job-log-lines" hx-swap-oob="beforeend"><details class="log-run" id="log-run-4" ' \
           'data-agent="reviewer" open>' in update

    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        finish_job(session, redis_conn, job, JobStatus.CANCELLED, error="cancelled by request")
    last = ws.recv()
    assert '<span class="badge cancelled">cancelled</span>' in last and "cancelled by request" in last
    assert ws.recv() == ""


def test_a_reconnect_gets_everything_once_whatever_it_missed(live_server, owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    cookie = session_cookie(owner_client)
    seen: list[str] = []

    ws = connect(live_server, f"/ws/jobs/{job_id}", cookie=cookie)
    seen = event_ids(ws.recv())
    emit(redis_conn, job_id, "log", "running", "coder", 30, "before the drop")
    seen += event_ids(ws.recv())
    ws.sock.close()  # dropped: no closing handshake

    missed = [emit(redis_conn, job_id, "log", "running", "coder", 31, f"while away {n}").id for n in range(3)]
    ws = connect(live_server, f"/ws/jobs/{job_id}", cookie=cookie)
    snapshot = ws.recv()
    # The reconnect replaces the whole log: every line so far, each once, in order.
    assert event_ids(snapshot) == seen + missed
    assert 'id="job-log"' in snapshot and "beforeend" not in snapshot

    after = emit(redis_conn, job_id, "log", "running", "coder", 32, "after the reconnect")
    assert event_ids(ws.recv()) == [after.id]
    ws.close()


def test_an_event_costs_the_socket_no_query_and_renders_only_what_it_changed(live_server, app, owner_client, user_id,
                                                                             redis_conn):
    """However long the history, one more event is folded into the socket's state: no database query, no
    rebuild, and only the sections it changed are rendered again."""
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    for number in range(300):
        append_event(redis_conn, None, Event(job_id=job_id, type="log", agent="coder", status="streaming", progress=25,
                                             message=f"chunk {number}", data={"stream": True}))
    ws = connect(live_server, f"/ws/jobs/{job_id}", cookie=session_cookie(owner_client))
    assert len(event_ids(ws.recv())) == 306
    queries: list[str] = []
    rendered: list[str] = []

    def on_query(_conn, _cursor, statement, *_args):
        queries.append(statement)

    def on_render(_app, template, **_extra):
        rendered.append(template.name)

    orm_event.listen(db.get_engine(), "before_cursor_execute", on_query)
    template_rendered.connect(on_render, app)
    try:
        for number in range(20):
            line = append_event(redis_conn, None, Event(job_id=job_id, type="log", agent="coder", status="streaming",
                                                        progress=25, message=f"more {number}", data={"stream": True}))
            assert event_ids(ws.recv()) == [line.id]
        assert queries == [] and set(rendered) == {"jobs/_log_line.html"}
        rendered.clear()
        append_event(redis_conn, None, Event(job_id=job_id, type="file", agent="coder", status="written", progress=40,
                                             message="app/main.py", data={"path": "app/main.py", "size": 9}))
        update = ws.recv()
        assert queries == [] and sorted(rendered) == ["jobs/_files.html", "jobs/_log_line.html", "jobs/_status.html"]
        assert 'id="job-timeline"' not in update and "main.py" in update and 'value="40"' in update
    finally:
        template_rendered.disconnect(on_render, app)
        orm_event.remove(db.get_engine(), "before_cursor_execute", on_query)
    ws.close()


def test_done_follows_the_final_commit_so_the_last_message_shows_the_final_row(live_server, owner_client, user_id,
                                                                              redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    ws = connect(live_server, f"/ws/jobs/{job_id}", cookie=session_cookie(owner_client))
    ws.recv()
    add_files(job_id, {"app/main.py": b"print(1)\n", "README.md": b"# todo\n"})  # stored, not yet announced
    with db.Session.begin() as session:
        finish_job(session, redis_conn, session.get(Job, job_id), JobStatus.COMPLETED)
        session.flush()
        time.sleep(0.5)  # a slow commit
    last = ws.recv()
    assert '<span class="badge completed">completed</span>' in last and 'value="100"' in last
    assert "Download zip" in last and "README.md" in last  # from the row and the stored file list
    assert ws.recv() == ""
