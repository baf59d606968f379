"""The job page's WebSocket `/ws/jobs/<id>`: HTML fragments for the htmx ws extension (out-of-band swaps).

On every connect (and so on every reconnect) it sends the whole current state, each section replacing its
namesake whole, the log included; then it follows the event stream from the last event that state holds,
sending the sections that changed and appending new log lines. A reconnect therefore never leaves a gap and
never doubles a line, whatever the client missed. The socket closes after the job's `done` event.

Events come from the process's one pub/sub reader (app/web/fanout.py), so a socket holds no Redis connection and
does nothing while none comes. Access is checked again when it may have ended (app/services/access_changes.py) and
every ACCESS_RECHECK_S: a revoked share link, a removed team member or a deactivated user closes the socket with
4403 (CLOSE_ACCESS_REVOKED), which the htmx ws extension does not reconnect after.
"""

from __future__ import annotations

import time

import redis
from flask import abort, g, render_template, request
from flask_login import current_user
from markupsafe import escape

from app import db
from app.models import Job, User
from app.ops.metrics import recorder
from app.services.access import can_view
from app.services.artifacts import list_files
from app.services.events import Event, read_events, stream_position
from app.services.sharing import shared_job
from app.web.common import get_redis, get_session
from app.web.extensions import sock
from app.web.fanout import Listener, LiveEvent, hub
from app.web.jobs import bp
from app.web.jobs.log_lines import log_runs
from app.web.jobs.state import JobState, apply_event, apply_row, build_state
from app.web.jobs.views import SECTIONS, Viewer, job_events, render_section, viewer_for
from app.web.sockets import origin_allowed
from app.web.ws_subscriber import ACCESS_RECHECK_S, CLOSE_ACCESS_REVOKED
from app.web.ws_transport import Channel

# With no event for this long, look at the job row: a job can end without a `done` event when Redis was away.
RECHECK_S = 15
LIVE_SECTIONS = tuple(name for name in SECTIONS if name != "log")


@bp.before_request
def admit_socket():
    """Refuse a socket before the handshake: bad Origin 403 (app/web/sockets.py's rule: a share link's token
    signs the socket in, else the session cookie), nobody signed in 401, not theirs 404."""
    if request.endpoint != "jobs.live":
        return None
    token = request.args.get("share")
    if not origin_allowed(request.headers.get("Origin"), request.host, signed_in_by_cookie=not token):
        abort(403)
    session = get_session()
    job_id = (request.view_args or {}).get("job_id", "")
    job = session.get(Job, job_id) if len(job_id) <= 64 else None
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
    channel = Channel(ws)
    feed = JobFeed(job_id, g.live_viewer, get_redis(timeout_s=5), Listener(channel.wake))
    recorder.socket_opened("/ws/jobs")
    try:
        if not hub.follow(feed.listener, job_id):  # before the snapshot: no event falls between the two
            raise redis.ConnectionError("the event fan-out cannot reach Redis")
        channel.send(feed.snapshot())
        while not feed.finished:
            channel.wait(feed.next_check())
            channel.receive_ready()  # the page sends nothing; this notices a close
            update = feed.follow()
            if update:
                channel.send(update)
    except AccessRevoked as revoked:
        channel.close(CLOSE_ACCESS_REVOKED, str(revoked))
        return
    except redis.RedisError:
        # 1011 makes the htmx ws extension reconnect (with backoff); the next connect starts from the full state.
        channel.close(1011, "progress events are unavailable; reconnecting")
        return
    finally:
        hub.detach(feed.listener)
        recorder.socket_closed("/ws/jobs")
    channel.close(1000, "job finished")


class AccessRevoked(Exception):
    """The viewer may no longer see the job (share link revoked, team left, account deactivated)."""


