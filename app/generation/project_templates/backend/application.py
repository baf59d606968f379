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
    values = ['database_url=environ.get("DATABASE_URL", "sqlite:///./app.db"),',
              'cors_origins=tuple(origin.strip() for origin in origins.split(",") if origin.strip()),']
    if auth:
        fields[1:1] = ["secret_key: str", "secret_key_given: bool", "development: bool", "access_token_minutes: int"]
        values[1:1] = ['secret_key=environ.get("SECRET_KEY") or DEV_SECRET_KEY,',
                       'secret_key_given=bool(environ.get("SECRET_KEY")),',
                       'development=environ.get("APP_ENV") == "development",',
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
        \"\"\"The FastAPI application: its routers under $shown_prefix, CORS, and the tables created at startup.\"\"\"

        import math
        from collections.abc import AsyncIterator
        from contextlib import asynccontextmanager

        from fastapi import FastAPI, Request, status
        from fastapi.encoders import jsonable_encoder
        from fastapi.exceptions import RequestValidationError
        from fastapi.middleware.cors import CORSMiddleware
        from fastapi.responses import JSONResponse

        from app import config
        from app.models import create_tables
        $imports

        API_PREFIX = $prefix


        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        $require_key    create_tables()
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
                app.add_middleware(CORSMiddleware, allow_origins=list(config.settings.cors_origins),
                                   allow_methods=["*"], allow_headers=["*"])
        $includes    return app


        app = create_app()
        """, shown_prefix=prefix or "/", imports=imports, prefix=py_literal(prefix), title=py_literal(spec.title),
        description=description,
        require_key="    config.require_secret_key(config.settings)\n" if spec.has("auth") else "",
        includes="".join(f"    app.include_router({m}.router, prefix=API_PREFIX)\n" for m in modules))
    depends = ("app/config.py", "app/models.py", *(f"app/routers/{m}.py" for m in modules))
    return GeneratedFile("app/main.py", content, "FastAPI app factory: routers, CORS, table creation at startup",
                         depends)
