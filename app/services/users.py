"""User accounts: creating users and API keys (CLI, first start, sign-up) and the admin's list and changes."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import generate_password_hash

from app.models import ROLES, ApiKey, Job, User
from app.services.keyset import Ordering, Total, count_rows, paginate

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
API_KEY_PREFIX = "cgs_"


class UserError(ValueError):
    """The request names a bad e-mail, password or role; the message says which."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, role: str = "user") -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise UserError(f"{email!r} is not a valid e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"a user with e-mail {email} already exists")
    user = User(email=email, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash cannot be brute-forced; a slow one would tax every request.
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, user: User, name: str = "default") -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is never stored and shown only once."""
    plain = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=user.id, name=name.strip()[:100] or "default", prefix=plain[:12],
                 key_hash=hash_api_key(plain))
    session.add(key)
    session.flush()
    return key, plain


def ensure_first_admin(session: Session, email: str = "admin@localhost.localdomain") -> tuple[str, str] | None:
    """On an empty database, create an admin with a generated password and return its credentials."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, email, password, role="admin")
    return email, password


# --- the admin's view of accounts ---------------------------------------------------------------------

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


def end_sessions(user: User) -> None:
    """Sign the person out everywhere: every session cookie issued so far stops working. The caller commits."""
    user.session_version = (user.session_version or 0) + 1
