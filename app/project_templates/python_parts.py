"""The FastAPI back end's supporting parts: field types and samples, literals, its tests, requirements, README."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from string import Template
from typing import Any

from . import GeneratedFile
from .spec import EntitySpec, FieldSpec, ProjectSpec


@dataclass(frozen=True)
class PythonType:
    annotation: str  # the Python type of a value: "str", "date"
    column: str  # the SQLAlchemy column type, with `import sqlalchemy as sa`
    invalid: Any  # a JSON value Pydantic refuses for this type
    samples: tuple[Any, Any] | None = None  # two different valid JSON values; text samples come from the label


PYTHON_TYPES: dict[str, PythonType] = {
    "str": PythonType("str", "sa.String(255)", 12345),
    "text": PythonType("str", "sa.Text", 12345),
    "int": PythonType("int", "sa.Integer", "many", (42, 7)),
    "float": PythonType("float", "sa.Float", "lots", (12.5, 0.25)),
    "bool": PythonType("bool", "sa.Boolean", "maybe", (True, False)),
    "date": PythonType("date", "sa.Date", "not a date", ("2024-05-17", "2025-01-31")),
    "datetime": PythonType("datetime", "sa.DateTime", "soon", ("2024-05-17T09:30:00", "2025-01-31T18:45:00")),
}


def sample_value(field: FieldSpec, variant: int = 0) -> Any:
    """A valid JSON value for `field`; variants 0 and 1 differ, so an update can be told from the original."""
    if field.type == "str":
        return f"{field.label} {variant + 1}"
    if field.type == "text":
        return f"{field.label} {variant + 1}: a longer text, written over more than one line if need be."
    samples = PYTHON_TYPES[field.type].samples
    assert samples is not None, field.type
    return samples[variant]


def sample_body(entity: EntitySpec, variant: int = 0) -> dict[str, Any]:
    return {field.snake: sample_value(field, variant) for field in entity.fields}


def datetime_imports(entity_fields: list[FieldSpec]) -> str:
    """`from datetime import ...` for the date and time annotations the fields use, or ""."""
    names = sorted({field.type for field in entity_fields if field.type in ("date", "datetime")})
    return f"from datetime import {', '.join(names)}\n" if names else ""


def py_literal(value: Any) -> str:
    """A Python literal in the double-quoted style of the generated code (JSON is nearly Python)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    return json.dumps(value)


def py_string(text: str, indent: int = 0, width: int = 100) -> str:
    """A string literal; a long one becomes implicitly joined pieces in parentheses, each fitting `width`."""
    if len(py_literal(text)) + indent <= width:
        return py_literal(text)
    pieces = [""]
    for word in re.findall(r"\s*\S+\s*|\s+", text):
        if pieces[-1] and indent + 4 + len(py_literal(pieces[-1] + word)) > width:
            pieces.append("")
        pieces[-1] += word
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{py_literal(piece)}\n" for piece in pieces) + " " * indent + ")"


def fill(text: str, **values: str) -> str:
    """Dedent a snippet of generated code and substitute its $placeholders."""
    return Template(textwrap.dedent(text).lstrip("\n")).substitute(values)


def normal_prefix(api_prefix: str) -> str:
    """"/api", "api/" and "/api/" all mean "/api"; "" and "/" mean the routes sit at the root."""
    stripped = api_prefix.strip("/")
    return f"/{stripped}" if stripped else ""


# --- The project's own files ------------------------------------------------------------------------------------


def requirements(spec: ProjectSpec) -> GeneratedFile:
    lines = [
        "fastapi>=0.115,<1",
        "uvicorn>=0.30,<1",
        "sqlalchemy>=2.0.30,<3",
        "pydantic>=2.10,<3",
    ]
    if spec.has("auth"):
        lines.append("pyjwt>=2.10,<3")
    # Starlette's TestClient runs on httpx2 from Starlette 1.6 on (plain httpx still works there, deprecated).
    lines += ["", "# tests", "starlette>=1.6,<2", "httpx2>=2,<3", "pytest>=8.3,<10"]
    return GeneratedFile("requirements.txt", "\n".join(lines) + "\n",
                         "Python dependencies with compatible version ranges, the test tools included")


PYTEST_INI = GeneratedFile("pytest.ini", "[pytest]\ntestpaths = tests\npythonpath = .\n",
                           "Lets a bare `pytest` at the project root find the tests and import `app`")

