"""The generated README.md: how to run and test the API, its configuration, routes and entities."""

from __future__ import annotations

import json

from .. import GeneratedFile
from ..relation_order import ordered_entities
from ..spec import ProjectSpec
from .python_code import fill, normal_prefix, sample_body


def api_routes(spec: ProjectSpec, api_prefix: str = "/api") -> list[tuple[str, str, str]]:
    """(method, path, what it does) for every route of the generated API."""
    prefix = normal_prefix(api_prefix)
    routes = [("GET", f"{prefix}/health", "Service and database status")]
    if spec.has("auth"):
        routes += [
            ("POST", f"{prefix}/auth/register", "Create an account from `{\"email\", \"password\"}`"),
            ("POST", f"{prefix}/auth/token", "Exchange `{\"email\", \"password\"}` for a bearer token"),
            ("GET", f"{prefix}/auth/me", "The signed-in account"),
        ]
    for entity in spec.entities:
        url = f"{prefix}/{entity.plural_kebab}"
        filters = "".join(f", `{field.snake}`" for field in entity.fields if field.target)
        routes += [
            ("GET", url, f"List {entity.plural_label.lower()} (`limit`, `offset`{filters}); the `X-Total-Count` "
                         "header gives the number of matches"),
            ("POST", url, f"Create a {entity.label.lower()}"),
            ("GET", f"{url}/{{id}}", f"Read one {entity.label.lower()}"),
            ("PUT", f"{url}/{{id}}", f"Replace a {entity.label.lower()}"),
            ("PATCH", f"{url}/{{id}}", f"Change some fields of a {entity.label.lower()}"),
            ("DELETE", f"{url}/{{id}}", f"Delete a {entity.label.lower()}"),
        ]
    return routes


def routes_table(spec: ProjectSpec, api_prefix: str = "/api") -> str:
    rows = [f"| {method} | `{path}` | {what} |" for method, path, what in api_routes(spec, api_prefix)]
    return "\n".join(["| method | path | what it does |", "| --- | --- | --- |", *rows])


def entities_section(spec: ProjectSpec) -> str:
    """A Markdown table of fields per entity."""
    parts = []
    for entity in spec.entities:
        rows = [f"| `{f.snake}` | {f'the id of a {f.type}' if f.target else f.type} | "
                f"{'yes' if f.required else 'no'} |" for f in entity.fields]
        parts.append("\n".join([f"### {entity.label}", "", "| field | type | required |", "| --- | --- | --- |",
                                *rows]))
    return "\n\n".join(parts)


def readme(spec: ProjectSpec, api_prefix: str = "/api") -> GeneratedFile:
    auth = spec.has("auth")
    example = ordered_entities(spec.entities)[0]  # refers to no other entity: its example works on an empty API
    sections = [
        f"# {spec.title}",
        spec.description.strip(),
        "A REST API built with FastAPI, SQLAlchemy 2 and Pydantic 2"
        + (", with accounts and bearer tokens" if auth else "") + ". It stores its data in SQLite unless "
        "`DATABASE_URL` names another database.",
        fill(_README_RUN, prefix=normal_prefix(api_prefix), dev_env="APP_ENV=development " if auth else "",
             dev_note=_README_DEV_KEY if auth else ""),
        "## Configuration\n\n" + "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *(
            f"| `{name}` | {default} | {meaning} |" for name, default, meaning, for_auth in _SETTINGS
            if auth or not for_auth)]),
        "## API\n\n" + routes_table(spec, api_prefix)
        + ("\n\nEvery entity route needs an `Authorization: Bearer <token>` header and answers 401 without one. "
           "A record belongs to the user who created it: other users get 404 for it and do not see it in lists; "
           "an admin (an address in `ADMIN_EMAILS`) sees and changes every record. Sign-in is throttled: after 5 "
           "failed attempts for one e-mail from one address, the API answers 429 (with `Retry-After`) for 15 "
           "minutes, and an unknown e-mail costs the same password work as a known one." if auth else "")
        + ("\n\nA field whose type is another entity holds the id of one of its records: the API answers 422 "
           "naming the field when that record does not exist, and 409 when a record still referred to is deleted."
           if any(f.target for e in spec.entities for f in e.fields) else ""),
        fill(_README_EXAMPLE, url=f"{normal_prefix(api_prefix)}/{example.plural_kebab}",
             body=json.dumps(sample_body(spec, example)).replace("'", "'\\''"),
             auth_header=" -H \"Authorization: Bearer $TOKEN\"" if auth else "",
             sign_in=fill(_README_SIGN_IN, prefix=normal_prefix(api_prefix)) if auth else ""),
        "## Entities\n\n" + entities_section(spec),
    ]
    if spec.has("docker"):
        sections.append(fill(_README_DOCKER, slug=spec.slug, secret=_DOCKER_ENV if auth else ""))
    sections.append(_README_LAYOUT.rstrip())
    if auth:
        sections[-1] = sections[-1].replace("app/schemas.py ", "app/security.py       password hashing, tokens, the "
                                            "current user\napp/schemas.py ")
    content = "\n\n".join(section.strip() for section in sections if section.strip()) + "\n"
    return GeneratedFile("README.md", content, "What the API is, how to run and test it, its routes and entities")