class JobFeed:
    """One socket's view of one job: its state, kept and folded forward one event at a time, and what it sent.

    An event costs no database query and re-renders only the sections it changed; the job row is read on
    connect, after `done` (which follows the final row's commit) and when the stream has been quiet for long.
    """

    def __init__(self, job_id: str, viewer: Viewer, connection: redis.Redis, listener: Listener) -> None:
        self.job_id = job_id
        self.viewer = viewer
        self.connection = connection
        self.listener = listener
        self.user_id: int | None = None if viewer.shared or not current_user.is_authenticated else current_user.id
        self.access_checked = time.monotonic()
        self.state: JobState | None = None
        self.sent: dict[str, str] = {}
        self.summary = ""
        self.finished = False
        self.last_seen = time.monotonic()

    def snapshot(self) -> str:
        """The whole state, every section replacing its namesake."""
        with db.Session() as session:
            # The events first: `done` is published after the final row commits, so if they hold it, the row
            # read next is final.
            events = job_events(session, self.connection, self.job_id)
            job = session.get(Job, self.job_id)
            self.state = build_state(job, events, self._stored_files(session, job))
        self.sent = {name: render_section(name, self.state, self.viewer) for name in SECTIONS}
        self.finished = self.state.finished
        return "".join(self.sent.values()) + self._announce()

    def next_check(self) -> float:
        """Seconds until the row or the access is due a look, unless an event comes first."""
        now = time.monotonic()
        return max(0.0, min(self.last_seen + RECHECK_S, self.access_checked + ACCESS_RECHECK_S) - now)

    def follow(self) -> str:
        """Fold what the fan-out queued; the sections that changed and the new log lines, or '' when none."""
        new: list[Event] = []
        cursor = self.state.last_event_id or "0-0"
        for item in self.listener.take():
            if isinstance(item, LiveEvent):
                if item.position > stream_position(cursor):
                    new.append(item.event())
                    cursor = item.id
            elif item[0] == "resync":
                new += read_events(self.connection, self.job_id, cursor)
                cursor = new[-1].id if new else cursor
            elif item[0] == "access" and (self.job_id in item[1].get("jobs", ())
                                          or self.user_id in item[1].get("users", ())):
                self.check_access()
        if time.monotonic() - self.access_checked >= ACCESS_RECHECK_S:
            self.check_access()
        if not new:
            return self._recheck()
        self.last_seen = time.monotonic()
        changed: set[str] = set()
        for event in new:
            changed |= apply_event(self.state, event)
        if any(event.type == "done" for event in new):
            changed |= self._reread()
        return self._changes(changed, new)

    def check_access(self) -> None:
        """Raise AccessRevoked unless the share link still opens this job, or the person may still see it."""
        self.access_checked = time.monotonic()
        with db.Session() as session:
            if self.viewer.share_token is not None:
                shared = shared_job(session, self.viewer.share_token)
                if shared is None or shared.id != self.job_id:
                    raise AccessRevoked("access revoked: this share link no longer opens the job")
                return
            user = session.get(User, self.user_id) if self.user_id is not None else None
            job = session.get(Job, self.job_id)
            if user is None or not user.is_active or job is None or not can_view(user, job):
                raise AccessRevoked("access revoked: you may no longer see this job")

    def _recheck(self) -> str:
        if time.monotonic() - self.last_seen < RECHECK_S:
            return ""
        self.last_seen = time.monotonic()
        with db.Session() as session:
            if not session.get(Job, self.job_id).job_status.is_final:
                return ""
        return self._changes(self._reread(), [])

    def _reread(self) -> set[str]:
        """The job's final row, with its stored files, usage and zip."""
        with db.Session() as session:
            job = session.get(Job, self.job_id)
            changed = apply_row(self.state, job, self._stored_files(session, job))
        self.finished = self.state.finished
        return changed

    @staticmethod
    def _stored_files(session, job: Job) -> list[tuple[str, int]] | None:
        return [(f.path, f.size) for f in list_files(session, job.id)] if job.files_count else None

    def _changes(self, changed: set[str], new: list[Event]) -> str:
        parts = []
        for name in LIVE_SECTIONS:
            if name not in changed:
                continue
            html = render_section(name, self.state, self.viewer)
            if html != self.sent.get(name):
                parts.append(html)
                self.sent[name] = html
        if new:
            parts.append(self._new_lines(len(new)))
        parts.append(self._announce())
        return "".join(parts)

    def _new_lines(self, count: int) -> str:
        """The log's `count` newest lines: appended to the run the page shows last when they continue it, the rest
        as new runs (each open: its agent is the one working; the page's script folds the one before)."""
        runs = log_runs(self.state.log)
        seen = len(self.state.log) - count  # lines the page already has
        parts, first = [], 0
        for run in runs:
            end = first + len(run.lines)
            if end > seen:
                if first < seen:  # the run the page shows last goes on
                    lines = "".join(render_template("jobs/_log_line.html", line=line)
                                    for line in run.lines[seen - first:])
                    parts.append(f'<div id="log-run-{run.index}-lines" hx-swap-oob="beforeend">{lines}</div>')
                else:
                    html = render_template("jobs/_log_run.html", run=run, open=True)
                    parts.append(f'<div id="job-log-lines" hx-swap-oob="beforeend">{html}</div>')
            first = end
        return "".join(parts)

    def _announce(self) -> str:
        if self.state.summary == self.summary:
            return ""
        self.summary = self.state.summary
        return f'<p id="job-announce" hx-swap-oob="innerHTML">{escape(self.state.summary)}</p>'
