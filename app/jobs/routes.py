"""Placeholder routes; the browser issue replaces them."""

from flask_login import login_required

from . import bp


@bp.get("/")
def index():
    return "Codegen Studio"


@bp.get("/jobs/new")
@login_required
def new():
    return "new"


@bp.get("/jobs")
@login_required
def list_jobs():
    return "jobs"
