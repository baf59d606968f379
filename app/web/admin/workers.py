"""/admin/workers: queues with their depth, workers and their heartbeats, failed and abandoned jobs."""

from __future__ import annotations

import redis
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app.services import audit
from app.services.workers import (
    FAILED_PER_PAGE,
    abandoned_ids,
    delete_failed,
    failed_entries,
    move_abandoned_to_failed,
    queue_figures,
    queue_names,
    requeue_failed,
    worker_figures,
)
from app.web.admin import bp
from app.web.common import get_redis, get_session, page_or_fragment


def _queue_arg(connection: redis.Redis, raw: str | None) -> str:
    names = queue_names(connection)
    return raw if raw in names else names[0]


@bp.get("/workers")
def workers():
    connection = get_redis()
    names = queue_names(connection)
    queue = _queue_arg(connection, request.args.get("queue"))
    start = max(0, request.args.get("start", 0, type=int) or 0)
    failed = failed_entries(connection, queue, start)
    context = dict(
        queues=[queue_figures(connection, name) for name in names], workers=worker_figures(connection),
        queue=queue, failed=failed, abandoned=abandoned_ids(connection, queue), start=start,
        per_page=FAILED_PER_PAGE, has_more=len(failed) == FAILED_PER_PAGE,
    )
    return page_or_fragment("admin/workers.html", "admin/_workers.html", **context)


@bp.post("/workers/failed")
def failed_action():
    """Requeue or delete failed RQ jobs of one queue (one id, or every id on the page that was shown)."""
    connection, session = get_redis(), get_session()
    queue = _queue_arg(connection, request.form.get("queue"))
    action = request.form.get("action")
    ids = list(dict.fromkeys(request.form.getlist("ids")))[:FAILED_PER_PAGE]
    if action not in ("requeue", "delete") or not ids:
        abort(400, "Choose requeue or delete, and at least one failed job.")
    done, missing = 0, 0
    for job_id in ids:
        try:
            if action == "requeue":
                new_id = requeue_failed(session, connection, queue, job_id, current_user, ip=request.remote_addr)
                details = {"new_job_id": new_id} if new_id else {}
            else:
                delete_failed(connection, queue, job_id)
                details = {}
        except LookupError:
            missing += 1
            continue
        audit.record(session, f"rq_job_{action}d", actor=current_user, target=f"rq:{queue}:{job_id}",
                     ip=request.remote_addr, **details)
        session.commit()
        done += 1
    verb = "Requeued" if action == "requeue" else "Deleted"
    flash(f"{verb} {done} failed job{'s' if done != 1 else ''}."
          + (f" {missing} had already left the registry." if missing else ""))
    return redirect(url_for("admin.workers", queue=queue), 303)


@bp.post("/workers/abandoned")
def abandoned_action():
    """Hand abandoned jobs to RQ's cleanup now instead of waiting for a worker's maintenance run."""
    connection, session = get_redis(), get_session()
    queue = _queue_arg(connection, request.form.get("queue"))
    moved = move_abandoned_to_failed(connection, queue)
    audit.record(session, "rq_abandoned_failed", actor=current_user, target=f"rq:{queue}", ip=request.remote_addr,
                 count=moved)
    session.commit()
    flash(f"Moved {moved} abandoned job{'s' if moved != 1 else ''} to the failed registry.")
    return redirect(url_for("admin.workers", queue=queue), 303)
