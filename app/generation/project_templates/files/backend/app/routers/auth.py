"""Accounts: register with an email and a password, exchange them for a bearer token, see who is signed in.

Registration is open unless REGISTRATION_OPEN=false; the addresses in ADMIN_EMAILS may always register, as admins.
Signing in costs the same for an unknown e-mail as for a known one, and repeated failures for one e-mail from one
address are answered 429 for a while (app/login_throttle.py).
"""

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import select

from app import config, models, schemas
from app.database import SessionDep
from app.login_throttle import login_throttle
from app.security import CurrentUser, create_access_token, hash_password, verify_password, verify_password_of_nobody

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", response_model=schemas.UserOut, status_code=status.HTTP_201_CREATED)
def register(registration: schemas.Registration, session: SessionDep) -> models.User:
    is_admin = registration.email in config.settings.admin_emails
    if not (config.settings.registration_open or is_admin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Registration is closed")
    if session.scalar(select(models.User).where(models.User.email == registration.email)):
        raise HTTPException(status.HTTP_409_CONFLICT, "An account with this email already exists")
    user = models.User(email=registration.email, password_hash=hash_password(registration.password),
                       is_admin=is_admin)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


@router.post("/token", response_model=schemas.Token)
def issue_token(credentials: schemas.Credentials, session: SessionDep, request: Request) -> schemas.Token:
    address = request.client.host if request.client else ""
    if wait := login_throttle.retry_after(credentials.email, address):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "Too many failed sign-ins: try again later",
                            headers={"Retry-After": str(wait)})
    user = session.scalar(select(models.User).where(models.User.email == credentials.email))
    if user is None:
        verified = verify_password_of_nobody(credentials.password)
    else:
        verified = verify_password(credentials.password, user.password_hash)
    if user is None or not verified:
        login_throttle.failed(credentials.email, address)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password",
                            headers={"WWW-Authenticate": "Bearer"})
    login_throttle.succeeded(credentials.email, address)
    return schemas.Token(access_token=create_access_token(user.id),
                         expires_in=config.settings.access_token_minutes * 60)


@router.get("/me", response_model=schemas.UserOut)
def read_me(user: CurrentUser) -> models.User:
    return user
