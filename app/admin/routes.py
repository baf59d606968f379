"""Placeholder routes; the admin issue replaces them."""

from . import bp


@bp.get("/jobs")
def jobs():
    return "admin jobs"
