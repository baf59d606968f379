"""Browser accounts: sign in, sign out, register, change password (Flask-Login sessions)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.web.auth import routes  # noqa: E402, F401 - routes register themselves on bp
