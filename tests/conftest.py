"""Shared fixtures: a real Redis server, a fresh database per test (SQLite, and PostgreSQL when given), the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from app import create_app, db
from app.models import Base
from app.redis_server import EmbeddedRedis
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
    return create_app({"TESTING": True}, settings=settings)


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
