"""A person's own account: API keys and password."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import routes  # noqa: E402, F401 - routes register themselves on bp
