"""Passwords hashed with the standard library's PBKDF2, signed access tokens (JWT), the current user."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import models
from app.config import settings
from app.database import SessionDep

ALGORITHM = "HS256"
# OWASP's figure for PBKDF2-HMAC-SHA256. Each hash records its own count, so raising it later is safe.
PASSWORD_ITERATIONS = 600_000

# auto_error=False: a missing token must answer 401 like a bad one, not FastAPI's default 403.
_bearer = HTTPBearer(auto_error=False)


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    return f"pbkdf2_sha256:{PASSWORD_ITERATIONS}:{salt}:{_pbkdf2(password, salt, PASSWORD_ITERATIONS)}"


def verify_password(password: str, password_hash: str) -> bool:
    algorithm, iterations, salt, expected = password_hash.split(":")
    if algorithm != "pbkdf2_sha256":
        return False
    return hmac.compare_digest(_pbkdf2(password, salt, int(iterations)), expected)


def verify_password_of_nobody(password: str) -> bool:
    """The work of verify_password for an e-mail with no account, so that its answer takes as long as a known one's."""
    # The same iterations as a new password's; the digest matches nothing, so only the cost counts.
    verify_password(password, f"pbkdf2_sha256:{PASSWORD_ITERATIONS}:{secrets.token_hex(16)}:{'0' * 64}")
    return False


def _pbkdf2(password: str, salt: str, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()


def create_access_token(user_id: int) -> str:
    expires = datetime.now(UTC) + timedelta(minutes=settings.access_token_minutes)
    return jwt.encode({"sub": str(user_id), "exp": expires}, settings.secret_key, algorithm=ALGORITHM)


def current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> models.User:
    if credentials is None:
        raise _unauthorized("Not authenticated: send an Authorization: Bearer <token> header")
    try:
        claims = jwt.decode(credentials.credentials, settings.secret_key, algorithms=[ALGORITHM])
        user = session.get(models.User, int(claims["sub"]))
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise _unauthorized("Invalid or expired token") from None
    if user is None:
        raise _unauthorized("The account for this token no longer exists")
    return user


CurrentUser = Annotated[models.User, Depends(current_user)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})
