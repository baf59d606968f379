"""Who may see and change a job: owners, admins and members of the job's team (no Flask here)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from app.models import Job, User


class NotAllowed(Exception):
    """The person may not do this (share another's job, submit to a team they are not in); the message says why."""


def can_view(user: User | None, job: Job) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_admin or job.owner_id == user.id:
        return True
    return job.team_id is not None and any(team.id == job.team_id for team in user.teams)


def can_manage(user: User | None, job: Job) -> bool:
    """Cancel, retry, improve, share: the owner and admins only; team members read."""
    return user is not None and user.is_active and (user.is_admin or job.owner_id == user.id)


def visible_jobs(user: User | None) -> list[Select[tuple[Job]]]:
    """The jobs `user` may see (can_view's rule) as queries matching disjoint rows, each served by one index:
    every job for an admin; else the user's own jobs, and their teams' jobs that someone else owns.

    Two queries rather than one `owner OR team`: SQLite, which keeps no statistics, answers the `OR` by
    uniting both indexes and sorting everything the user can see (1.5 s at a million jobs); each of these
    walks its own index in order and stops at a page's end (3 ms), and keyset.paginate merges them.
    """
    if user is None or not user.is_active:
        return []
    if user.is_admin:
        return [select(Job)]
    own = select(Job).where(Job.owner_id == user.id)
    team_ids = [team.id for team in user.teams]
    if not team_ids:
        return [own]
    others = or_(Job.owner_id != user.id, Job.owner_id.is_(None))
    return [own, select(Job).where(Job.team_id.in_(team_ids), others)]
