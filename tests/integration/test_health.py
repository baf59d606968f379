"""`/health` checks the database and Redis for real, names what is down, and reuses its connections."""

import threading
import time

import pytest
from rq import SimpleWorker
from sqlalchemy import event

from app import create_app, db
from app.generation.sandbox import probe
from app.ops.embedded_redis import EmbeddedRedis
from app.services.queues import QUEUE_NAME
from app.web.health import _SharedCheck
from tests.helpers import DEADLINE_S, wait_until


def test_health_reports_every_component_in_the_seed_shape(client, redis_conn):
    SimpleWorker([QUEUE_NAME], connection=redis_conn).register_birth()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "healthy"
    assert body["service"] == "multi-agent-code-generation"
    assert body["version"] and body["timestamp"].endswith("Z")
    assert body["components"] == {"database": "healthy", "redis": "healthy", "openai": "unconfigured",
                                  "workers": "healthy", "sandbox": "healthy"}


def test_health_without_workers_is_degraded_but_ready(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["components"]["workers"] == "none"


def test_without_a_sandbox_health_is_degraded_not_down(client, redis_conn, monkeypatch):
    SimpleWorker([QUEUE_NAME], connection=redis_conn).register_birth()
    monkeypatch.setenv("PATH", "/nonexistent")  # no bwrap to be found: the sandbox is unavailable, for real
    probe.cache_clear()
    try:
        response = client.get("/health")
    finally:
        monkeypatch.undo()
        probe.cache_clear()

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["components"]["sandbox"] == "unavailable: bwrap is not installed (apt-get install bubblewrap)"


def test_openai_is_configured_not_probed_when_a_key_is_set(settings, redis_conn):
    app = create_app(settings=settings.with_overrides(openai_api_key="sk-test"))

    assert app.test_client().get("/health").get_json()["components"]["openai"] == "configured"


def test_liveness_needs_no_dependency(settings):
    app = create_app(settings=settings.with_overrides(redis_url="unix:///nonexistent.sock",
                                                      database_url="postgresql+psycopg://u:p@127.0.0.1:1/x"))

    response = app.test_client().get("/health/live")

    assert response.status_code == 200
    assert response.get_json()["status"] == "alive"
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_naming_redis_while_it_is_down_and_200_when_it_is_back(settings, short_tmp):
    server = EmbeddedRedis(short_tmp, persist=False)
    server.start()
    try:
        client = create_app(settings=settings.with_overrides(redis_url=server.url)).test_client()
        assert client.get("/health").status_code == 200

        server.stop()
        started = time.monotonic()
        response = client.get("/health")
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unhealthy"
        assert body["components"]["redis"] == "unhealthy"
        assert body["components"]["database"] == "healthy"
        assert "redis" in body["errors"]

        server.start()
        assert client.get("/health").status_code == 200
    finally:
        server.stop()


def test_health_is_503_naming_the_database_when_it_is_down(settings, redis_conn):
    app = create_app(settings=settings.with_overrides(database_url="postgresql+psycopg://u:p@127.0.0.1:1/x"))

    response = app.test_client().get("/health")

    assert response.status_code == 503
    body = response.get_json()
    assert body["components"]["database"] == "unhealthy"
    assert body["components"]["redis"] == "healthy"


def test_polling_opens_no_new_connections(client, redis_conn):
    client.get("/health")
    connects = []
    event.listen(db.get_engine(), "connect", lambda *_: connects.append(1))
    redis_clients = redis_conn.info("clients")["connected_clients"]

    for _ in range(50):
        assert client.get("/health").status_code == 200

    assert connects == []
    assert redis_conn.info("clients")["connected_clients"] == redis_clients


@pytest.mark.parametrize("path", ["/health", "/health/live"])
def test_health_answers_json_errors_for_wrong_methods(client, path):
    response = client.post(path)

    assert response.status_code == 405
    assert response.get_json()["success"] is False
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def _waiting(shared) -> int:
    running = shared._running
    return len(running._condition._waiters) if running is not None else 0  # threads blocked in Future.result()


def test_probes_arriving_during_a_check_share_it_and_the_next_one_checks_again():
    shared, started, release, calls, answers = _SharedCheck(), threading.Event(), threading.Event(), [], []

    def check():
        calls.append(1)
        started.set()
        release.wait(30)
        return {"status": "healthy"}, 200

    leader = threading.Thread(target=lambda: answers.append(shared.answer(check)))
    leader.start()
    assert started.wait(30)
    followers = [threading.Thread(target=lambda: answers.append(shared.answer(check))) for _ in range(8)]
    for follower in followers:
        follower.start()
    wait_until(lambda: _waiting(shared) == 8, DEADLINE_S, "the probes to wait on the running check")
    release.set()
    for thread in [leader, *followers]:
        thread.join(30)

    assert len(answers) == 9 and all(answer == ({"status": "healthy"}, 200) for answer in answers)
    assert len(calls) == 1
    shared.answer(check)
    assert len(calls) == 2  # a probe after the check ended runs its own


def test_a_failing_check_reaches_every_probe_waiting_on_it():
    shared, started, release, errors = _SharedCheck(), threading.Event(), threading.Event(), []

    def check():
        started.set()
        release.wait(30)
        raise RuntimeError("probe broke")

    def probe():
        try:
            shared.answer(check)
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=probe) for _ in range(4)]
    threads[0].start()
    assert started.wait(30)
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: _waiting(shared) == 3, DEADLINE_S, "the probes to wait on the running check")
    release.set()
    for thread in threads:
        thread.join(30)
    assert errors == ["probe broke"] * 4
