"""The admin console: jobs, users, workers, stats and the audit log (admins only)."""

from flask import Blueprint, abort, g, request, url_for
from flask_login import current_user

from app.models import User
from app.web.api.auth import AuthError, current_caller
from app.web.common import error_response, get_session, wants_json
from app.web.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    if request.method == "GET" and (request.headers.get("Authorization") or request.headers.get("X-API-Key")):
        refused = _sign_in_by_api_credentials()
        if refused is not None:
            return refused
    if not current_user.is_authenticated:
        if wants_json():
            return error_response(401, "unauthorized", "sign in as an admin to use the admin console")
        if request.headers.get("HX-Request"):
            # A fragment request from an expired session: send the whole page to the sign-in form.
            return "", 204, {"HX-Redirect": url_for("auth.login", next=request.headers.get("HX-Current-URL", ""))}
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def _sign_in_by_api_credentials():
    """Let a script read admin pages (GET /admin/jobs as JSON) with an admin's API key or token, as the JSON
    API takes them. Only reads: changes need a browser session and its CSRF token."""
    try:
        caller = current_caller()
    except AuthError as exc:
        return error_response(exc.status, exc.code, str(exc))
    user = get_session().get(User, caller.user_id) if caller else None
    if user is None or not user.is_active:
        return error_response(401, "invalid_credentials", "the credentials name no active account")
    # Flask-Login's user for this request only: nothing is written to the session cookie.
    g._login_user = user
    return None


@bp.after_request
def no_store(response):
    # Admin pages show other people's data (and one-time passwords): never keep them in a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from app.web.admin import audit, jobs, stats, users, workers  # noqa: E402, F401 - routes register themselves on bp
