"""Shared fixtures: a real Redis server, a fresh database per test (SQLite, and PostgreSQL when given), the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from app import create_app, db
from app.models import Base
from app.ops.embedded_redis import EmbeddedRedis
from app.ops.metrics import recorder
from app.settings import load_settings
from tests.helpers import require


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> EmbeddedRedis:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_conn(redis_server) -> redis.Redis:
    connection = redis.Redis.from_url(redis_server.url)
    # Request counts an earlier test left in this process's memory must not land in this test's Redis.
    recorder.flush(connection)
    connection.flushall()
    yield connection
    connection.close()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """An empty database: a new SQLite file, or PostgreSQL (TEST_DATABASE_URL) with its schema dropped."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = os.environ.get("TEST_DATABASE_URL", "")
    require(bool(url), "no PostgreSQL: set TEST_DATABASE_URL=postgresql://user:pass@host/db "
                       "(apt-get install postgresql; .ci/run shows how)")
    url = load_settings({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)}, dotenv=None).database_url
    _reset_postgres(url)
    return url


@pytest.fixture
def database(database_url) -> str:
    """The database with every table created, bound to `app.db.Session`."""
    engine = db.configure(database_url)
    Base.metadata.create_all(engine)
    yield database_url
    db.get_engine().dispose()


@pytest.fixture
def settings(tmp_path, database, redis_server):
    instance = tmp_path / "instance"
    return load_settings({"INSTANCE_PATH": str(instance), "DATABASE_URL": database, "REDIS_URL": redis_server.url},
                         dotenv=None)


@pytest.fixture
def app(settings, redis_conn):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, settings=settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(database):
    with db.Session() as session:
        yield session


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def short_tmp(tmp_path_factory) -> Path:
    """A short folder name, for unix sockets (at most 107 bytes)."""
    return tmp_path_factory.mktemp("s", numbered=True)


PASSWORD = "correct horse battery"


def make_user(email: str, role: str = "user"):
    from app.services.users import create_user

    with db.Session.begin() as session:
        user = create_user(session, email, PASSWORD, role=role)
        return user.id


@pytest.fixture
def user_id(database) -> int:
    return make_user("owner@example.com")


@pytest.fixture
def other_user_id(database) -> int:
    return make_user("other@example.com")


@pytest.fixture
def admin_id(database) -> int:
    return make_user("admin@example.com", role="admin")


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the real form (CSRF is off under TESTING unless a test turns it on)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return client


@pytest.fixture
def owner_client(app, user_id):
    return login(app.test_client(), "owner@example.com")


@pytest.fixture
def other_client(app, other_user_id):
    return login(app.test_client(), "other@example.com")


@pytest.fixture
def admin_client(app, admin_id):
    return login(app.test_client(), "admin@example.com")


def run_jobs(connection) -> None:
    """Drain the queue with a real RQ worker in this process."""
    from rq import SimpleWorker

    from app.services.queues import QUEUE_NAME

    SimpleWorker([QUEUE_NAME], connection=connection).work(burst=True)


@pytest.fixture
def completed_job_id(app, settings, redis_conn, user_id) -> str:
    """A fastapi-backend job of the owner, run to `completed` by a real worker (checks off, for speed)."""
    from app.services.jobs import submit_job
    from app.worker.tasks import configure_runtime

    configure_runtime(settings)
    with db.Session() as session:
        job = submit_job(session, redis_conn, template_id="fastapi-backend", name="todo-api", owner_id=user_id,
                         description="Tasks with due dates",
                         spec={"entities": [{"name": "Task", "fields": [{"name": "title"},
                                                                        {"name": "due", "type": "date"}]}]},
                         options={"run_checks": False})
        job_id = job.id
    run_jobs(redis_conn)
    return job_id
