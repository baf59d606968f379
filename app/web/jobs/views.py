"""Glue shared by the job routes and the socket: who is looking, where links lead, the state and its sections."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from flask import abort, make_response, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import db
from app.generation.request import runs_checks
from app.models import Job, JobStatus, utcnow
from app.services.access import can_manage, can_view
from app.services.artifacts import list_files
from app.services.estimates import remaining_label, typical_duration
from app.services.events import Event, history, stored_events
from app.web.common import get_session, is_fragment_request
from app.web.jobs import bp
from app.web.jobs.state import SECTIONS, JobState, build_state


@dataclass(frozen=True)
class Viewer:
    """What the person looking at a job may do there, and how its links are spelled."""

    job_id: str
    can_manage: bool = False
    is_owner: bool = False
    share_token: str | None = None  # set when the job is seen through a share link

    @property
    def shared(self) -> bool:
        return self.share_token is not None

    def file_url(self, path: str) -> str:
        if self.shared:
            return url_for("jobs.shared_file", token=self.share_token, path=path)
        return url_for("jobs.file", job_id=self.job_id, path=path)

    def raw_url(self, path: str, download: bool = False) -> str:
        extra = {"download": "1"} if download else {}
        if self.shared:
            return url_for("jobs.shared_raw", token=self.share_token, path=path, **extra)
        return url_for("jobs.raw", job_id=self.job_id, path=path, **extra)

    def download_url(self) -> str:
        if self.shared:
            return url_for("jobs.shared_download", token=self.share_token)
        return url_for("jobs.download", job_id=self.job_id)

    def log_url(self) -> str:
        """The raw log, as a plain-text download."""
        if self.shared:
            return url_for("jobs.shared_log", token=self.share_token)
        return url_for("jobs.log", job_id=self.job_id)

    def page_url(self) -> str:
        if self.shared:
            return url_for("jobs.shared", token=self.share_token)
        return url_for("jobs.show", job_id=self.job_id)

    def socket_url(self) -> str:
        """A path: the htmx ws extension puts it on the page's own origin (ws:// or wss://, as the page is)."""
        if self.shared:
            url = url_for("jobs.live", job_id=self.job_id, share=self.share_token)
        else:
            url = url_for("jobs.live", job_id=self.job_id)
        # Werkzeug builds WebSocket rules as absolute ws:// URLs from the Host header; keep path and query.
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def viewer_for(job: Job) -> Viewer:
    return Viewer(job.id, can_manage=can_manage(current_user, job),
                  is_owner=current_user.is_authenticated and job.owner_id == current_user.id)


def visible_job_or_404(job_id: str) -> Job:
    """The job, if the signed-in person may see it; anyone else learns nothing, not even that it exists."""
    job = get_session().get(Job, job_id) if len(job_id) <= 64 else None
    if job is None or not can_view(current_user, job):
        abort(404)
    return job


def job_events(session: Session, connection: redis.Redis, job_id: str, after: str = "0-0") -> list[Event]:
    """Every event after `after`; from the database alone when Redis is away, so the page still shows."""
    try:
        return list(history(connection, session, job_id, after))
    except redis.RedisError:
        return stored_events(session, job_id, after)


def load_state(session: Session, connection: redis.Redis, job: Job) -> JobState:
    events = job_events(session, connection, job.id)
    stored = [(f.path, f.size) for f in list_files(session, job.id)] if job.files_count else None
    return build_state(job, events, stored)


def render_section(name: str, state: JobState, viewer: Viewer, **extra: object) -> str:
    return render_template(f"jobs/_{name}.html", state=state, viewer=viewer, **extra)


def render_sections(state: JobState, viewer: Viewer) -> dict[str, str]:
    return {name: render_section(name, state, viewer) for name in SECTIONS}


def fragment_response(template: str, status: int = 200, **context: object):
    """A fragment for an HTMX request that only ever wants the fragment (the buttons of the job page)."""
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(target: str):
    """To a new page after a POST: HTMX is told to load it whole (HX-Redirect); a plain form gets a 303."""
    if is_fragment_request():
        response = make_response("", 201)
        response.headers["HX-Redirect"] = target
        response.vary.add("HX-Request")
        return response
    return redirect(target, 303)


@bp.app_template_global()
def server_now() -> str:
    """The server's clock as the page was rendered: the page's tickers correct the reader's clock by it."""
    return utcnow().isoformat()


@bp.app_template_global()
def queue_position(job: Job) -> int | None:
    """Where a queued job waits: 1 when it is next. Read in a session of its own, as the socket renders too."""
    if job.status != JobStatus.QUEUED.value:
        return None
    with db.Session() as session:
        ahead = session.scalar(select(func.count()).select_from(Job).where(
            Job.status == JobStatus.QUEUED.value, Job.created_at < job.created_at))
    return (ahead or 0) + 1


@dataclass(frozen=True)
class Estimate:
    label: str  # "about 3 min left", as rendered
    typical_s: float  # the median duration the page's script counts down from
    since: str  # when the job started (ISO)
    basis: str  # which jobs the median comes from, in words


@bp.app_template_global()
def remaining_estimate(state: JobState) -> Estimate | None:
    """While a job runs, how long it probably has left, from recent completed jobs of its project template with its
    checks setting (app/services/estimates.py); None without such jobs. Read once per state, in a session of its
    own, as the socket renders too."""
    if state.finished or not state.started_iso:
        return None
    if not state.typical_read:
        with db.Session() as session:
            state.typical = typical_duration(session, state.template_id, runs_checks(state.row.options))
        state.typical_read = True
    typical = state.typical
    if typical is None:
        return None
    return Estimate(remaining_label(typical.seconds, state.duration_s), typical.seconds, state.started_iso,
                    typical.basis)
