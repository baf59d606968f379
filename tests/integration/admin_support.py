"""Helpers for the admin tests: jobs inserted directly in any state, and reading the pages' HTML."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from app import db
from app.models import Job, utcnow

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=utcnow().tzinfo)


def add_job(session, *, name: str = "job", status: str = "completed", owner_id: int | None = None,
            template_id: str = "fastapi-backend", created_at: datetime | None = None, cost: float = 0.0,
            seconds: float | None = 30.0, team_id: int | None = None, tokens: int = 0) -> Job:
    """A job row in the given state, as a worker would have left it."""
    created = created_at or utcnow()
    job = Job(name=name, status=status, owner_id=owner_id, template_id=template_id, created_at=created,
              cost_usd=cost, team_id=team_id, tokens_in=tokens // 2, tokens_out=tokens - tokens // 2)
    if status != "queued":
        job.started_at = created + timedelta(seconds=1)
    if status in ("completed", "failed", "cancelled") and seconds is not None:
        job.finished_at = job.started_at + timedelta(seconds=seconds)
    if status == "running":
        job.current_agent, job.progress = "coder", 40
    session.add(job)
    session.flush()
    return job


def add_jobs(count: int, **fields) -> list[str]:
    """`count` jobs in one transaction, each a second newer than the last unless created_at is given."""
    ids = []
    created, name = fields.pop("created_at", None), fields.pop("name", None)
    with db.Session.begin() as session:
        for i in range(count):
            job = add_job(session, name=name or f"job-{i}", created_at=created or T0 + timedelta(seconds=i),
                          **fields)
            ids.append(job.id)
    return ids


ROW_ID = re.compile(rb'<tr id="job-([0-9a-f]{32})"')


def row_ids(html: bytes) -> list[str]:
    """The job ids of the table's rows, in the order shown."""
    return [m.decode() for m in ROW_ID.findall(html)]


def json_page(client, **params) -> dict:
    response = client.get("/admin/jobs", query_string=params, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.data[:500]
    return response.json
