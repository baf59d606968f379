"""Who may see and change a job: owners, admins and members of the job's team (no Flask here)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from app.models import Job, User, team_members


def can_view(user: User | None, job: Job) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_admin or job.owner_id == user.id:
        return True
    return job.team_id is not None and any(team.id == job.team_id for team in user.teams)


def can_manage(user: User | None, job: Job) -> bool:
    """Cancel, retry, improve, share: the owner and admins only; team members read."""
    return user is not None and user.is_active and (user.is_admin or job.owner_id == user.id)


def visible_jobs(user: User) -> Select[tuple[Job]]:
    """A query of the jobs `user` may see, for lists; admins see every job."""
    query = select(Job)
    if user.is_admin:
        return query
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user.id)
    return query.where(or_(Job.owner_id == user.id, Job.team_id.in_(teams)))