_SETTINGS = (
    ("DATABASE_URL", "`sqlite:///./app.db`", "any SQLAlchemy database URL; `postgresql://user:password@host/db` "
     "uses the psycopg 3 driver that requirements.txt installs", False),
    ("SECRET_KEY", "(none)", "signs access tokens: a long random value; required unless `APP_ENV=development`",
     True),
    ("APP_ENV", "(none)", "`development` signs tokens with a fixed development key when `SECRET_KEY` is unset",
     True),
    ("ACCESS_TOKEN_MINUTES", "30", "how long an access token stays valid", True),
    ("ADMIN_EMAILS", "(none)", "comma-separated addresses that register as admins, who see every record", True),
    ("REGISTRATION_OPEN", "`true`", "`false` lets only the `ADMIN_EMAILS` addresses register", True),
    ("CORS_ORIGINS", "(none)", "comma-separated origins a browser may call the API from", False),
)

_README_RUN = """
## Run it

Python 3.11 or newer:

```bash
python3 -m venv .venv
. .venv/bin/activate
pip install -r requirements.txt
${dev_env}uvicorn app.main:app --reload
```
$dev_note
At startup the API brings the database up to date with the migrations in `app/migrations/` (Alembic). Open
http://127.0.0.1:8000/docs for the interactive documentation, or http://127.0.0.1:8000$prefix/health to check the
service.

A project whose checks Codegen Studio verified also carries `requirements.lock`, the exact versions they passed with:
`pip install -r requirements.lock` installs exactly those.

After changing `app/models.py`, write the next migration and apply it:

```bash
alembic revision --autogenerate -m "what changed"
alembic upgrade head
```

## Test it

```bash
ruff check .    # lint (ruff.toml)
pytest
```

Every test runs against its own temporary SQLite database. CI runs both.
"""

_README_SIGN_IN = """
curl -X POST localhost:8000$prefix/auth/register -H 'Content-Type: application/json' \\
     -d '{"email": "ada@example.com", "password": "correct horse battery staple"}'
TOKEN=$$(curl -s -X POST localhost:8000$prefix/auth/token -H 'Content-Type: application/json' \\
     -d '{"email": "ada@example.com", "password": "correct horse battery staple"}' \\
     | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
"""

_README_EXAMPLE = """
For example:

```bash
${sign_in}curl -X POST localhost:8000$url -H 'Content-Type: application/json'$auth_header \\
     -d '$body'
curl localhost:8000$url$auth_header
```
"""

_README_DOCKER = """
## Docker

```bash
docker build -t $slug .
docker run -p 8000:8000 ${secret}-v $slug-data:/srv/data $slug
```
"""

_DOCKER_ENV = "-e SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\" "

_README_DEV_KEY = """
`APP_ENV=development` lets the API sign tokens with a fixed development key; anywhere else, set `SECRET_KEY` to a
long random string instead (the API refuses to start without one).
"""

_README_LAYOUT = """
## Layout

```
app/main.py           the application: routers, CORS, migrations applied at startup
app/config.py         settings from environment variables
app/database.py       engine, declarative base, one session per request
app/models.py         SQLAlchemy tables
app/migrate.py        runs the Alembic migrations of app/migrations/ (alembic.ini: the command line's settings)
app/schemas.py        Pydantic request and response bodies
app/routers/          one module of routes per resource
tests/                pytest suite, each test on its own temporary database
ruff.toml             the lint rules of `ruff check .`
```
"""
