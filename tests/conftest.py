"""Shared fixtures: a real Redis server, a fresh database per test (SQLite, and PostgreSQL when given), the app,
signed-in clients, a real RQ worker and the app on a real HTTP server."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from werkzeug.serving import BaseWSGIServer, make_server

from app import create_app, db
from app.models import Base
from app.ops.embedded_redis import EmbeddedRedis
from app.ops.logs import JsonFormatter
from app.ops.metrics import recorder
from app.settings import load_settings
from tests.helpers import PASSWORD, require, unused_port
from tests.openai_server import OpenAIServer


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
    """A TCP port on 127.0.0.1 that nothing listens on right now, for a server in another process."""
    return unused_port()


@pytest.fixture
def short_tmp(tmp_path_factory) -> Path:
    """A short folder name, for unix sockets (at most 107 bytes)."""
    return tmp_path_factory.mktemp("s", numbered=True)


@pytest.fixture
def make_user(database) -> Callable[..., int]:
    """Create a user (password `tests.helpers.PASSWORD`) and give their id: `make_user(email, role="user")`."""
    from app.services.users import create_user

    def make(email: str, role: str = "user") -> int:
        with db.Session.begin() as session:
            return create_user(session, email, PASSWORD, role=role).id

    return make


@pytest.fixture
def user_id(make_user) -> int:
    return make_user("owner@example.com")


@pytest.fixture
def other_user_id(make_user) -> int:
    return make_user("other@example.com")


@pytest.fixture
def admin_id(make_user) -> int:
    return make_user("admin@example.com", role="admin")


@pytest.fixture
def make_team(database) -> Callable[..., int]:
    """Create a team of the given users and give its id: `make_team(name, *user_ids)`."""
    from app.models import User
    from app.services.teams import add_member, create_team

    def make(name: str, *user_ids: int) -> int:
        with db.Session.begin() as session:
            team = create_team(session, name)
            for user_id in user_ids:
                add_member(team, session.get(User, user_id))
            session.flush()
            return team.id

    return make


@pytest.fixture
def login(app) -> Callable[..., object]:
    """Sign in through the real form and give the signed-in test client: `login(email, password=PASSWORD)` on a
    new client of the app, or `client=` an existing one (CSRF is off under TESTING unless a test turns it on)."""

    def sign_in(email: str, password: str = PASSWORD, client=None):
        client = app.test_client() if client is None else client
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return client

    return sign_in


@pytest.fixture
def owner_client(login, user_id):
    return login("owner@example.com")


@pytest.fixture
def other_client(login, other_user_id):
    return login("other@example.com")


@pytest.fixture
def admin_client(login, admin_id):
    return login("admin@example.com")


@pytest.fixture
def run_jobs(redis_conn) -> Callable[[], None]:
    """Drain the queue with a real RQ worker (SimpleWorker, in this process), with the settings the test gave
    `configure_runtime`: `run_jobs()`."""
    from rq import SimpleWorker

    from app.services.queues import QUEUE_NAME

    def drain() -> None:
        SimpleWorker([QUEUE_NAME], connection=redis_conn).work(burst=True)

    return drain


@pytest.fixture
def completed_job_id(app, settings, redis_conn, user_id, run_jobs) -> str:
    """A fastapi-backend job of the owner, run to `completed` by a real worker (checks off, for speed)."""
    from app.worker.tasks import configure_runtime
    from tests.jobs_support import queue_job

    configure_runtime(settings)
    with db.Session() as session:
        job = queue_job(session, redis_conn, template_id="fastapi-backend", name="todo-api", owner_id=user_id,
                         description="Tasks with due dates",
                         spec={"entities": [{"name": "Task", "fields": [{"name": "title"},
                                                                        {"name": "due", "type": "date"}]}]},
                         options={"run_checks": False})
        job_id = job.id
    run_jobs()
    return job_id


@dataclass
class LiveServer:
    """An app on a real HTTP server on 127.0.0.1, in a thread (the test client cannot speak WebSocket)."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}"


@pytest.fixture
def start_live_server() -> Iterator[Callable[[object], LiveServer]]:
    """Serve any app on a port of its own (werkzeug's threaded server) until the test ends: `start_live_server(app)`."""
    started: list[LiveServer] = []

    def start(app) -> LiveServer:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        live = LiveServer(server, threading.Thread(target=server.serve_forever, daemon=True))
        live.thread.start()
        started.append(live)
        return live

    yield start
    for live in started:
        live.server.shutdown()
        live.thread.join(timeout=30)


@pytest.fixture
def live_server(app, start_live_server) -> LiveServer:
    """The app on a real HTTP server: `.url`, `.ws_url`, `.host`."""
    return start_live_server(app)


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict]]]:
    """The JSON log lines written while the test runs (root logger at INFO), as dictionaries."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def llm_server() -> Iterator[OpenAIServer]:
    """A local OpenAI-compatible server with scripted answers, for the real `openai` client."""
    server = OpenAIServer().start()
    yield server
    server.stop()
