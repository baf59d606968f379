"""A job's log as plain text, to download: for those who may see the job, and through its share link."""

from __future__ import annotations

from flask import Response
from flask_login import login_required
from werkzeug.utils import secure_filename

from app.models import Job
from app.web.common import get_redis, get_session
from app.web.jobs import bp
from app.web.jobs.files import shared_job_or_404
from app.web.jobs.log_lines import log_line
from app.web.jobs.views import job_events, visible_job_or_404


def log_text(job: Job) -> str:
    """One line per event: its UTC time, whose it is (an agent, or the job) and its message, lines kept whole."""
    lines, line = [], None
    for event in job_events(get_session(), get_redis(), job.id):
        line = log_line(event, line)
        lines.append(f"{line.stamp or '-'}  [{line.agent or 'job'}]  {line.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def _download(job: Job) -> Response:
    name = secure_filename(job.name) or "job"
    response = Response(log_text(job), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-log.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<job_id>/log.txt")
@login_required
def log(job_id: str):
    return _download(visible_job_or_404(job_id))


@bp.get("/s/<token>/log.txt")
def shared_log(token: str):
    return _download(shared_job_or_404(token))
