"""Service statistics for monitoring dashboards, in the original service's shape with more figures."""

from __future__ import annotations

from flask import jsonify

from app import db
from app.services.stats import service_stats
from app.web.api import bp
from app.web.api.openapi import operation
from app.web.api.responses import StatsResponse
from app.web.common import current_settings, get_redis


@bp.get("/stats")
@operation("Service statistics", responses={200: StatsResponse}, tag="monitoring")
def stats():
    """Jobs per status, success rate, median and p95 duration, tokens, cost, queue depth, workers, host load.

    The job figures are shared between the web processes for a few seconds (`as_of` says when they were
    computed), so that polling dashboards do not each aggregate the jobs table.
    """
    figures = service_stats(db.Session, get_redis(), current_settings().instance_path)
    body = StatsResponse(message="System stats retrieved successfully", stats=figures)
    return jsonify(body.model_dump(mode="json", by_alias=True))
