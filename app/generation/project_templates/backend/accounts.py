"""What the `auth` feature adds to the back end: the User table, credential bodies, password and token handling."""

from __future__ import annotations

from ..verbatim import verbatim
from .python_code import fill

USER_MODEL = fill("""
    class User(Base):
        __tablename__ = "users"

        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(255), unique=True)
        password_hash: Mapped[str] = mapped_column(sa.String(255))
        # An admin sees and changes every record; the others, only their own. Set at registration (ADMIN_EMAILS).
        is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    """).rstrip()


AUTH_SCHEMAS = fill("""
    Email = Annotated[str, Field(max_length=255, pattern=r"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$$"), AfterValidator(str.lower)]


    class Credentials(BaseModel):
        email: Email
        password: Annotated[str, Field(min_length=1, max_length=128)]


    class Registration(Credentials):
        password: Annotated[str, Field(min_length=8, max_length=128)]


    class UserOut(BaseModel):
        model_config = ConfigDict(from_attributes=True)

        id: int
        email: str
        is_admin: bool


    class Token(BaseModel):
        access_token: str
        token_type: str = "bearer"
        expires_in: int  # seconds
    """).rstrip()


SECURITY = verbatim("backend", "app/security.py", "Password hashing (hashlib.pbkdf2_hmac), JWT creation, and the "
                    "bearer-token current_user dependency", ("app/config.py", "app/database.py", "app/models.py"))

LOGIN_THROTTLE = verbatim("backend", "app/login_throttle.py", "In-process limit on failed sign-ins per e-mail and "
                          "client address")

AUTH_ROUTER = verbatim("backend", "app/routers/auth.py", "Register, token (timing-safe, throttled) and me routes",
                       ("app/config.py", "app/database.py", "app/login_throttle.py", "app/models.py", "app/schemas.py",
                        "app/security.py"))
