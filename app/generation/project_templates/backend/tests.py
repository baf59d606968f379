"""The generated tests/: fixtures, the health and account tests, and (from entity_tests.py) one module per entity."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import ProjectSpec
from .entity_tests import entity_test_module
from .python_code import fill


def suite(spec: ProjectSpec, prefix: str) -> list[GeneratedFile]:
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
                                   "Tests registration, tokens, sign-in timing and throttling, and what an "
                                   "expired or missing token gets", ("tests/conftest.py", "app/config.py",
                                   "app/login_throttle.py", "app/security.py", "app/routers/auth.py")))
    files.append(GeneratedFile("tests/test_database_url.py", _DATABASE_URL_TESTS, "Tests that postgresql:// URLs "
                               "use the installed psycopg driver", ("app/config.py",)))
    files += [entity_test_module(entity, spec, prefix) for entity in spec.entities]
    return files


_DATABASE_URL_TESTS = fill("""
    \"\"\"DATABASE_URL: a postgresql:// URL, as hosts give them, reaches PostgreSQL through psycopg 3.\"\"\"

    import pytest
    from sqlalchemy import create_engine

    from app.config import load_settings


    @pytest.mark.parametrize("url", ["postgresql://app:secret@db.example.com:5432/app", "postgres://app@localhost/app",
                                     "postgresql+psycopg://app@localhost/app"])
    def test_a_postgresql_url_uses_the_installed_psycopg_driver(url):
        normal = load_settings({"DATABASE_URL": url}).database_url

        assert normal.startswith("postgresql+psycopg://")
        assert normal.split("://", 1)[1] == url.split("://", 1)[1]
        engine = create_engine(normal)  # loads the driver, connects to nothing
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


    def test_other_urls_are_kept_as_given():
        assert load_settings({}).database_url == "sqlite:///./app.db"
        assert load_settings({"DATABASE_URL": "sqlite:////srv/data/app.db"}).database_url == "sqlite:////srv/data/app.db"
    """)


def _conftest(prefix: str, auth: bool) -> GeneratedFile:
    content = fill(_CONFTEST_AUTH if auth else _CONFTEST, prefix=prefix)
    depends = ("app/database.py", "app/main.py", "app/models.py") + (
        ("app/login_throttle.py", "app/security.py") if auth else ())
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
$throttle_import
from app.main import app
from app.models import create_tables
"""

_CONFTEST = (_CONFTEST_HEAD.replace("$security_import\n", "").replace("$throttle_import\n", "") + "\n"
             + _CLIENT_FIXTURE.replace("$name", "client").replace(" $who,", ""))

_CONFTEST_AUTH = _CONFTEST_HEAD.replace("import pytest", "import dataclasses\n\nimport pytest").replace(
    "$security_import", "from app import config, security").replace(
    "$throttle_import", "from app.login_throttle import login_throttle") + """
CREDENTIALS = {"email": "ada@example.com", "password": "correct horse battery staple"}
ADMIN_EMAIL = "admin@example.com"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    # Full-strength PBKDF2 costs a good part of a second per password; the tests check the logic, not the cost.
    monkeypatch.setattr(security, "PASSWORD_ITERATIONS", 1_000)


@pytest.fixture(autouse=True)
def no_failed_sign_ins():
    # The throttle lives as long as the process: each test starts with no failures on record.
    login_throttle.clear()

""" + _CLIENT_FIXTURE.replace("$name", "anonymous_client").replace("$who", "without a token") + """

@pytest.fixture(autouse=True)
def admin_emails(monkeypatch):
    \"\"\"ADMIN_EMAILS as a deployment would set it: whoever registers as ADMIN_EMAIL is an admin.\"\"\"
    admins = dataclasses.replace(config.settings, admin_emails=frozenset({ADMIN_EMAIL}))
    monkeypatch.setattr(config, "settings", admins)


def signed_in(anonymous_client, email):
    credentials = {**CREDENTIALS, "email": email}
    assert anonymous_client.post("$prefix/auth/register", json=credentials).status_code == 201
    token = anonymous_client.post("$prefix/auth/token", json=credentials).json()["access_token"]
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def client(anonymous_client):
    \"\"\"A client signed in as a freshly registered user, on the same database as `anonymous_client`.\"\"\"
    return signed_in(anonymous_client, CREDENTIALS["email"])


@pytest.fixture
def other_client(anonymous_client, client):
    \"\"\"A second user, registered after `client`'s, on the same database: sees none of that user's records.\"\"\"
    return signed_in(anonymous_client, "bob@example.com")


@pytest.fixture
def admin_client(anonymous_client, client):
    \"\"\"An admin (ADMIN_EMAILS), registered after `client`'s user on the same database: sees every record.\"\"\"
    return signed_in(anonymous_client, ADMIN_EMAIL)
"""