GITIGNORE = GeneratedFile(".gitignore", fill("""
    __pycache__/
    *.py[cod]
    .venv/
    venv/
    .pytest_cache/
    .ruff_cache/
    *.db
    .env
    """), "Keeps virtual environments, caches and the local SQLite database out of git")

DOCKERIGNORE = GeneratedFile(".dockerignore", fill("""
    .git
    .github
    .venv
    venv
    __pycache__
    .pytest_cache
    *.db
    tests
    """), "Keeps the image small: no git history, environments, caches, databases or tests")

DOCKERFILE = GeneratedFile("Dockerfile", fill("""
    FROM python:3.12-slim

    ENV PYTHONDONTWRITEBYTECODE=1 \\
        PYTHONUNBUFFERED=1 \\
        DATABASE_URL=sqlite:////srv/data/app.db

    WORKDIR /srv
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    COPY app ./app

    # Run as a user without privileges; the SQLite database lives in a volume it owns.
    RUN useradd --create-home appuser && mkdir data && chown appuser data
    USER appuser
    VOLUME /srv/data

    EXPOSE 8000
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
    """), "Container image serving the API with uvicorn on port 8000", ("requirements.txt", "app/main.py"))


def ci_workflow(working_directory: str = ".") -> GeneratedFile:
    """A GitHub Actions workflow that installs the requirements and runs pytest in `working_directory`."""
    defaults = "" if working_directory == "." else (
        f"    defaults:\n      run:\n        working-directory: {working_directory}\n")
    dependency_path = "requirements.txt" if working_directory == "." else f"{working_directory}/requirements.txt"
    content = fill("""
        name: CI

        on:
          push:
          pull_request:

        jobs:
          test:
            runs-on: ubuntu-latest
        $defaults    steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.12"
                  cache: pip
                  cache-dependency-path: $dependency_path
              - run: pip install -r requirements.txt
              - run: pytest
        """, defaults=defaults, dependency_path=dependency_path)
    return GeneratedFile(".github/workflows/ci.yml", content, "GitHub Actions: install the requirements, run pytest")


