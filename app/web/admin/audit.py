"""/admin/audit: who did what, newest first, filterable by action, actor, target and date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import request, url_for
from sqlalchemy import select

from app.models import AuditEntry
from app.services.keyset import CursorError, Ordering, count_rows, paginate
from app.web.admin import bp
from app.web.common import get_session, page_or_fragment

AUDIT_ORDER = Ordering(name="audit", key=AuditEntry.created_at, key_codec="datetime", tiebreak=AuditEntry.id,
                       tiebreak_codec="int")
PER_PAGE = 50
# Offered as suggestions; the filter takes any action name.
KNOWN_ACTIONS = (
    "login", "login_failed", "register", "password_changed", "api_key_created", "api_key_revoked",
    "job_cancelled", "job_retried", "job_deleted", "user_role_changed", "user_deactivated", "user_reactivated",
    "user_password_reset", "rq_job_requeued", "rq_job_deleted", "rq_abandoned_failed",
)


def _date(raw: str | None, errors: list[str], name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(f"The {name} date {raw[:40]!r} is not a date (YYYY-MM-DD).")
        return None


@bp.get("/audit")
def audit():
    args = request.args
    filters = {name: (args.get(name) or "").strip()[:254] for name in ("action", "actor", "target", "from", "to")}
    errors: list[str] = []
    query = select(AuditEntry)
    if filters["action"]:
        query = query.where(AuditEntry.action == filters["action"])
    if filters["actor"]:
        query = query.where(AuditEntry.actor_email == filters["actor"].lower())
    if filters["target"]:
        query = query.where(AuditEntry.target.startswith(filters["target"], autoescape=True))
    start, end = _date(filters["from"], errors, "start"), _date(filters["to"], errors, "end")
    if start:
        query = query.where(AuditEntry.created_at >= datetime.combine(start, time.min, tzinfo=UTC))
    if end:
        query = query.where(AuditEntry.created_at < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    session = get_session()
    try:
        page = paginate(session, query, AUDIT_ORDER, PER_PAGE, args.get("cursor") or None)
    except CursorError as exc:
        errors.append(str(exc))
        page = paginate(session, query, AUDIT_ORDER, PER_PAGE, None)
    total = count_rows(session, query, AUDIT_ORDER, filtered=any(filters.values()))
    kept = {k: v for k, v in filters.items() if v}

    def page_url(cursor: str | None) -> str | None:
        return url_for("admin.audit", **kept, cursor=cursor) if cursor else None

    response = page_or_fragment("admin/audit.html", "admin/_audit.html", status=400 if errors else 200,
                                listing=page, total=total, filters=filters, errors=errors, actions=KNOWN_ACTIONS,
                                next_url=page_url(page.next), prev_url=page_url(page.prev),
                                first_url=url_for("admin.audit", **kept))
    # The address bar gets the short form of the filters, not every empty field of the form.
    response.headers["HX-Push-Url"] = url_for("admin.audit", **kept, cursor=args.get("cursor") or None)
    return response
