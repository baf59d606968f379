"""The admin console: jobs, users, workers, stats and the audit log (admins only)."""

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..web import error_response, wants_json

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
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


@bp.after_request
def no_store(response):
    # Admin pages show other people's data (and one-time passwords): never keep them in a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from . import audit, jobs, stats, users, workers  # noqa: E402, F401 - routes register themselves on bp
