"""The `fastapi-backend` project template: a FastAPI + SQLAlchemy 2 + Pydantic 2 API with CRUD routes per entity."""

from __future__ import annotations

import re

from . import Check, GeneratedFile, ProjectTemplate, register
from . import python_parts as parts
from .python_parts import PYTHON_TYPES, fill, py_literal, py_string
from .spec import EntitySpec, FieldSpec, ProjectSpec

# Names a router module binds itself; an entity whose snake name is one of them gets a neutral local name.
_ROUTER_NAMES = frozenset({"router", "status", "select", "models", "schemas", "session", "limit", "offset", "query",
                           "name", "value", "current_user"})


def render_backend(spec: ProjectSpec, api_prefix: str = "/api") -> list[GeneratedFile]:
    """Every file of the back end, with paths relative to its root (the project root, or `backend/`)."""
    prefix = parts.normal_prefix(api_prefix)
    auth = spec.has("auth")
    files = [
        GeneratedFile("app/__init__.py", f'"""{spec.title}: the API package."""\n', "Marks `app` as a package"),
        _config(auth),
        _DATABASE,
        _models(spec),
        _schemas(spec),
        *([_SECURITY, _AUTH_ROUTER] if auth else []),
        GeneratedFile("app/routers/__init__.py", '"""One router module per resource."""\n',
                      "Marks `app.routers` as a package"),
        _HEALTH_ROUTER,
        *(_entity_router(entity, auth) for entity in spec.entities),
        _main(spec, prefix),
        *parts.test_files(spec, prefix),
        parts.requirements(spec),
        parts.PYTEST_INI,
        parts.GITIGNORE,
    ]
    if spec.has("docker"):
        files += [parts.DOCKERFILE, parts.DOCKERIGNORE]
    return files


def render(spec: ProjectSpec) -> list[GeneratedFile]:
    files = [*render_backend(spec), parts.readme(spec)]
    if spec.has("ci"):
        files.append(parts.ci_workflow())
    return files


# --- app/config.py, app/database.py ------------------------------------------------------------------------------


def _config(auth: bool) -> GeneratedFile:
    fields = ["database_url: str", "cors_origins: tuple[str, ...]"]
    values = ['database_url=environ.get("DATABASE_URL", "sqlite:///./app.db"),',
              'cors_origins=tuple(origin.strip() for origin in origins.split(",") if origin.strip()),']
    if auth:
        fields[1:1] = ["secret_key: str", "access_token_minutes: int"]
        values[1:1] = ['secret_key=environ.get("SECRET_KEY", DEV_SECRET_KEY),',
                       'access_token_minutes=_whole_number(environ, "ACCESS_TOKEN_MINUTES", 30),']
    content = fill("""
        \"\"\"Settings, read from the environment once at startup.\"\"\"

        import os
        from collections.abc import Mapping
        from dataclasses import dataclass
        $secret

        @dataclass(frozen=True)
        class Settings:
            $fields


        def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
            origins = environ.get("CORS_ORIGINS", "")
            return Settings(
                $values
            )
        $helper

        settings = load_settings()
        """, fields="\n    ".join(fields), values="\n        ".join(values),
        secret=_CONFIG_DEV_KEY if auth else "", helper=_CONFIG_WHOLE_NUMBER if auth else "")
    return GeneratedFile("app/config.py", content, "Settings from environment variables (DATABASE_URL, CORS_ORIGINS"
                         + (", SECRET_KEY, ACCESS_TOKEN_MINUTES)" if auth else ")"))


_CONFIG_DEV_KEY = """
# Good for development only: set SECRET_KEY to a long random string wherever the API is reachable.
DEV_SECRET_KEY = "dev-only-secret-key-change-me-before-deploying"
"""

_CONFIG_WHOLE_NUMBER = """

def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None
"""


_DATABASE = GeneratedFile("app/database.py", fill("""
    \"\"\"The database engine, the declarative base of every model, and one session per request.\"\"\"

    from collections.abc import Iterator
    from typing import Annotated

    from fastapi import Depends
    from sqlalchemy import create_engine
    from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

    from app.config import settings

    # FastAPI runs plain `def` routes in worker threads; SQLite must allow a connection to move between them.
    _connect_args = {"check_same_thread": False} if settings.database_url.startswith("sqlite") else {}
    engine = create_engine(settings.database_url, connect_args=_connect_args)
    SessionLocal = sessionmaker(engine)


    class Base(DeclarativeBase):
        pass


    def get_session() -> Iterator[Session]:
        with SessionLocal() as session:
            yield session


    SessionDep = Annotated[Session, Depends(get_session)]
    """), "SQLAlchemy engine from DATABASE_URL, the declarative Base, and the get_session dependency",
    ("app/config.py",))


