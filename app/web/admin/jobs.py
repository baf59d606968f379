"""/admin/jobs: every job in one filterable table, live rows, and cancel, retry or delete in bulk."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import redis
from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only
from werkzeug.datastructures import MultiDict

from app.generation.project_templates import all_templates
from app.models import Job, JobStatus, User
from app.services.job_listing import (
    PAGE_SIZES,
    SORTS,
    STATUSES,
    JobFilters,
    JobPage,
    jobs_newer_than,
    labels_for,
    list_jobs,
)
from app.services.job_search import ROW_COLUMNS, SearchTooBroad
from app.services.jobs import JobStateError, cancel_job, delete_job, retry_job
from app.services.keyset import CursorError, Total
from app.services.queues import QueueUnavailable
from app.web.admin import bp
from app.web.api.responses import job_out
from app.web.common import error_response, get_redis, get_session, is_fragment_request, page_or_fragment, wants_json

MAX_SELECTED = max(PAGE_SIZES)


def _project_templates() -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in all_templates()]


# Each action is audited by its service, with the admin, their address and what the table showed (`details`).
def _run_cancel(session: Session, connection: redis.Redis, job: Job, admin: User, ip: str | None, **details) -> None:
    cancel_job(session, connection, job, admin, ip=ip, status_before=job.status, **details)


def _run_retry(session: Session, connection: redis.Redis, job: Job, admin: User, ip: str | None, **details) -> None:
    # An admin's retry is on purpose: the owner's cap on jobs queued or running does not apply.
    retry_job(session, connection, job, admin, over_cap=True, ip=ip, **details)


def _run_delete(session: Session, connection: redis.Redis, job: Job, admin: User, ip: str | None, **details) -> None:
    delete_job(session, connection, job, admin, ip=ip, status_before=job.status, owner_id=job.owner_id, **details)


class JobAction:
    def __init__(self, verb: str, past: str, run: Callable[..., None],
                 allowed: Callable[[Job], bool], refusal: str) -> None:
        self.verb, self.past, self.run, self.allowed, self.refusal = verb, past, run, allowed, refusal


ACTIONS = {
    "cancel": JobAction("cancel", "cancelled", _run_cancel, lambda j: not j.job_status.is_final,
                        "already finished"),
    "retry": JobAction("retry", "retried", _run_retry,
                       lambda j: j.job_status in (JobStatus.FAILED, JobStatus.CANCELLED),
                       "only failed or cancelled jobs can be retried"),
    "delete": JobAction("delete", "deleted", _run_delete, lambda j: j.job_status.is_final,
                        "still queued or running; cancel it first"),
}


def list_url(raw: str | None) -> str:
    """The job list to return to: only ever a path of this page, whatever the client sent."""
    home = url_for("admin.jobs")
    parts = urlsplit(raw or "")
    if parts.path != home:
        return home
    return home + (f"?{parts.query}" if parts.query else "")


def _table_context(args: MultiDict, notice: str | None = None) -> tuple[dict, int]:
    session = get_session()
    templates = _project_templates()
    filters = JobFilters.parse(args, [t for t, _ in templates])
    try:
        page = list_jobs(session, filters, args.get("cursor") or None)
    except SearchTooBroad as exc:
        filters.errors[exc.field] = str(exc)
        page = JobPage([], None, None, Total(0), {}, {})
    except CursorError as exc:
        filters.errors["cursor"] = str(exc)
        page = list_jobs(session, filters, None)
    here = url_for("admin.jobs", **filters.query_args(cursor=args.get("cursor") or ""))
    context = dict(filters=filters, listing=page, project_templates=templates, statuses=STATUSES, sorts=SORTS,
                   page_sizes=PAGE_SIZES, back=here, notice=notice, watch_new=_watches_new(filters, args),
                   newest_id=page.jobs[0].id if page.jobs else "",
                   next_url=url_for("admin.jobs", **filters.query_args(cursor=page.next)) if page.next else None,
                   prev_url=url_for("admin.jobs", **filters.query_args(cursor=page.prev)) if page.prev else None)
    return context, 400 if filters.errors else 200


def _watches_new(filters: JobFilters, args: MultiDict) -> bool:
    """New jobs are added at the top of the first page of the newest-first table only: anywhere else they would
    not belong where the rows are."""
    return not args.get("cursor") and filters.sort == "created" and filters.order == "desc" and not filters.errors


@bp.get("/jobs")
def jobs():
    if wants_json():
        return _jobs_json()
    context, status = _table_context(request.args)
    response = page_or_fragment("admin/jobs.html", "admin/_jobs.html", status=status, **context)
    # The address bar gets the short form of the filters, not every empty field of the form.
    response.headers["HX-Push-Url"] = context["back"]
    return response


def _jobs_json():
    session = get_session()
    filters = JobFilters.parse(request.args, [t for t, _ in _project_templates()])
    if filters.errors:
        return error_response(400, "invalid_filter", "one or more filters are not valid", details=filters.errors)
    try:
        page = list_jobs(session, filters, request.args.get("cursor") or None)
    except CursorError as exc:
        return error_response(400, "invalid_cursor", str(exc))
    except SearchTooBroad as exc:
        return error_response(400, "search_too_broad", str(exc))
    return jsonify({
        "success": True,
        "jobs": [_job_json(job, page) for job in page.jobs],
        "filters": filters.to_dict(),
        "pagination": {"limit": filters.limit, "next": page.next, "prev": page.prev, **page.total.to_dict()},
        **({"search_note": page.search_note} if page.search_note else {}),
    })


def _job_json(job: Job, page: JobPage) -> dict:
    """The job in the JSON API's shape (`GET /api/jobs/<id>`), plus who owns it and its team's name."""
    owner = {"id": job.owner_id, "email": page.owners.get(job.owner_id)} if job.owner_id is not None else None
    team = {"id": job.team_id, "name": page.teams.get(job.team_id)} if job.team_id is not None else None
    return {**job_out(job).model_dump(mode="json"), "owner": owner, "team": team}


@bp.get("/jobs/live")
def live_rows():
    """Fresh rows for the jobs the table showed as queued or running, each swapped in by its id: one request
    every two seconds for the whole table, however many of its rows are live."""
    if not is_fragment_request():
        return redirect(url_for("admin.jobs"))
    ids = list(dict.fromkeys(request.args.getlist("live")))[:MAX_SELECTED]
    session = get_session()
    found = session.scalars(select(Job).options(load_only(*ROW_COLUMNS)).where(Job.id.in_(ids))).all() if ids else []
    jobs = {job.id: job for job in found}
    back = list_url(request.headers.get("HX-Current-URL"))
    # The first page of the newest-first table also asks for jobs newer than its newest row (`newest`).
    shown = MultiDict(parse_qsl(urlsplit(back).query))
    filters = JobFilters.parse(shown, [t for t, _ in _project_templates()])
    watch_new = "newest" in request.args and _watches_new(filters, shown)
    newest_id = request.args.get("newest", "")[:64]
    newer = jobs_newer_than(session, filters, newest_id) if watch_new else []
    owners, teams = labels_for(session, [*found, *newer])
    response = make_response(render_template("admin/_live_rows.html", ids=ids, jobs=jobs, owners=owners,
                                             teams=teams, back=back, newer=newer, watch_new=watch_new,
                                             newest_id=newer[0].id if newer else newest_id))
    response.vary.add("HX-Request")
    return response


@bp.post("/jobs/actions")
def job_actions():
    """Cancel, retry or delete the selected jobs: first a confirmation, then the action, each one audited."""
    action = ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400, "Choose an action: cancel, retry or delete.")
    ids = list(dict.fromkeys(request.form.getlist("ids")))[:MAX_SELECTED]
    back = list_url(request.form.get("back"))
    session = get_session()
    selected = session.scalars(select(Job).where(Job.id.in_(ids))).all() if ids else []
    selected.sort(key=lambda j: ids.index(j.id))
    if request.form.get("confirmed") != "1" or not selected:
        return _confirm(action, selected, back)
    done, skipped = _perform(session, action, selected)
    return _after(action, done, skipped, back)


def _confirm(action: JobAction, selected: list[Job], back: str):
    allowed = [j for j in selected if action.allowed(j)]
    refused = [j for j in selected if not action.allowed(j)]
    owners, _teams = labels_for(get_session(), selected)
    return page_or_fragment("admin/job_actions.html", "admin/_confirm.html", action=action, allowed=allowed,
                            refused=refused, owners=owners, back=back)


def _perform(session: Session, action: JobAction, selected: list[Job]) -> tuple[list[Job], list[tuple[Job, str]]]:
    connection = get_redis()
    done: list[Job] = []
    skipped: list[tuple[Job, str]] = []
    for job in selected:
        name = job.name
        if not action.allowed(job):
            skipped.append((job, action.refusal))
            continue
        try:
            action.run(session, connection, job, current_user, request.remote_addr, name=name,
                       selected=len(selected))
        except (JobStateError, QueueUnavailable) as exc:
            skipped.append((job, str(exc)))
            continue
        session.commit()
        done.append(job)
    return done, skipped


def _summary(action: JobAction, done: list[Job], skipped: list[tuple[Job, str]]) -> str:
    noun = "job" if len(done) == 1 else "jobs"
    parts = [f"{action.past.capitalize()} {len(done)} {noun}."]
    if action.verb == "cancel" and any(j.status == JobStatus.RUNNING.value for j in done):
        parts.append("Running jobs stop at their next step.")
    if skipped:
        reasons = "; ".join(f"{job.name} ({reason})" for job, reason in skipped[:5])
        parts.append(f"Skipped {len(skipped)}: {reasons}{' …' if len(skipped) > 5 else ''}.")
    return " ".join(parts)


def _after(action: JobAction, done: list[Job], skipped: list[tuple[Job, str]], back: str):
    message = _summary(action, done, skipped)
    if not is_fragment_request():
        flash(message)
        return redirect(back, 303)
    context, status = _table_context(MultiDict(parse_qsl(urlsplit(back).query)), notice=message)
    response = make_response(render_template("admin/_jobs_after_action.html", **context), status)
    response.vary.add("HX-Request")
    return response