_AUTH_TESTS = """
\"\"\"Accounts: registering, exchanging credentials for a token, and what a token opens.\"\"\"

import dataclasses
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from app import config, security
from app.config import settings
from app.login_throttle import MAX_FAILURES, WINDOW_SECONDS, login_throttle
from app.main import app
from app.security import hash_password, verify_password

AUTH = "$prefix/auth"
GRACE = {"email": "Grace@Example.com", "password": "a long enough password"}


def register(client):
    response = client.post(f"{AUTH}/register", json=GRACE)
    assert response.status_code == 201, response.text
    return response.json()


def test_register_then_sign_in_gives_a_working_token(anonymous_client):
    user = register(anonymous_client)
    assert user == {"id": user["id"], "email": "grace@example.com", "is_admin": False}

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


def test_an_unknown_email_costs_the_same_password_work_as_a_known_one(anonymous_client, monkeypatch):
    register(anonymous_client)
    hashed = []
    real_pbkdf2 = security._pbkdf2

    def counted_pbkdf2(password, salt, iterations):
        hashed.append(iterations)
        return real_pbkdf2(password, salt, iterations)

    monkeypatch.setattr(security, "_pbkdf2", counted_pbkdf2)
    costs = []
    for email in ("grace@example.com", "nobody@example.com"):
        hashed.clear()
        response = anonymous_client.post(f"{AUTH}/token", json={**GRACE, "email": email, "password": "a wrong guess"})
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect email or password"}
        costs.append(list(hashed))

    # Both answers take one hash at full cost: the timing does not tell which e-mails have accounts.
    assert costs == [[security.PASSWORD_ITERATIONS], [security.PASSWORD_ITERATIONS]]


def test_repeated_failed_sign_ins_for_one_email_are_answered_429(anonymous_client):
    register(anonymous_client)
    other = {"email": "ada@example.com", "password": "another long password"}
    assert anonymous_client.post(f"{AUTH}/register", json=other).status_code == 201
    wrong = {**GRACE, "password": "a wrong guess"}

    failures = [anonymous_client.post(f"{AUTH}/token", json=wrong).status_code
                for _ in range(MAX_FAILURES)]
    throttled = anonymous_client.post(f"{AUTH}/token", json=GRACE)
    unknown = [anonymous_client.post(f"{AUTH}/token", json={**wrong, "email": "nobody@example.com"}).status_code
               for _ in range(MAX_FAILURES + 1)]

    assert failures == [401] * MAX_FAILURES
    assert throttled.status_code == 429  # even with the right password: the guessing has to stop
    assert 0 < int(throttled.headers["retry-after"]) <= WINDOW_SECONDS
    assert unknown[-1] == 429  # unknown e-mails are counted alike, so a 429 reveals nothing either
    assert anonymous_client.post(f"{AUTH}/token", json=other).status_code == 200  # other accounts are untouched


def test_a_success_forgets_the_failures_and_the_window_passes(anonymous_client, monkeypatch):
    register(anonymous_client)
    wrong = {**GRACE, "password": "a wrong guess"}
    now = [1000.0]
    monkeypatch.setattr(login_throttle, "clock", lambda: now[0])

    for _ in range(MAX_FAILURES - 1):
        assert anonymous_client.post(f"{AUTH}/token", json=wrong).status_code == 401
    assert anonymous_client.post(f"{AUTH}/token", json=GRACE).status_code == 200
    for _ in range(MAX_FAILURES):
        assert anonymous_client.post(f"{AUTH}/token", json=wrong).status_code == 401
    assert anonymous_client.post(f"{AUTH}/token", json=GRACE).status_code == 429

    now[0] += WINDOW_SECONDS
    assert anonymous_client.post(f"{AUTH}/token", json=GRACE).status_code == 200


def test_a_short_password_or_an_invalid_email_cannot_register(anonymous_client):
    short = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "password": "short"})
    invalid = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "email": "not-an-email"})

    assert short.status_code == 422
    assert invalid.status_code == 422


def test_an_address_in_admin_emails_registers_as_an_admin(anonymous_client):
    response = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "email": "Admin@Example.com"})

    assert response.status_code == 201, response.text
    assert response.json()["is_admin"] is True


def test_closed_registration_refuses_everyone_but_the_admins(anonymous_client, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, registration_open=False))

    refused = anonymous_client.post(f"{AUTH}/register", json=GRACE)
    admin = anonymous_client.post(f"{AUTH}/register", json={**GRACE, "email": "admin@example.com"})

    assert refused.status_code == 403
    assert refused.json() == {"detail": "Registration is closed"}
    assert admin.status_code == 201


@pytest.mark.parametrize(("value", "open_"), [("", True), ("true", True), ("false", False), ("0", False)])
def test_registration_open_reads_true_or_false(value, open_):
    assert config.load_settings({"REGISTRATION_OPEN": value}).registration_open is open_


def test_registration_open_refuses_anything_else():
    with pytest.raises(RuntimeError, match="REGISTRATION_OPEN"):
        config.load_settings({"REGISTRATION_OPEN": "maybe"})


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


def test_outside_development_the_api_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setattr(config, "settings", config.load_settings({}))

    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"), TestClient(app):
        pass


@pytest.mark.parametrize("environ", [{"SECRET_KEY": "a long random string, 32 bytes or more"},
                                     {"APP_ENV": "development"}])
def test_a_secret_key_or_development_lets_it_start(environ):
    config.require_secret_key(config.load_settings(environ))
"""
