"""The gallery of project templates, a person's job list, the live job page, and cancelling or retrying a job."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.services.jobs import JobLimitReached, JobStateError, cancel_job, retry_job
from app.services.queues import QueueUnavailable
from app.web.common import error_page, get_redis, get_session, is_fragment_request, page_or_fragment
from app.web.job_limits import creates_jobs, job_created
from app.web.jobs import bp
from app.web.jobs.improve import page_context
from app.web.jobs.listing import STATUSES, job_page, owner_emails
from app.web.jobs.submit import template_cards, template_names
from app.web.jobs.views import fragment_response, load_state, redirect_after_post, viewer_for, visible_job_or_404


@bp.get("/")
def index():
    return render_template("jobs/gallery.html", project_templates=template_cards())


@bp.get("/jobs")
@login_required
def list_jobs():
    status = request.args.get("status", "")
    template_id = request.args.get("template", "")
    status = status if status in STATUSES else ""
    template_id = template_id if template_id in {t["id"] for t in template_cards()} else ""
    cursor = request.args.get("cursor", "")[:200]
    q = request.args.get("q", "").strip()[:100]
    page = job_page(get_session(), current_user, status=status or None, template_id=template_id or None,
                    cursor=cursor or None, q=q or None)
    # A "load more" request appends rows; any other HTMX request (the filters) replaces the whole list.
    fragment = "jobs/_rows.html" if cursor else "jobs/_list.html"
    return page_or_fragment("jobs/list.html", fragment, jobs=page, status_filter=status, template_filter=template_id,
                            q=q, cursor=cursor, statuses=STATUSES, project_templates=template_cards(),
                            owners=owner_emails(get_session(), page.jobs, current_user))


@bp.get("/jobs/<job_id>/row")
@login_required
def row(job_id: str):
    """One row of My jobs, fresh: a row whose job is not final polls this until it is (the page, without HTMX)."""
    job = visible_job_or_404(job_id)
    if not is_fragment_request():
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    return fragment_response("jobs/_row.html", job=job, owners=owner_emails(get_session(), [job], current_user))


@bp.get("/jobs/<job_id>")
@login_required
def show(job_id: str):
    job = visible_job_or_404(job_id)
    state = load_state(get_session(), get_redis(), job)
    viewer = viewer_for(job)
    return page_or_fragment("jobs/show.html", "jobs/_job.html", job=job, state=state, viewer=viewer,
                            template_names=template_names(), **page_context(job, viewer))


def _managed_job(job_id: str):
    job = visible_job_or_404(job_id)
    if not viewer_for(job).can_manage:
        abort(403)
    return job


@bp.post("/jobs/<job_id>/cancel")
@login_required
def cancel(job_id: str):
    job = _managed_job(job_id)
    session = get_session()
    try:
        cancel_job(session, get_redis(), job, current_user, ip=request.remote_addr)
    except JobStateError:
        message = f"This job is already {job.status}; there is nothing to cancel."
    else:
        session.commit()
        message = "Cancelled." if job.job_status.is_final else "Cancel requested: the job stops at its next step."
    if is_fragment_request():
        state = load_state(session, get_redis(), job)
        return fragment_response("jobs/_actions.html", state=state, viewer=viewer_for(job), notice=message)
    flash(message)
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.post("/jobs/<job_id>/retry")
@login_required
@creates_jobs
def retry(job_id: str):
    job = _managed_job(job_id)
    session = get_session()
    try:
        new_job = retry_job(session, get_redis(), job, current_user, ip=request.remote_addr)
    except (JobStateError, JobLimitReached) as exc:
        flash(f"This job cannot be retried: {exc}.")
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    except QueueUnavailable:
        session.commit()
        return error_page(503, "The job queue is not answering; the retry was not started. Try again shortly.")
    job_created()
    flash("A new run of this job has started.")
    return redirect_after_post(url_for("jobs.show", job_id=new_job.id))
