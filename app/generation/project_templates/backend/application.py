"""The generated app package's frame: app/__init__.py, app/config.py (settings) and app/main.py (the FastAPI app)."""

from __future__ import annotations

import re

from .. import GeneratedFile
from ..spec import ProjectSpec
from .python_code import fill, py_literal, py_string


def package(spec: ProjectSpec) -> GeneratedFile:
    return GeneratedFile("app/__init__.py", f'"""{spec.title}: the API package."""\n', "Marks `app` as a package")


def config(auth: bool) -> GeneratedFile:
    fields = ["database_url: str", "cors_origins: tuple[str, ...]"]
    values = ['database_url=database_url(environ.get("DATABASE_URL", "sqlite:///./app.db")),',
              'cors_origins=tuple(origin.strip() for origin in origins.split(",") if origin.strip()),']
    if auth:
        fields[1:1] = ["secret_key: str", "secret_key_given: bool", "development: bool", "access_token_minutes: int",
                       "admin_emails: frozenset[str]", "registration_open: bool"]
        values[1:1] = ['secret_key=environ.get("SECRET_KEY") or DEV_SECRET_KEY,',
                       'secret_key_given=bool(environ.get("SECRET_KEY")),',
                       'development=environ.get("APP_ENV") == "development",',
                       'access_token_minutes=_whole_number(environ, "ACCESS_TOKEN_MINUTES", 30),',
                       'admin_emails=_emails(environ, "ADMIN_EMAILS"),',
                       'registration_open=_flag(environ, "REGISTRATION_OPEN", True),']
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


        def database_url(url: str) -> str:
            \"\"\"A postgresql:// URL (or Heroku's postgres://) for the psycopg 3 driver that requirements.txt installs;
            SQLAlchemy alone would look for psycopg2.\"\"\"
            for scheme in ("postgresql://", "postgres://"):
                if url.startswith(scheme):
                    return "postgresql+psycopg://" + url.removeprefix(scheme)
            return url
        $helper

        settings = load_settings()
        """, fields="\n    ".join(fields), values="\n        ".join(values),
        secret=_CONFIG_DEV_KEY if auth else "", helper=_CONFIG_WHOLE_NUMBER if auth else "")
    return GeneratedFile("app/config.py", content, "Settings from environment variables (DATABASE_URL, CORS_ORIGINS"
                         + (", SECRET_KEY, ACCESS_TOKEN_MINUTES, ADMIN_EMAILS, REGISTRATION_OPEN)" if auth else ")"))


_CONFIG_DEV_KEY = """
# Signs tokens in development (APP_ENV=development) and in the tests only: anywhere else the API refuses to start
# without SECRET_KEY (app/main.py), since anyone who reads this file could sign a token with it.
DEV_SECRET_KEY = "dev-only-secret-key-change-me-before-deploying"
"""

_CONFIG_WHOLE_NUMBER = """

def require_secret_key(settings: Settings) -> None:
    if not settings.secret_key_given and not settings.development:
        raise RuntimeError("SECRET_KEY is not set: set it to a long random string, such as the output of "
                           "python3 -c 'import secrets; print(secrets.token_urlsafe(32))', or set "
                           "APP_ENV=development to sign tokens with the development key")


def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None


def _emails(environ: Mapping[str, str], name: str) -> frozenset[str]:
    return frozenset(email.strip().lower() for email in environ.get(name, "").split(",") if email.strip())


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise RuntimeError(f"{name} must be true or false, not {raw!r}")
    return raw in ("true", "1", "yes")
"""


def main(spec: ProjectSpec, prefix: str) -> GeneratedFile:
    modules = ["health", *(["auth"] if spec.has("auth") else []), *(e.module for e in spec.entities)]
    # isort's natural order, so that entity_2s comes before entity_10s.
    names = sorted(modules, key=lambda name: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)])
    imports = f"from app.routers import {', '.join(names)}"
    if len(imports) > 100:
        imports = "from app.routers import (\n" + "".join(f"    {m},\n" for m in names) + ")"
    description = f"\n        description={py_string(spec.description, 8)}," if spec.description else ""
    # `config.settings`, not `settings`: an entity named Setting has a router module called `settings`.
    content = fill("""
        \"\"\"The FastAPI application: its routers under $shown_prefix, CORS, the database migrated at startup.\"\"\"

        import math
        from collections.abc import AsyncIterator
        from contextlib import asynccontextmanager

        from fastapi import FastAPI, Request, status
        from fastapi.encoders import jsonable_encoder
        from fastapi.exceptions import RequestValidationError
        from fastapi.middleware.cors import CORSMiddleware
        from fastapi.responses import JSONResponse

        from app import config
        from app.migrate import upgrade_database
        $imports

        API_PREFIX = $prefix


        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        $require_key    upgrade_database()
            yield


        async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
            \"\"\"FastAPI's 422 answer, able to quote a refused NaN or Infinity (JSON has neither: sent as text).\"\"\"
            detail = jsonable_encoder(error.errors(), custom_encoder={float: _finite_or_text})
            return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


        def _finite_or_text(number: float) -> float | str:
            return number if math.isfinite(number) else str(number)


        def create_app() -> FastAPI:
            app = FastAPI(
                title=$title,$description
                version="0.1.0",
                lifespan=lifespan,
            )
            app.add_exception_handler(RequestValidationError, validation_error)
            if config.settings.cors_origins:
                # A browser lets the front end read X-Total-Count (the size of a list) only when told so.
                app.add_middleware(CORSMiddleware, allow_origins=list(config.settings.cors_origins),
                                   allow_methods=["*"], allow_headers=["*"], expose_headers=["X-Total-Count"])
        $includes    return app


        app = create_app()
        """, shown_prefix=prefix or "/", imports=imports, prefix=py_literal(prefix), title=py_literal(spec.title),
        description=description,
        require_key="    config.require_secret_key(config.settings)\n" if spec.has("auth") else "",
        includes="".join(f"    app.include_router({m}.router, prefix=API_PREFIX)\n" for m in modules))
    depends = ("app/config.py", "app/migrate.py", *(f"app/routers/{m}.py" for m in modules))
    return GeneratedFile("app/main.py", content, "FastAPI app factory: routers, CORS, migrations at startup",
                         depends)
