"""Accounts: register with an email and a password, exchange them for a bearer token, see who is signed in.

Registration is open unless REGISTRATION_OPEN=false; the addresses in ADMIN_EMAILS may always register, as admins.
"""

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from app import config, models, schemas
from app.database import SessionDep
from app.security import CurrentUser, create_access_token, hash_password, verify_password

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
def issue_token(credentials: schemas.Credentials, session: SessionDep) -> schemas.Token:
    user = session.scalar(select(models.User).where(models.User.email == credentials.email))
    if user is None or not verify_password(credentials.password, user.password_hash):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return schemas.Token(access_token=create_access_token(user.id),
                         expires_in=config.settings.access_token_minutes * 60)


@router.get("/me", response_model=schemas.UserOut)
def read_me(user: CurrentUser) -> models.User:
    return user
