"""Sign in, sign out and register."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import User, utcnow
from app.services import audit
from app.services.users import UserError, create_user, end_sessions, find_user
from app.web.auth import bp
from app.web.auth.forms import LoginForm, RegisterForm
from app.web.common import current_settings, get_session
from app.web.extensions import limiter, login_manager


@cache
def _dummy_hash() -> str:
    # Checking a wrong e-mail against this keeps it as slow as a wrong password, so timing tells nothing.
    return generate_password_hash("not-anyone's-password")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.is_active or fingerprint != user.session_fingerprint:
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    if not target:
        return url_for("jobs.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("jobs.index")
    return target


def _login_account_key() -> str:
    # Per account *and* address: wrong guesses from elsewhere cannot lock the owner out of their own account.
    return f"login-account:{(request.form.get('email') or '').strip().lower()}:{get_remote_address()}"


def _sign_in_failed(response) -> bool:
    """Only refused sign-ins count against the limits (a success answers with a redirect)."""
    return response.status_code >= 400


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], deduct_when=_sign_in_failed)
@limiter.limit("5 per minute", key_func=_login_account_key, methods=["POST"], deduct_when=_sign_in_failed)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = find_user(session, form.email.data)
        valid = check_password_hash(user.password_hash if user else _dummy_hash(), form.password.data)
        if user is not None and valid and user.is_active:
            login_user(user)
            user.last_login_at = utcnow()
            audit.record(session, "login", actor=user, ip=request.remote_addr)
            session.commit()
            return redirect(safe_next(request.args.get("next")))
        audit.record(session, "login_failed", actor_email=form.email.data.strip().lower(), ip=request.remote_addr)
        session.commit()
        form.password.errors.append("Wrong e-mail or password.")
    return render_template("auth/login.html", form=form,
                           registration_open=current_settings().registration_open), 200 if not form.errors else 400


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ended on the server too: the cookie, copied or kept, is refused from now on (load_user checks it).
        session = get_session()
        user = session.get(User, current_user.id)
        end_sessions(user)
        session.commit()
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if not current_settings().registration_open:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user = create_user(session, form.email.data, form.password.data)
        except UserError as exc:
            form.email.errors.append(str(exc))
        else:
            audit.record(session, "register", actor=user, ip=request.remote_addr)
            session.commit()
            login_user(user)
            flash("Welcome! Pick a project template to start.")
            return redirect(url_for("jobs.index"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 400
