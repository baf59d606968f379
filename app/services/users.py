"""Creating users and API keys, shared by the CLI, the first-start bootstrap and the web pages."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.models import ROLES, ApiKey, User

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
