"""The JSON API for scripts: templates, jobs, files, stats, tokens and the OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
