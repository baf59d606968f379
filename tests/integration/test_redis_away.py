"""With Redis away (a stopped redis-server that accepts connections and never answers, or a port nothing listens
on), web requests answer within seconds with what they can: the form kept with a "try again", the job page from
the database, /api/stats without the queue, probes at once; the rate limiter never turns this into a 500."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from app import create_app
from app.ops.embedded_redis import EmbeddedRedis
from app.web.extensions import limiter
from tests.helpers import PASSWORD
from tests.integration.api_support import Api, make_key
from tests.integration.pages_support import HX, make_job

FORM = {"template_id": "fastapi-backend", "name": "kept-shelf", "description": "Books I own",
        "entities-k1-name": "Book", "entities-k1-fields-f1-name": "title", "entities-k1-fields-f1-type": "str",
        "features": ["tests"]}
# Before: the form 12 s then a 500, a job page 15.7 s, /api/stats 15 s (and the limiter could wait forever).
FAST_S = 3.0


@pytest.fixture(params=["stopped", "refused"])
def away_url(request, short_tmp, free_port):
    if request.param == "refused":
        yield f"redis://127.0.0.1:{free_port}/0"
        return
    server = EmbeddedRedis(short_tmp / "stalled", persist=False)
    server.start()
    os.kill(server.process.pid, signal.SIGSTOP)  # connections are accepted by the kernel; nothing answers
    try:
        yield server.url
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
def away_app(settings, away_url):
    yield create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True},
                     settings=settings.with_overrides(redis_url=away_url))
    # The limiter is one object per process, now counting in memory: the next test's app counts in Redis at once
    # (on its own it would look for Redis again only after a back-off of up to 32 s).
    limiter._storage_dead = False


def timed(call, limit_s: float = FAST_S * 3):
    """The answer and how long it took; a request still hanging after `limit_s` fails the test (and is left)."""
    answer: list = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: answer.append(call()), daemon=True)
    worker.start()
    worker.join(limit_s)
    assert answer, f"no answer within {limit_s}s"
    return answer[0], time.monotonic() - started


def test_the_form_answers_at_once_keeping_what_was_typed(away_app, user_id):
    client = away_app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302

    response, seconds = timed(lambda: client.post("/jobs/new", data=FORM, headers=HX))

    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:500]
    assert "try again in a moment" in body and 'value="kept-shelf"' in body
    assert seconds < FAST_S, f"{seconds:.1f}s"


def test_the_api_says_503_with_retry_after_instead_of_a_500(away_app, user_id):
    api = Api(away_app.test_client(), make_key(user_id))
    job = {"template_id": "fastapi-backend", "name": "todo-api", "options": {"run_checks": False}}

    response, seconds = timed(lambda: api.post("/api/jobs", json=job))

    assert response.status_code == 503 and response.headers["Retry-After"], response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert seconds < FAST_S, f"{seconds:.1f}s"


def test_the_job_page_and_stats_answer_with_what_they_have(away_app, user_id):
    client = away_app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    job_id = make_job(user_id, name="still-here", status="completed")

    page, page_s = timed(lambda: client.get(f"/jobs/{job_id}"))
    assert page.status_code == 200 and "still-here" in page.get_data(as_text=True)
    assert page_s < FAST_S, f"job page {page_s:.1f}s"

    api = Api(away_app.test_client(), make_key(user_id))
    stats, stats_s = timed(lambda: api.get("/api/stats"))
    assert stats.status_code == 200 and stats.get_json()["stats"]["queue"]["depth"] is None
    assert stats_s < FAST_S, f"stats {stats_s:.1f}s"

    live, live_s = timed(lambda: client.get("/health/live"))
    assert live.status_code == 200 and live_s < 1.0, f"liveness {live_s:.2f}s"
    ready, ready_s = timed(lambda: client.get("/health"))
    assert ready.status_code == 503 and ready_s < FAST_S, f"readiness {ready_s:.1f}s"