# --- README sections --------------------------------------------------------------------------------------------


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
        routes += [
            ("GET", url, f"List {entity.plural_label.lower()} (`limit`, `offset`)"),
            ("POST", url, f"Create a {entity.label.lower()}"),
            ("GET", f"{url}/{{id}}", f"Read one {entity.label.lower()}"),
            ("PUT", f"{url}/{{id}}", f"Replace a {entity.label.lower()}"),
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
        rows = [f"| `{f.snake}` | {f.type} | {'yes' if f.required else 'no'} |" for f in entity.fields]
        parts.append("\n".join([f"### {entity.label}", "", "| field | type | required |", "| --- | --- | --- |",
                                *rows]))
    return "\n\n".join(parts)


# --- tests/ ------------------------------------------------------------------------------------------------------


def test_files(spec: ProjectSpec, prefix: str) -> list[GeneratedFile]:
    """conftest.py, a health test, the account tests with `auth`, and one test module per entity."""
    auth = spec.has("auth")
    files = [_conftest(prefix, auth), GeneratedFile("tests/test_health.py", fill("""
        \"\"\"The health route answers without signing in.\"\"\"


        def test_health_reports_the_service_and_database_ok($fixture):
            response = $fixture.get("$prefix/health")

            assert response.status_code == 200
            assert response.json() == {"status": "ok", "database": "ok"}
        """, fixture="anonymous_client" if auth else "client", prefix=prefix),
        "Tests the health route", ("tests/conftest.py", "app/routers/health.py"))]
    if auth:
        files.append(GeneratedFile("tests/test_auth.py", fill(_AUTH_TESTS, prefix=prefix),
                                   "Tests registration, tokens, and what an expired or missing token gets",
                                   ("tests/conftest.py", "app/config.py", "app/security.py",
                                    "app/routers/auth.py")))
    files += [_entity_tests(entity, prefix, auth) for entity in spec.entities]
    return files


def _conftest(prefix: str, auth: bool) -> GeneratedFile:
    content = fill(_CONFTEST_AUTH if auth else _CONFTEST, prefix=prefix)
    depends = ("app/database.py", "app/main.py", "app/models.py") + (("app/security.py",) if auth else ())
    return GeneratedFile("tests/conftest.py", content, "Fixtures: a temporary SQLite database per test and API "
                         + ("clients, anonymous and signed in" if auth else "client"), depends)


_CLIENT_FIXTURE = """
@pytest.fixture
def $name(tmp_path):
    \"\"\"A client $who, on an empty database of its own.\"\"\"
    engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}", connect_args={"check_same_thread": False})
    create_tables(engine)
    testing_session = sessionmaker(engine)

    def get_test_session():
        with testing_session() as session:
            yield session

    app.dependency_overrides[get_session] = get_test_session
    yield TestClient(app)
    app.dependency_overrides.clear()
    engine.dispose()
"""

_CONFTEST_HEAD = """
\"\"\"Fixtures: every test gets a fresh SQLite database, and the API's session dependency is pointed at it.\"\"\"

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

$security_import
from app.database import get_session
from app.main import app
from app.models import create_tables
"""

_CONFTEST = (_CONFTEST_HEAD.replace("$security_import\n", "") + "\n"
             + _CLIENT_FIXTURE.replace("$name", "client").replace(" $who,", ""))

_CONFTEST_AUTH = _CONFTEST_HEAD.replace("$security_import", "from app import security") + """
CREDENTIALS = {"email": "ada@example.com", "password": "correct horse battery staple"}


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    # Full-strength PBKDF2 costs a good part of a second per password; the tests check the logic, not the cost.
    monkeypatch.setattr(security, "PASSWORD_ITERATIONS", 1_000)

""" + _CLIENT_FIXTURE.replace("$name", "anonymous_client").replace("$who", "without a token") + """

@pytest.fixture
def client(anonymous_client):
    \"\"\"A client signed in as a freshly registered user, on the same database as `anonymous_client`.\"\"\"
    assert anonymous_client.post("$prefix/auth/register", json=CREDENTIALS).status_code == 201
    token = anonymous_client.post("$prefix/auth/token", json=CREDENTIALS).json()["access_token"]
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})
"""

_AUTH_TESTS = """
\"\"\"Accounts: registering, exchanging credentials for a token, and what a token opens.\"\"\"

from datetime import UTC, datetime, timedelta

import jwt

from app.config import settings
from app.security import hash_password, verify_password

AUTH = "$prefix/auth"
GRACE = {"email": "Grace@Example.com", "password": "a long enough password"}


def register(client):
    response = client.post(f"{AUTH}/register", json=GRACE)
    assert response.status_code == 201, response.text
    return response.json()


def test_register_then_sign_in_gives_a_working_token(anonymous_client):
    user = register(anonymous_client)
    assert user == {"id": user["id"], "email": "grace@example.com"}

    response = anonymous_client.post(f"{AUTH}/token", json=GRACE)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] > 0

    me = anonymous_client.get(f"{AUTH}/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    assert me.json() == user


def test_an_email_is_registered_once(anonymous_client):
    register(anonymous_client)

    again = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "email": "grace@example.com"})

    assert again.status_code == 409


def test_a_wrong_password_or_unknown_email_gets_no_token(anonymous_client):
    register(anonymous_client)

    wrong_password = anonymous_client.post(f"{AUTH}/token", json={**GRACE, "password": "not the password"})
    unknown_email = anonymous_client.post(f"{AUTH}/token", json={**GRACE, "email": "nobody@example.com"})

    assert wrong_password.status_code == 401
    assert unknown_email.status_code == 401


def test_a_short_password_or_an_invalid_email_cannot_register(anonymous_client):
    short = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "password": "short"})
    invalid = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "email": "not-an-email"})

    assert short.status_code == 422
    assert invalid.status_code == 422


def test_the_password_is_not_stored_in_clear():
    stored = hash_password(GRACE["password"])

    assert GRACE["password"] not in stored
    assert stored != hash_password(GRACE["password"])  # a new salt each time
    assert verify_password(GRACE["password"], stored)
    assert not verify_password("not the password", stored)


def test_a_missing_invalid_or_expired_token_is_refused(anonymous_client):
    user = register(anonymous_client)
    expired = jwt.encode({"sub": str(user["id"]), "exp": datetime.now(UTC) - timedelta(minutes=1)},
                         settings.secret_key, algorithm="HS256")

    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Bearer {expired}"}):
        response = anonymous_client.get(f"{AUTH}/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
"""


def _entity_tests(entity: EntitySpec, prefix: str, auth: bool) -> GeneratedFile:
    required = [f for f in entity.fields if f.required]
    optional = [f for f in entity.fields if not f.required]
    strings = [f for f in entity.fields if f.type == "str"]
    tests = [fill(_CRUD_TESTS, snake=entity.snake, plural=entity.plural_snake, label=entity.label)]
    if required:
        tests.append(fill("""
            @pytest.mark.parametrize("field", $fields)
            def test_a_missing_required_field_is_422(client, field):
                body = {name: value for name, value in VALID.items() if name != field}

                response = client.post(URL, json=body)

                assert response.status_code == 422
                assert response.json()["detail"][0]["loc"] == ["body", field]
            """, fields=py_literal([f.snake for f in required])))
    wrong = [f"({py_literal(f.snake)}, {py_literal(PYTHON_TYPES[f.type].invalid)})" for f in entity.fields]
    tests.append(fill(_WRONG_TYPE_TEST, cases=_list_literal(wrong)))
    if optional:
        body = _dict_literal({f.snake: sample_value(f) for f in required}, indent=4)
        checks = "\n    ".join(f"assert created[{py_literal(f.snake)}] is None" for f in optional)
        tests.append(fill("""
            def test_optional_fields_may_be_left_out(client):
                created = create(client, $body)

                $checks
            """, body=body, checks=checks))
    if strings:
        tests.append(fill("""
            @pytest.mark.parametrize("field", $fields)
            def test_a_text_longer_than_255_characters_is_422(client, field):
                response = client.post(URL, json={**VALID, field: "x" * 256})

                assert response.status_code == 422
            """, fields=py_literal([f.snake for f in strings])))
    if auth:
        tests.append(fill(_SIGN_IN_REQUIRED_TEST))
    head = fill("""
        \"\"\"$plural_label through the API: every route, and the errors a client can cause.\"\"\"

        import pytest

        URL = "$url"
        VALID = $valid
        CHANGED = $changed


        def create(client, body):
            response = client.post(URL, json=body)
            assert response.status_code == 201, response.text
            return response.json()
        """, plural_label=entity.plural_label, url=f"{prefix}/{entity.plural_kebab}",
        valid=_dict_literal(sample_body(entity, 0)), changed=_dict_literal(sample_body(entity, 1)))
    return GeneratedFile(f"tests/test_{entity.plural_snake}.py", "\n\n".join([head, *tests]),
                         f"Tests every {entity.label.lower()} route: round trip, pagination, 404, 422"
                         + (", 401" if auth else ""),
                         ("tests/conftest.py", f"app/routers/{entity.plural_snake}.py"))


def _dict_literal(values: dict[str, Any], indent: int = 0) -> str:
    """A dict literal on one line, or one item a line when that line would pass 100 characters."""
    inline = py_literal(values)
    if len(inline) + indent + 30 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{py_literal(k)}: {py_literal(v)},\n" for k, v in values.items()) + " " * indent + "}"


