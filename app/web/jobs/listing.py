"""A person's job list, newest first, one keyset page at a time (no OFFSET: page 1,000 costs what page 1 does)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from app.models import Job, JobStatus, User
from app.services.access import visible_jobs

PAGE_SIZE = 20
STATUSES = tuple(s.value for s in JobStatus)


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    next_cursor: str | None


def encode_cursor(job: Job) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """The (created_at, id) a cursor points after, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, job_id = raw.partition("|")
        created = datetime.fromisoformat(moment)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return (created, job_id) if created.tzinfo is not None and job_id else None


def job_page(session: Session, user: User, *, status: str | None = None, template_id: str | None = None,
             cursor: str | None = None, limit: int = PAGE_SIZE) -> JobPage:
    """The jobs `user` may see, filtered, newest first, starting after `cursor`."""
    query = visible_jobs(user)
    if status:
        query = query.where(Job.status == status)
    if template_id:
        query = query.where(Job.template_id == template_id)
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        moment, job_id = after
        query = query.where(or_(Job.created_at < moment, and_(Job.created_at == moment, Job.id < job_id)))
    rows = list(session.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return JobPage(rows[:limit], next_cursor)
