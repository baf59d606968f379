"""The JSON API for scripts: templates, jobs, files, stats, tokens and the OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from app.web.api import errors  # noqa: E402 - the modules below register their routes on bp

errors.register(bp)

from app.web.api import auth, jobs, openapi, project_templates, stats  # noqa: E402, F401
