"""Teams: a job submitted to a team is visible to every member."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Team, User


class TeamError(ValueError):
    """A bad team name or membership; the message says which."""


def create_team(session: Session, name: str) -> Team:
    name = name.strip()
    if not name or len(name) > 100:
        raise TeamError("a team name needs 1 to 100 characters")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise TeamError(f"a team named {name!r} already exists")
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def find_team(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name.strip()))


def add_member(team: Team, user: User) -> None:
    if user not in team.members:
        team.members.append(user)


def remove_member(team: Team, user: User) -> None:
    if user in team.members:
        team.members.remove(user)