# --- app/models.py, app/schemas.py -------------------------------------------------------------------------------


def _column(field: FieldSpec) -> str:
    annotation = PYTHON_TYPES[field.type].annotation
    if not field.required:
        annotation += " | None"
    return f"    {field.snake}: Mapped[{annotation}] = mapped_column({PYTHON_TYPES[field.type].column})"


def _model(entity: EntitySpec) -> str:
    return "\n".join([
        f"class {entity.class_name}(Base):",
        f'    __tablename__ = "{entity.plural_snake}"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        *(_column(field) for field in entity.fields),
    ])


_USER_MODEL = fill("""
    class User(Base):
        __tablename__ = "users"

        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(255), unique=True)
        password_hash: Mapped[str] = mapped_column(sa.String(255))
    """).rstrip()


_CREATE_TABLES = fill("""
    def create_tables(bind: sa.Engine = engine) -> None:
        Base.metadata.create_all(bind)
    """).rstrip()


def _models(spec: ProjectSpec) -> GeneratedFile:
    fields = [field for entity in spec.entities for field in entity.fields]
    header = _module('"""The database tables, one class per entity; a column is NOT NULL unless it allows None."""',
                     parts.datetime_imports(fields),
                     "import sqlalchemy as sa\nfrom sqlalchemy.orm import Mapped, mapped_column",
                     "from app.database import Base, engine")
    classes = ([_USER_MODEL] if spec.has("auth") else []) + [_model(entity) for entity in spec.entities]
    classes.append(_CREATE_TABLES)
    purpose = (f"SQLAlchemy 2 models with typed Mapped columns for {', '.join(e.class_name for e in spec.entities)}"
               + (" and the User account" if spec.has("auth") else "") + "; create_tables")
    return GeneratedFile("app/models.py", "\n\n\n".join([header, *classes]) + "\n", purpose, ("app/database.py",))


def _module(*blocks: str) -> str:
    """The head of a module: its docstring and import groups, a blank line between non-empty blocks."""
    return "\n\n".join(block.strip("\n") for block in blocks if block.strip())


def _schema_type(field: FieldSpec) -> str:
    if field.type == "str":
        annotation = "NonEmptyStr255" if field.required else "Str255"
    else:
        annotation = PYTHON_TYPES[field.type].annotation
    return annotation if field.required else f"{annotation} | None = None"


def _schema(entity: EntitySpec) -> str:
    lines = [f"class {entity.class_name}In(BaseModel):"]
    lines += [f"    {field.snake}: {_schema_type(field)}" for field in entity.fields]
    lines += ["", "", f"class {entity.class_name}Out({entity.class_name}In):",
              "    model_config = ConfigDict(from_attributes=True)", "", "    id: int"]
    return "\n".join(lines)


_AUTH_SCHEMAS = fill("""
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


    class Token(BaseModel):
        access_token: str
        token_type: str = "bearer"
        expires_in: int  # seconds
    """).rstrip()


