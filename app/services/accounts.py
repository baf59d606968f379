"""The admin's view of accounts: a page of users with their job counts, and the changes an admin may make."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import generate_password_hash

from app.models import ROLES, Job, User
from app.services.keyset import Ordering, Total, count_rows, paginate

USER_ORDER = Ordering(name="email", key=User.email, key_codec="str", tiebreak=User.id, tiebreak_codec="int",
                      descending=False)
USERS_PER_PAGE = 50
STATES = ("active", "inactive")


class AccountError(ValueError):
    """The change is not allowed (for example, an admin demoting themselves); the message says why."""


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    next: str | None
    prev: str | None
    total: Total
    job_counts: dict[int, int]


def list_users(session: Session, q: str = "", role: str = "", state: str = "", cursor: str | None = None,
               limit: int | None = None) -> UserPage:
    """Users by e-mail, USERS_PER_PAGE at a time; raises keyset.CursorError for a cursor of another list."""
    query = select(User).options(selectinload(User.teams))
    if q:
        query = query.where(User.email.icontains(q, autoescape=True))
    if role in ROLES:
        query = query.where(User.role == role)
    if state in STATES:
        query = query.where(User.is_active.is_(state == "active"))
    page = paginate(session, query, USER_ORDER, limit or USERS_PER_PAGE, cursor)
    total = count_rows(session, query, USER_ORDER, filtered=bool(q or role or state))
    return UserPage(list(page.rows), page.next, page.prev, total, job_counts(session, page.rows))


def job_counts(session: Session, users: Iterable[User]) -> dict[int, int]:
    ids = [u.id for u in users]
    if not ids:
        return {}
    rows = session.execute(select(Job.owner_id, func.count()).where(Job.owner_id.in_(ids)).group_by(Job.owner_id))
    return {owner_id: count for owner_id, count in rows}


def _not_self(admin: User, user: User, what: str) -> None:
    # The acting admin stays an active admin, so the service can never lose its last one this way.
    if admin.id == user.id:
        raise AccountError(f"You cannot {what} your own account here.")


def set_role(admin: User, user: User, role: str) -> str:
    """Give `user` the role; returns the role it had."""
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}.")
    _not_self(admin, user, "change the role of")
    before, user.role = user.role, role
    return before


def set_active(admin: User, user: User, active: bool) -> None:
    """Deactivating ends the user's sessions at their next request and stops them signing in."""
    _not_self(admin, user, "deactivate")
    user.is_active = active


def reset_password(admin: User, user: User) -> str:
    """Set a generated password and return it; it ends every session of the user (see User.get_id)."""
    _not_self(admin, user, "reset the password of")
    password = secrets.token_urlsafe(12)
    user.password_hash = generate_password_hash(password)
    return password
