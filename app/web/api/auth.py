"""API authentication: API keys exchanged for short-lived JWTs; every request carries one or the other.

A token is HS256 with the app's secret and names the key it came from, so revoking the key ends its
tokens at once. Browser session cookies are not accepted here: the API is token-only, hence no CSRF.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from flask import current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey, User, utcnow
from app.services import audit
from app.services.users import API_KEY_PREFIX, hash_api_key
from app.web.api import bp
from app.web.api.errors import ApiError, json_body
from app.web.api.openapi import operation, public
from app.web.common import get_session
from app.web.extensions import limiter

TOKEN_LIFETIME_S = 900
ALGORITHM = "HS256"
# last_used_at is written at most this often per key, so that busy scripts do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TOKEN_EXCHANGE_LIMIT = "20 per minute"  # noqa: S105 - a rate, not a secret


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=200, description="A key from /account/api-keys")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds until the token expires")


class AuthError(Exception):
    """Credentials were given but are not good: the message says why, without revealing more than that."""

    def __init__(self, message: str, status: int = 401, code: str = "invalid_credentials") -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Caller:
    user_id: int
    key_id: int


def issue_token(key: ApiKey, secret: str, now: float | None = None, lifetime_s: int = TOKEN_LIFETIME_S) -> str:
    issued = int(now if now is not None else time.time())
    claims = {"sub": str(key.user_id), "key_id": key.id, "iat": issued, "exp": issued + lifetime_s}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _active_key(session: Session, key: ApiKey | None) -> ApiKey:
    if key is None:
        raise AuthError("unknown API key")
    if not key.is_active:
        raise AuthError("the API key was revoked")
    if key.user is None or not key.user.is_active:
        raise AuthError("the account is disabled", status=403, code="account_disabled")
    return key


def key_from_secret(session: Session, plain: str) -> ApiKey:
    """The active key whose plain text is `plain`."""
    if not plain.startswith(API_KEY_PREFIX):
        raise AuthError("that is not an API key of this service")
    return _active_key(session, session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(plain))))


def key_from_token(session: Session, token: str, secret: str) -> ApiKey:
    """The active key a valid, unexpired HS256 token was issued for."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "iat", "sub", "key_id"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired; exchange your API key for a new one", code="token_expired") from None
    except jwt.InvalidTokenError as exc:
        raise AuthError(f"the token is not valid: {exc}", code="invalid_token") from None
    key_id = claims["key_id"]
    key = session.get(ApiKey, key_id) if isinstance(key_id, int) else None
    if key is not None and str(key.user_id) != claims["sub"]:
        key = None
    return _active_key(session, key)


def authenticate(session: Session, credential: str, secret: str) -> ApiKey:
    """A JWT or a plain API key, as sent in a WebSocket's first message or a header."""
    if credential.startswith(API_KEY_PREFIX):
        return key_from_secret(session, credential)
    return key_from_token(session, credential, secret)


def touch(session: Session, key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.commit()


def current_caller() -> Caller | None:
    """Who sent this request, from `Authorization: Bearer` and/or `X-API-Key`; None without credentials.

    Every credential sent must be valid and name the same key's owner: a bad one is refused even when
    another is good, so that a client never runs on credentials other than the ones it thinks it sent.
    """
    if "api_caller" in g:
        return g.api_caller
    header = request.headers.get("Authorization")
    plain = request.headers.get("X-API-Key")
    if header is None and plain is None:
        g.api_caller = None
        return None
    session = get_session()
    keys = []
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("use `Authorization: Bearer <token>` or `X-API-Key: <key>`", code="unsupported_scheme")
        keys.append(key_from_token(session, token.strip(), current_app.config["SECRET_KEY"]))
    if plain is not None:
        keys.append(key_from_secret(session, plain.strip()))
    if len({key.user_id for key in keys}) != 1:
        raise AuthError("the token and the API key belong to different accounts")
    key = keys[-1]
    touch(session, key)
    g.api_caller = Caller(user_id=key.user_id, key_id=key.id)
    return g.api_caller


def api_user() -> User:
    """The account the API request acts for (not Flask-Login's `current_user`: the API is token-only)."""
    caller = current_caller()
    if caller is None:
        raise ApiError(401, "authentication_required", "send `Authorization: Bearer <token>` or `X-API-Key: <key>`")
    return get_session().get(User, caller.user_id)


def _unauthorized(exc: AuthError):
    error = ApiError(exc.status, exc.code, str(exc),
                     headers={"WWW-Authenticate": 'Bearer realm="codegen"'} if exc.status == 401 else None)
    return error.response()


@bp.before_request
def require_credentials() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "public", False):
        return
    if current_caller() is None:
        raise ApiError(401, "authentication_required", "send `Authorization: Bearer <token>` or `X-API-Key: <key>`",
                       headers={"WWW-Authenticate": 'Bearer realm="codegen"'})


bp.register_error_handler(AuthError, _unauthorized)


@bp.post("/auth/token")
@limiter.limit(TOKEN_EXCHANGE_LIMIT)
@public
@operation("Exchange an API key for a token", body=TokenRequest, responses={200: TokenResponse},
           errors=(400, 401, 403, 413, 415, 422, 429), tag="auth")
def issue_access_token():
    """A bearer token valid for 15 minutes; revoking the key ends it early."""
    body = json_body(TokenRequest)
    session = get_session()
    try:
        key = key_from_secret(session, body.api_key.strip())
    except AuthError:
        audit.record(session, "api_token_refused", ip=request.remote_addr,
                     key_prefix=body.api_key.strip()[:12] if body.api_key.startswith(API_KEY_PREFIX) else None)
        session.commit()
        raise
    audit.record(session, "api_token_issued", actor=key.user, target=f"key:{key.prefix}", ip=request.remote_addr)
    touch(session, key)
    session.commit()
    token = issue_token(key, current_app.config["SECRET_KEY"])
    body_out: dict[str, Any] = TokenResponse(access_token=token, token_type="bearer",  # noqa: S106
                                             expires_in=TOKEN_LIFETIME_S).model_dump()
    response = jsonify(body_out)
    response.headers["Cache-Control"] = "no-store"
    return response
