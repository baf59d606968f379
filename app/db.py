"""Engine and session factory shared by the web app, the workers and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(expire_on_commit=False)
_engine: Engine | None = None


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets the web process read while a worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def configure(database_url: str) -> Engine:
    """Bind `Session` to a new engine for `database_url`, replacing any earlier one."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(database_url)
    Session.configure(bind=_engine)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("the database is not configured: call app.db.configure(url) first")
    return _engine


def ping(timeout_s: float = 2.0) -> None:
    """Raise unless the database answers a trivial query on a pooled connection."""
    with get_engine().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}"))
        connection.execute(text("SELECT 1"))


def _forget_pool_after_fork() -> None:
    # RQ forks a work horse per job: the child must not reuse the parent's sockets.
    if _engine is not None:
        _engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_pool_after_fork)