def _list_literal(elements: list[str], indent: int = 0) -> str:
    """A list of already-rendered elements, one a line when a single line would be too long."""
    inline = f"[{', '.join(elements)}]"
    if len(inline) + indent + 40 <= 100:
        return inline
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{element},\n" for element in elements) + " " * indent + "]"


_CRUD_TESTS = """
def test_create_then_read_returns_the_same_$snake(client):
    created = create(client, VALID)

    assert created == {"id": created["id"], **VALID}
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_list_pages_with_limit_and_offset(client):
    first = create(client, VALID)
    second = create(client, CHANGED)

    assert client.get(URL).json() == [first, second]
    assert client.get(URL, params={"limit": 1}).json() == [first]
    assert client.get(URL, params={"limit": 1, "offset": 1}).json() == [second]
    assert client.get(URL, params={"limit": 0}).status_code == 422


def test_replace_changes_every_field(client):
    created = create(client, VALID)

    response = client.put(f"{URL}/{created['id']}", json=CHANGED)

    assert response.status_code == 200, response.text
    assert response.json() == {"id": created["id"], **CHANGED}
    assert client.get(f"{URL}/{created['id']}").json() == {"id": created["id"], **CHANGED}


def test_delete_removes_the_$snake(client):
    created = create(client, VALID)

    response = client.delete(f"{URL}/{created['id']}")

    assert response.status_code == 204
    assert client.get(f"{URL}/{created['id']}").status_code == 404
    assert client.get(URL).json() == []


def test_a_missing_${snake}_is_404_for_every_route(client):
    responses = [client.get(f"{URL}/999"), client.put(f"{URL}/999", json=VALID), client.delete(f"{URL}/999")]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert responses[0].json() == {"detail": "$label 999 not found"}
"""