def _schemas(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    fields = [field for entity in spec.entities for field in entity.fields]
    aliases = []
    if any(f.type == "str" and f.required for f in fields):
        aliases.append("NonEmptyStr255 = Annotated[str, Field(min_length=1, max_length=255)]")
    if any(f.type == "str" and not f.required for f in fields):
        aliases.append("Str255 = Annotated[str, Field(max_length=255)]")
    stdlib = parts.datetime_imports(fields) + ("from typing import Annotated" if aliases or auth else "")
    pydantic = ["AfterValidator"] * auth + ["BaseModel", "ConfigDict"] + ["Field"] * bool(aliases or auth)
    header = _module('"""Request and response bodies; Pydantic validates every request before a route runs."""',
                     stdlib, f"from pydantic import {', '.join(pydantic)}", "\n".join(aliases))
    blocks = [header, *(_schema(e) for e in spec.entities), *([_AUTH_SCHEMAS] if auth else [])]
    return GeneratedFile("app/schemas.py", "\n\n\n".join(blocks) + "\n",
                         "Pydantic v2 request/response schemas with validation"
                         + (", plus credentials and token bodies" if auth else ""))


# --- app/security.py, app/routers/auth.py, app/routers/health.py -------------------------------------------------


_SECURITY = GeneratedFile("app/security.py", fill("""
    \"\"\"Passwords hashed with the standard library's PBKDF2, signed access tokens (JWT), the current user.\"\"\"

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
    """), "Password hashing (hashlib.pbkdf2_hmac), JWT creation, and the bearer-token current_user dependency",
    ("app/config.py", "app/database.py", "app/models.py"))

_AUTH_ROUTER = GeneratedFile("app/routers/auth.py", fill("""
    \"\"\"Accounts: register with an email and a password, exchange them for a bearer token, see who is signed in.\"\"\"

    from fastapi import APIRouter, HTTPException, status
    from sqlalchemy import select

    from app import models, schemas
    from app.config import settings
    from app.database import SessionDep
    from app.security import CurrentUser, create_access_token, hash_password, verify_password

    router = APIRouter(prefix="/auth", tags=["auth"])


    @router.post("/register", response_model=schemas.UserOut, status_code=status.HTTP_201_CREATED)
    def register(registration: schemas.Registration, session: SessionDep) -> models.User:
        if session.scalar(select(models.User).where(models.User.email == registration.email)):
            raise HTTPException(status.HTTP_409_CONFLICT, "An account with this email already exists")
        user = models.User(email=registration.email, password_hash=hash_password(registration.password))
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
        return schemas.Token(access_token=create_access_token(user.id), expires_in=settings.access_token_minutes * 60)


    @router.get("/me", response_model=schemas.UserOut)
    def read_me(user: CurrentUser) -> models.User:
        return user
    """), "Register, token and me routes", ("app/config.py", "app/database.py", "app/models.py", "app/schemas.py",
                                          "app/security.py"))

_HEALTH_ROUTER = GeneratedFile("app/routers/health.py", fill("""
    \"\"\"Whether the service is up and its database answers, for load balancers and people.\"\"\"

    from fastapi import APIRouter, HTTPException, status
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from app.database import SessionDep

    router = APIRouter(tags=["health"])


    @router.get("/health")
    def health(session: SessionDep) -> dict[str, str]:
        try:
            session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The database does not answer") from None
        return {"status": "ok", "database": "ok"}
    """), "Health route: 200 when the database answers, 503 when not", ("app/database.py",))


# --- app/routers/<entities>.py, app/main.py ---------------------------------------------------------------------


def _entity_router(entity: EntitySpec, auth: bool) -> GeneratedFile:
    one = "item" if entity.snake in _ROUTER_NAMES else entity.snake
    content = fill("""
        \"\"\"$plural_label: list, create, read, replace and delete.\"\"\"

        from typing import Annotated

        from fastapi import APIRouter, ${depends_import}HTTPException, Query, status
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from app import models, schemas
        from app.database import SessionDep
        $security_import
        router = APIRouter(prefix="/$kebab", tags=["$kebab"]$protected)


        @router.get("", response_model=list[schemas.${cls}Out])
        def list_$plural(
            session: SessionDep,
            limit: Annotated[int, Query(ge=1, le=100)] = 50,
            offset: Annotated[int, Query(ge=0)] = 0,
        ) -> list[models.$cls]:
            query = select(models.$cls).order_by(models.$cls.id).limit(limit).offset(offset)
            return list(session.scalars(query))


        @router.post("", response_model=schemas.${cls}Out, status_code=status.HTTP_201_CREATED)
        $create_def
            $one = models.$cls(**${snake}_in.model_dump())
            session.add($one)
            session.commit()
            session.refresh($one)
            return $one


        @router.get("/{${snake}_id}", response_model=schemas.${cls}Out)
        $read_def
            return _get_or_404(session, ${snake}_id)


        @router.put("/{${snake}_id}", response_model=schemas.${cls}Out)
        $replace_def
            $one = _get_or_404(session, ${snake}_id)
            for name, value in ${snake}_in.model_dump().items():
                setattr($one, name, value)
            session.commit()
            session.refresh($one)
            return $one


        @router.delete("/{${snake}_id}", status_code=status.HTTP_204_NO_CONTENT)
        $delete_def
            session.delete(_get_or_404(session, ${snake}_id))
            session.commit()


        $get_def
            $one = session.get(models.$cls, ${snake}_id)
            if $one is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"$label {${snake}_id} not found")
            return $one
        """, plural_label=entity.plural_label, kebab=entity.plural_kebab, cls=entity.class_name,
        plural=entity.plural_snake, snake=entity.snake, one=one, label=entity.label,
        depends_import="Depends, " if auth else "", **_route_signatures(entity),
        security_import="from app.security import current_user\n" if auth else "",
        protected=", dependencies=[Depends(current_user)]" if auth else "")
    depends = ("app/database.py", "app/models.py", "app/schemas.py") + (("app/security.py",) if auth else ())
    return GeneratedFile(f"app/routers/{entity.plural_snake}.py", content,
                         f"CRUD routes for {entity.plural_label.lower()}"
                         + (", behind the bearer-token dependency" if auth else ""), depends)


def _route_signatures(entity: EntitySpec) -> dict[str, str]:
    snake, cls = entity.snake, entity.class_name
    ident, body = f"{snake}_id: int", f"{snake}_in: schemas.{cls}In"
    return {
        "create_def": _signature(f"create_{snake}", [body, "session: SessionDep"], f"models.{cls}"),
        "read_def": _signature(f"read_{snake}", [ident, "session: SessionDep"], f"models.{cls}"),
        "replace_def": _signature(f"replace_{snake}", [ident, body, "session: SessionDep"], f"models.{cls}"),
        "delete_def": _signature(f"delete_{snake}", [ident, "session: SessionDep"], "None"),
        "get_def": _signature("_get_or_404", ["session: Session", ident], f"models.{cls}"),
    }


def _signature(name: str, params: list[str], returns: str) -> str:
    """A `def` line, its parameters one a line when a single line would pass 100 characters."""
    line = f"def {name}({', '.join(params)}) -> {returns}:"
    if len(line) <= 100:
        return line
    return f"def {name}(\n" + "".join(f"    {param},\n" for param in params) + f") -> {returns}:"


def _main(spec: ProjectSpec, prefix: str) -> GeneratedFile:
    modules = ["health", *(["auth"] if spec.has("auth") else []), *(e.plural_snake for e in spec.entities)]
    # isort's natural order, so that entity_2s comes before entity_10s.
    names = sorted(modules, key=lambda name: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)])
    imports = f"from app.routers import {', '.join(names)}"
    if len(imports) > 100:
        imports = "from app.routers import (\n" + "".join(f"    {m},\n" for m in names) + ")"
    description = f"\n        description={py_string(spec.description, 8)}," if spec.description else ""
    # `config.settings`, not `settings`: an entity named Setting has a router module called `settings`.
    content = fill("""
        \"\"\"The FastAPI application: its routers under $shown_prefix, CORS, and the tables created at startup.\"\"\"

        from collections.abc import AsyncIterator
        from contextlib import asynccontextmanager

        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware

        from app import config
        from app.models import create_tables
        $imports

        API_PREFIX = $prefix


        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            create_tables()
            yield


        def create_app() -> FastAPI:
            app = FastAPI(
                title=$title,$description
                version="0.1.0",
                lifespan=lifespan,
            )
            if config.settings.cors_origins:
                app.add_middleware(CORSMiddleware, allow_origins=list(config.settings.cors_origins),
                                   allow_methods=["*"], allow_headers=["*"])
        $includes    return app


        app = create_app()
        """, shown_prefix=prefix or "/", imports=imports, prefix=py_literal(prefix), title=py_literal(spec.title),
        description=description,
        includes="".join(f"    app.include_router({m}.router, prefix=API_PREFIX)\n" for m in modules))
    depends = ("app/config.py", "app/models.py", *(f"app/routers/{m}.py" for m in modules))
    return GeneratedFile("app/main.py", content, "FastAPI app factory: routers, CORS, table creation at startup",
                         depends)


TEMPLATE = register(ProjectTemplate(
    id="fastapi-backend",
    name="FastAPI Backend",
    description="A REST API with FastAPI, SQLAlchemy 2 and Pydantic 2: CRUD routes for every entity, SQLite by "
                "default, optional JWT accounts, and a pytest suite that exercises every route.",
    category="backend",
    complexity="medium",
    features=("auth", "docker", "tests", "ci"),
    languages=("Python",),
    frameworks=("FastAPI", "SQLAlchemy", "Pydantic", "pytest"),
    render=render,
    checks=(Check("python", "."),),
    starter_entities=(
        {"name": "Task", "fields": [
            {"name": "title", "type": "str"},
            {"name": "done", "type": "bool"},
            {"name": "due", "type": "date", "required": False},
        ]},
    ),
))
