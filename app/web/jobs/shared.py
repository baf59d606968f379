"""Share links: the owner creates and revokes one; anyone holding it sees the job read-only at `/s/<token>`."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.services.access import NotAllowed
from app.services.sharing import create_share_link, revoke_share_link
from app.web.common import get_redis, get_session, is_fragment_request, page_or_fragment
from app.web.jobs import bp
from app.web.jobs.files import shared_job_or_404
from app.web.jobs.submit import template_names
from app.web.jobs.views import Viewer, fragment_response, load_state, viewer_for, visible_job_or_404


def _share_panel(job, notice: str):
    if is_fragment_request():
        return fragment_response("jobs/_share.html", job=job, viewer=viewer_for(job), notice=notice)
    flash(notice)
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.post("/jobs/<job_id>/share")
@login_required
def share(job_id: str):
    job = visible_job_or_404(job_id)
    session = get_session()
    try:
        create_share_link(session, job, current_user, ip=request.remote_addr)
    except NotAllowed:
        abort(403)
    session.commit()
    return _share_panel(job, "Share link created: anyone holding it can see this job, its files and its zip.")


@bp.post("/jobs/<job_id>/share/revoke")
@login_required
def unshare(job_id: str):
    job = visible_job_or_404(job_id)
    session = get_session()
    try:
        revoke_share_link(session, job, current_user, ip=request.remote_addr)
    except NotAllowed:
        abort(403)
    session.commit()
    return _share_panel(job, "Share link revoked: it no longer opens this job.")


@bp.get("/s/<token>")
def shared(token: str):
    job = shared_job_or_404(token)
    state = load_state(get_session(), get_redis(), job)
    return page_or_fragment("jobs/show.html", "jobs/_job.html", job=job, state=state,
                            viewer=Viewer(job.id, share_token=token), template_names=template_names())
