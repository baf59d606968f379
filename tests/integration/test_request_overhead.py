"""What every request pays: probes skip the rate limiter, an access line skips what logging spends on the
caller's frame and thread, and an API key's last-used time is written at most once a minute."""

from __future__ import annotations

import cProfile
import pstats
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app import db
from app.models import ApiKey, utcnow
from tests.integration.api_support import Api, make_key


def calls_during(call) -> dict[tuple[str, str], int]:
    """Every Python function run by `call()`: (file, function) → calls."""
    profile = cProfile.Profile()
    profile.runcall(call)
    return {(file, name): stats[1] for (file, _line, name), stats in pstats.Stats(profile).stats.items()}


@pytest.fixture
def access_lines(json_log):
    return lambda: [line for line in json_log() if line["logger"] == "codegen.access"]


def test_probes_are_exempt_from_the_rate_limiter(settings, redis_conn):
    from app import create_app

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": True}, settings=settings)
    client = app.test_client()
    for path in ("/health/live", "/health"):
        client.get(path)  # warm
        ran = calls_during(lambda path=path: client.get(path))
        # Its request filter says "exempt" first: no limit is looked up, nothing reaches its storage.
        limiter = {name for (file, name) in ran if "flask_limiter" in file or "/limits/" in file}
        assert "_check_request_limit" in limiter
        assert not limiter & {"resolve_limits", "check", "get_window_stats", "hit", "test"}, \
            sorted(limiter)


def test_an_access_line_skips_the_callers_frame_thread_and_process(client, access_lines):
    client.get("/health/live")
    ran = calls_during(lambda: client.get("/health/live", headers={"X-Request-ID": "probe-1"}))

    names = {name for (file, name) in ran if file.endswith("logging/__init__.py")}
    assert not names & {"findCaller", "makeRecord", "current_thread", "current_process"}, sorted(names)
    line = access_lines()[-1]
    assert (line["request_id"], line["route"], line["status"], line["message"]) == \
        ("probe-1", "/health/live", 200, "GET /health/live 200")
    assert line["ts"].endswith("Z") and len(line["ts"]) == len("2026-01-01T00:00:00.000Z")


def test_an_api_key_is_marked_used_at_most_once_a_minute(client, user_id):
    key = make_key(user_id)
    api = Api(client, key)
    writes: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            writes.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert api.get("/api/jobs").status_code == 200
        assert len(writes) == 1
        with db.Session.begin() as session:  # a minute later, the next request marks it again
            row = session.scalar(select(ApiKey))
            row.last_used_at = utcnow() - timedelta(minutes=2)
        writes.clear()
        api.get("/api/jobs")
        api.get("/api/jobs")
        assert len(writes) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)
