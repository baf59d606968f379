"""The job page's WebSocket `/ws/jobs/<id>`: HTML fragments for the htmx ws extension (out-of-band swaps).

On every connect (and so on every reconnect) it sends the whole current state, each section replacing its
namesake whole, the log included; then it follows the event stream from the last event that state holds,
sending the sections that changed and appending new log lines. A reconnect therefore never leaves a gap and
never doubles a line, whatever the client missed. The socket closes after the job's `done` event.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import redis
from flask import abort, g, render_template, request
from flask_login import current_user
from markupsafe import escape

from app import db
from app.models import Job
from app.ops.metrics import recorder
from app.services.access import can_view
from app.services.artifacts import list_files
from app.services.events import Event, wait_events
from app.services.sharing import shared_job
from app.web.common import get_redis, get_session
from app.web.extensions import sock
from app.web.jobs import bp
from app.web.jobs.state import JobState, build_state, log_line
from app.web.jobs.views import SECTIONS, Viewer, job_events, render_section, viewer_for

BLOCK_MS = 2000
# With no event for this long, look at the job row: a job can end without a `done` event when Redis was away.
RECHECK_S = 15
# The worker publishes `done` just before it commits the final row; wait this long for the commit to show.
COMMIT_WAIT_S = 5
LIVE_SECTIONS = tuple(name for name in SECTIONS if name != "log")


def same_origin(origin: str | None, host: str) -> bool:
    """Browsers send Origin with every WebSocket handshake; another site's page must not open ours."""
    if not origin:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


@bp.before_request
def admit_socket():
    """Refuse a socket before the handshake: bad Origin 403, nobody signed in 401, not theirs 404."""
    if request.endpoint != "jobs.live":
        return None
    if not same_origin(request.headers.get("Origin"), request.host):
        abort(403)
    session = get_session()
    job_id = (request.view_args or {}).get("job_id", "")
    job = session.get(Job, job_id) if len(job_id) <= 64 else None
    token = request.args.get("share")
    if token:
        shared = shared_job(session, token)
        if job is None or shared is None or shared.id != job.id:
            abort(404)
        g.live_viewer = Viewer(job.id, share_token=token)
    elif not current_user.is_authenticated:
        abort(401)
    elif job is None or not can_view(current_user, job):
        abort(404)
    else:
        g.live_viewer = viewer_for(job)
    # The socket may live for minutes: hold no database transaction (nor SQLite read lock) meanwhile.
    session.close()
    return None


@sock.route("/ws/jobs/<job_id>", bp=bp)
def live(ws, job_id: str) -> None:
    feed = JobFeed(job_id, g.live_viewer, get_redis(timeout_s=BLOCK_MS / 1000 + 5))
    recorder.socket_opened("/ws/jobs")
    try:
        ws.send(feed.snapshot())
        while not feed.finished and ws.connected:
            update = feed.follow(BLOCK_MS)
            if update:
                ws.send(update)
    except redis.RedisError:
        # 1011 makes the htmx ws extension reconnect (with backoff); the next connect starts from the full state.
        ws.close(reason=1011, message="progress events are unavailable; reconnecting")
        return
    finally:
        recorder.socket_closed("/ws/jobs")
    ws.close(reason=1000, message="job finished")


class JobFeed:
    """One socket's view of one job: the events it has sent and the sections as last sent."""

    def __init__(self, job_id: str, viewer: Viewer, connection: redis.Redis) -> None:
        self.job_id = job_id
        self.viewer = viewer
        self.connection = connection
        self.events: list[Event] = []
        self.sent: dict[str, str] = {}
        self.summary = ""
        self.finished = False
        self.last_seen = time.monotonic()

    @property
    def last_id(self) -> str:
        return self.events[-1].id if self.events else "0-0"

    def snapshot(self) -> str:
        """The whole state, every section replacing its namesake."""
        with db.Session() as session:
            # The row first: once it is final, its `done` event is in the stream already.
            job = session.get(Job, self.job_id)
            self.events = job_events(session, self.connection, self.job_id)
            state = self._state(session, job)
        self.sent = {name: render_section(name, state, self.viewer) for name in SECTIONS}
        html = "".join(self.sent.values()) + self._announce(state)
        if job.job_status.is_final:
            self.finished = True
        elif any(event.type == "done" for event in self.events):
            html += self._after_done([])  # published, but the final row is not committed yet
        return html

    def follow(self, block_ms: int) -> str:
        """Wait for new events; the sections they changed and the new log lines, or '' when none came."""
        new = wait_events(self.connection, self.job_id, self.last_id, block_ms)
        if not new:
            return self._recheck()
        self.last_seen = time.monotonic()
        self.events.extend(new)
        if any(event.type == "done" for event in new):
            return self._after_done(new)
        with db.Session() as session:
            state = self._state(session, session.get(Job, self.job_id))
        return self._changes(state, new)

    def _after_done(self, new: list[Event]) -> str:
        with db.Session() as session:
            state = self._state(session, self._final_row(session))
        self.finished = True
        return self._changes(state, new)

    def _recheck(self) -> str:
        if time.monotonic() - self.last_seen < RECHECK_S:
            return ""
        self.last_seen = time.monotonic()
        with db.Session() as session:
            job = session.get(Job, self.job_id)
            if not job.job_status.is_final:
                return ""
            state = self._state(session, job)
        self.finished = True
        return self._changes(state, [])

    def _state(self, session, job: Job) -> JobState:
        stored = [(f.path, f.size) for f in list_files(session, job.id)] if job.files_count else None
        return build_state(job, self.events, stored)

    def _final_row(self, session) -> Job:
        deadline = time.monotonic() + COMMIT_WAIT_S
        while True:
            job = session.get(Job, self.job_id, populate_existing=True)
            if job.job_status.is_final or time.monotonic() > deadline:
                return job
            session.rollback()  # end the read transaction, so the next read sees the worker's commit
            time.sleep(0.05)

    def _changes(self, state: JobState, new: list[Event]) -> str:
        parts = []
        for name in LIVE_SECTIONS:
            html = render_section(name, state, self.viewer)
            if html != self.sent.get(name):
                parts.append(html)
                self.sent[name] = html
        if new:
            lines = "".join(render_template("jobs/_log_line.html", line=log_line(e)) for e in new)
            parts.append(f'<div id="job-log-lines" hx-swap-oob="beforeend">{lines}</div>')
        parts.append(self._announce(state))
        return "".join(parts)

    def _announce(self, state: JobState) -> str:
        if state.summary == self.summary:
            return ""
        self.summary = state.summary
        return f'<p id="job-announce" hx-swap-oob="innerHTML">{escape(state.summary)}</p>'

