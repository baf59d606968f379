"""A person's job list, newest first, one keyset page at a time (no OFFSET: page 1,000 costs what page 1 does)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Job, JobStatus, User
from app.services.job_listing import list_visible_jobs
from app.services.keyset import CursorError

PAGE_SIZE = 20
STATUSES = tuple(s.value for s in JobStatus)


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    next_cursor: str | None


def job_page(session: Session, user: User, *, status: str | None = None, template_id: str | None = None,
             cursor: str | None = None, limit: int = PAGE_SIZE, q: str | None = None) -> JobPage:
    """The jobs `user` may see, filtered, newest first, starting after `cursor` (the first page when the
    cursor is not one of ours: a mangled link still shows the list)."""
    try:
        page = list_visible_jobs(session, user, status=status, template_id=template_id, cursor=cursor, limit=limit,
                                 name_contains=q)
    except CursorError:
        page = list_visible_jobs(session, user, status=status, template_id=template_id, limit=limit, name_contains=q)
    return JobPage(list(page.rows), page.next)


def owner_emails(session: Session, jobs: list[Job], user: User) -> dict[int, str]:
    """The e-mail of each owner other than `user` (a teammate), for the rows of team jobs."""
    others = {job.owner_id for job in jobs if job.owner_id is not None and job.owner_id != user.id}
    if not others:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(others))).all())
