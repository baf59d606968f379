"""/admin/users: roles, teams, job counts and last sign-in; change a role, deactivate, reset a password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.models import ROLES, User
from app.services import audit
from app.services.keyset import CursorError
from app.services.users import STATES, AccountError, job_counts, list_users, reset_password, set_active, set_role
from app.web.admin import bp
from app.web.common import get_session, is_fragment_request, page_or_fragment


def _back(raw: str | None) -> str:
    home = url_for("admin.users")
    parts = urlsplit(raw or "")
    return home + (f"?{parts.query}" if parts.path == home and parts.query else "")


def _list_context(args, **extra) -> tuple[dict, int]:
    q = (args.get("q") or "").strip()[:254]
    role = args.get("role") if args.get("role") in ROLES else ""
    state = args.get("state") if args.get("state") in STATES else ""
    error = None
    try:
        page = list_users(get_session(), q, role, state, args.get("cursor") or None)
    except CursorError as exc:
        error, page = str(exc), list_users(get_session(), q, role, state)

    def page_url(cursor: str | None) -> str | None:
        params = {k: v for k, v in {"q": q, "role": role, "state": state, "cursor": cursor}.items() if v}
        return url_for("admin.users", **params) if cursor else None

    back = url_for("admin.users", **{k: v for k, v in {"q": q, "role": role, "state": state,
                                                       "cursor": args.get("cursor")}.items() if v})
    context = dict(listing=page, q=q, role=role, state=state, roles=ROLES, states=STATES, error=error, back=back,
                   next_url=page_url(page.next), prev_url=page_url(page.prev), **extra)
    return context, 400 if error else 200


@bp.get("/users")
def users():
    context, status = _list_context(request.args)
    response = page_or_fragment("admin/users.html", "admin/_users.html", status=status, **context)
    response.headers["HX-Push-Url"] = context["back"]  # the short form of the filters for the address bar
    return response


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _answer(user: User, message: str, error: bool = False, new_password: str | None = None):
    """HTMX gets the changed row; a plain form gets the list again (the new password is never put in a cookie)."""
    back = _back(request.form.get("back"))
    if is_fragment_request():
        response = make_response(render_template(
            "admin/_user_row.html", user=user, counts=job_counts(get_session(), [user]), back=back,
            message=message, message_is_error=error, new_password=new_password))
        response.vary.add("HX-Request")
        return response
    if new_password is not None:
        context, _status = _list_context(MultiDict(parse_qsl(urlsplit(back).query)), new_password=new_password,
                                         password_user_id=user.id, notice=message)
        return render_template("admin/users.html", **context)
    flash(message)
    return redirect(back, 303)


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    session, user = get_session(), _user_or_404(user_id)
    try:
        before = set_role(current_user, user, request.form.get("role", ""))
    except AccountError as exc:
        return _answer(user, str(exc), error=True)
    if before != user.role:
        audit.record(session, "user_role_changed", actor=current_user, target=f"user:{user.id}",
                     ip=request.remote_addr, email=user.email, role_before=before, role_after=user.role)
        session.commit()
    return _answer(user, f"{user.email} is now {'an' if user.role == 'admin' else 'a'} {user.role}.")


@bp.post("/users/<int:user_id>/active")
def change_active(user_id: int):
    session, user = get_session(), _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(current_user, user, active)
    except AccountError as exc:
        return _answer(user, str(exc), error=True)
    audit.record(session, "user_reactivated" if active else "user_deactivated", actor=current_user,
                 target=f"user:{user.id}", ip=request.remote_addr, email=user.email)
    session.commit()
    return _answer(user, f"{user.email} is {'active again' if active else 'deactivated and signed out'}.")


@bp.post("/users/<int:user_id>/password")
def change_password(user_id: int):
    session, user = get_session(), _user_or_404(user_id)
    try:
        password = reset_password(current_user, user)
    except AccountError as exc:
        return _answer(user, str(exc), error=True)
    audit.record(session, "user_password_reset", actor=current_user, target=f"user:{user.id}",
                 ip=request.remote_addr, email=user.email)
    session.commit()
    return _answer(user, f"New password for {user.email}; it is shown only now.", new_password=password)