_WRONG_TYPE_TEST = """
@pytest.mark.parametrize(("field", "value"), $cases)
def test_a_value_of_the_wrong_type_is_422_and_stores_nothing(client, field, value):
    response = client.post(URL, json={**VALID, field: value})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(URL).json() == []
"""

_SIGN_IN_REQUIRED_TEST = """
def test_every_route_needs_a_token(anonymous_client):
    responses = [
        anonymous_client.get(URL),
        anonymous_client.post(URL, json=VALID),
        anonymous_client.get(f"{URL}/1"),
        anonymous_client.put(f"{URL}/1", json=VALID),
        anonymous_client.delete(f"{URL}/1"),
        anonymous_client.get(URL, headers={"Authorization": "Bearer not-a-token"}),
    ]

    assert [response.status_code for response in responses] == [401] * 6
"""


# --- README.md ---------------------------------------------------------------------------------------------------


def readme(spec: ProjectSpec, api_prefix: str = "/api") -> GeneratedFile:
    auth = spec.has("auth")
    example = spec.entities[0]
    sections = [
        f"# {spec.title}",
        spec.description.strip(),
        "A REST API built with FastAPI, SQLAlchemy 2 and Pydantic 2"
        + (", with accounts and bearer tokens" if auth else "") + ". It stores its data in SQLite unless "
        "`DATABASE_URL` names another database.",
        fill(_README_RUN, prefix=normal_prefix(api_prefix)),
        "## Configuration\n\n" + "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *(
            f"| `{name}` | {default} | {meaning} |" for name, default, meaning, for_auth in _SETTINGS
            if auth or not for_auth)]),
        "## API\n\n" + routes_table(spec, api_prefix)
        + ("\n\nEvery entity route needs an `Authorization: Bearer <token>` header and answers 401 without one."
           if auth else ""),
        fill(_README_EXAMPLE, url=f"{normal_prefix(api_prefix)}/{example.plural_kebab}",
             body=json.dumps(sample_body(example)).replace("'", "'\\''"),
             auth_header=" -H \"Authorization: Bearer $TOKEN\"" if auth else "",
             sign_in=fill(_README_SIGN_IN, prefix=normal_prefix(api_prefix)) if auth else ""),
        "## Entities\n\n" + entities_section(spec),
    ]
    if spec.has("docker"):
        sections.append(fill(_README_DOCKER, slug=spec.slug))
    sections.append(_README_LAYOUT.rstrip())
    if auth:
        sections[-1] = sections[-1].replace("app/schemas.py ", "app/security.py       password hashing, tokens, the "
                                            "current user\napp/schemas.py ")
    content = "\n\n".join(section.strip() for section in sections if section.strip()) + "\n"
    return GeneratedFile("README.md", content, "What the API is, how to run and test it, its routes and entities")


_SETTINGS = (
    ("DATABASE_URL", "`sqlite:///./app.db`", "any SQLAlchemy database URL", False),
    ("SECRET_KEY", "a development key", "signs access tokens: set a long random value in production", True),
    ("ACCESS_TOKEN_MINUTES", "30", "how long an access token stays valid", True),
    ("CORS_ORIGINS", "(none)", "comma-separated origins a browser may call the API from", False),
)

_README_RUN = """
## Run it

Python 3.11 or newer:

```bash
python3 -m venv .venv
. .venv/bin/activate
pip install -r requirements.txt
uvicorn app.main:app --reload
```

The tables are created at startup. Open http://127.0.0.1:8000/docs for the interactive documentation, or
http://127.0.0.1:8000$prefix/health to check the service.

## Test it

```bash
pytest
```

Every test runs against its own temporary SQLite database.
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
docker run -p 8000:8000 -v $slug-data:/srv/data $slug
```
"""

_README_LAYOUT = """
## Layout

```
app/main.py           the application: routers, CORS, tables created at startup
app/config.py         settings from environment variables
app/database.py       engine, declarative base, one session per request
app/models.py         SQLAlchemy tables
app/schemas.py        Pydantic request and response bodies
app/routers/          one module of routes per resource
tests/                pytest suite, each test on its own temporary database
```
"""
