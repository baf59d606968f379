"""API keys (created, named, listed, revoked; shown once) and the password form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.models import ApiKey, utcnow
from app.services import audit
from app.services.users import create_api_key
from app.web.account import bp
from app.web.auth.forms import PasswordForm
from app.web.common import get_session

MAX_KEYS = 20


class ApiKeyForm(FlaskForm):
    name = StringField("Key name", validators=[DataRequired(), Length(max=100)])


class RevokeForm(FlaskForm):
    pass


def _keys():
    return get_session().scalars(select(ApiKey).where(ApiKey.user_id == current_user.id)
                                 .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()


@bp.route("/api-keys", methods=["GET", "POST"])
@login_required
def api_keys():
    form, new_key = ApiKeyForm(), None
    if form.validate_on_submit():
        session = get_session()
        if sum(k.is_active for k in _keys()) >= MAX_KEYS:
            form.name.errors.append(f"You already have {MAX_KEYS} active keys; revoke one first.")
        else:
            key, new_key = create_api_key(session, current_user, form.name.data)
            audit.record(session, "api_key_created", actor=current_user, target=f"key:{key.prefix}",
                         ip=request.remote_addr, name=key.name)
            session.commit()
            form = ApiKeyForm(formdata=None)
    status = 400 if form.errors else 201 if new_key else 200
    return render_template("account/api_keys.html", form=form, keys=_keys(), new_key=new_key,
                           revoke_form=RevokeForm()), status


@bp.post("/api-keys/<int:key_id>/revoke")
@login_required
def revoke_api_key(key_id: int):
    if not RevokeForm().validate_on_submit():
        abort(400)
    session = get_session()
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != current_user.id:
        abort(404)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, "api_key_revoked", actor=current_user, target=f"key:{key.prefix}",
                     ip=request.remote_addr, name=key.name)
        session.commit()
        flash(f"Revoked the key “{key.name}”.")
    return redirect(url_for("account.api_keys"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            session = get_session()
            current_user.password_hash = generate_password_hash(form.password.data)
            audit.record(session, "password_changed", actor=current_user, ip=request.remote_addr)
            session.commit()
            login_user(current_user)  # keep this session; every other one ends with the old password
            flash("Your password is changed.")
            return redirect(url_for("account.api_keys"))
    return render_template("account/password.html", form=form), 400 if form.errors else 200
