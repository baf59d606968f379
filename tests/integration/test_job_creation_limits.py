"""Creating jobs: one RATE_LIMIT_JOBS bucket per user across the form, the API and retries, counting only
accepted jobs; and the cap of five jobs queued or running, held under concurrent submissions."""

import threading

import pytest
from sqlalchemy import func, select

from app import create_app, db
from app.models import Job, JobStatus
from app.services.jobs import MAX_ACTIVE_JOBS_PER_USER
from tests.helpers import PASSWORD
from tests.integration.api_support import JOB, Api, make_key
from tests.integration.pages_support import HX, make_job, set_job

pytestmark = pytest.mark.usefixtures("redis_conn")

FORM = {"template_id": "fastapi-backend", "name": "bookshelf", "description": "Books I own",
        "entities-k1-name": "Book", "entities-k1-fields-f1-name": "title", "entities-k1-fields-f1-type": "str",
        "entities-k1-fields-f1-required": "1", "features": ["tests"]}


@pytest.fixture
def limited_app(settings, user_id):
    # No other app may be built after this one in the test: the limiter is one object, and an app built with
    # RATELIMIT_ENABLED=False (the `app` fixture) turns it off for every app.
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                       "rate_limit_jobs": "2 per minute"}, settings=settings)


@pytest.fixture
def browser(limited_app):
    client = limited_app.test_client()
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def api(limited_app, user_id) -> Api:
    return Api(limited_app.test_client(), make_key(user_id))


def jobs_count() -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(Job))


def active_count(owner_id: int) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(Job).where(
            Job.owner_id == owner_id, Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])))


def created(response) -> str:
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    return response.get_json()["job_id"] if response.is_json else response.headers["HX-Redirect"].rsplit("/", 1)[-1]


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)[:500]
    assert int(response.headers["Retry-After"]) > 0
    if response.is_json:
        assert response.get_json()["success"] is False
        assert response.get_json()["error"]["code"] == "too_many_requests"


def test_the_third_job_in_a_minute_is_refused_whether_it_comes_by_form_api_or_retry(browser, api):
    created(browser.post("/jobs/new", data=FORM, headers=HX))
    failed = created(api.post("/api/jobs", json=JOB))
    set_job(failed, status=JobStatus.FAILED.value)

    assert_rate_limited(browser.post(f"/jobs/{failed}/retry", headers=HX))
    assert_rate_limited(api.post(f"/api/jobs/{failed}/retry"))
    assert_rate_limited(api.post("/api/generate", json=JOB))
    assert_rate_limited(api.post("/api/jobs", json=JOB))
    page = browser.post("/jobs/new", data={**FORM, "name": "second-shelf"}, headers=HX)
    assert_rate_limited(page)
    body = page.get_data(as_text=True)
    # The whole page (HTMX swaps #main on a 429), with the form as typed and how long to wait.
    assert '<main id="main"' in body and 'value="second-shelf"' in body
    assert "Wait " in body and "what you typed is kept" in body
    assert jobs_count() == 2


def test_improving_and_retrying_count_against_the_same_limit(browser, api):
    done = created(api.post("/api/jobs", json=JOB))
    set_job(done, status=JobStatus.COMPLETED.value)
    child = created(api.post(f"/api/jobs/{done}/improve",
                             json={"changes": [{"op": "set_feature", "feature": "docker"}]}))
    set_job(child, status=JobStatus.CANCELLED.value)

    assert_rate_limited(api.post(f"/api/jobs/{done}/improve", json={"instruction": "add search"}))
    assert_rate_limited(api.post(f"/api/jobs/{child}/retry"))
    assert_rate_limited(browser.post(f"/jobs/{child}/retry"))
    assert_rate_limited(browser.post("/jobs/new", data=FORM, headers=HX))
    assert jobs_count() == 2


def test_refused_submissions_do_not_use_up_the_limit(browser, api, user_id, make_team, other_user_id):
    assert browser.post("/jobs/new", data={**FORM, "name": ""}, headers=HX).status_code == 422
    assert api.post("/api/jobs", data="template_id=react-app").status_code == 415
    assert api.post("/api/jobs", data="", content_type="application/json").status_code == 400
    assert api.post("/api/jobs", json={"template_id": "react-app"}).status_code == 422
    assert api.post("/api/jobs", json={**JOB, "team_id": make_team("others", other_user_id)}).status_code == 403
    failed = make_job(user_id, status=JobStatus.FAILED.value)
    assert api.post(f"/api/jobs/{make_job(user_id)}/retry").status_code == 409  # still queued
    active = [make_job(user_id) for _ in range(MAX_ACTIVE_JOBS_PER_USER - 1)]  # five, with the queued one
    capped = api.post("/api/jobs", json=JOB)
    assert capped.status_code == 429 and capped.get_json()["error"]["code"] == "too_many_active_jobs"
    assert "already have 5 jobs" in browser.post("/jobs/new", data=FORM, headers=HX).get_data(as_text=True)
    assert browser.post(f"/jobs/{failed}/retry").status_code == 303  # refused: back to the job, with a notice
    assert api.post(f"/api/jobs/{failed}/retry").status_code == 429
    for job_id in active:
        set_job(job_id, status=JobStatus.COMPLETED.value)

    created(browser.post("/jobs/new", data=FORM, headers=HX))
    created(api.post("/api/jobs", json=JOB))
    assert_rate_limited(api.post("/api/jobs", json=JOB))


def test_a_replayed_idempotent_request_does_not_count_again(api):
    first = created(api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "order-1"}))
    assert created(api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "order-1"})) == first
    created(api.post("/api/jobs", json=JOB))
    assert_rate_limited(api.post("/api/jobs", json=JOB))


def test_ten_concurrent_submissions_leave_exactly_five_jobs_active(app, user_id):
    key = make_key(user_id)
    start = threading.Barrier(10)
    statuses: list[int] = []

    def submit() -> None:
        client = Api(app.test_client(), key)
        start.wait()
        response = client.post("/api/jobs", json=JOB)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == [201] * MAX_ACTIVE_JOBS_PER_USER + [429] * (10 - MAX_ACTIVE_JOBS_PER_USER)
    assert active_count(user_id) == MAX_ACTIVE_JOBS_PER_USER


def test_retry_after_comes_only_with_a_refusal_and_says_what_the_code_says(browser, api, user_id):
    from app.web.api.jobs import ACTIVE_JOBS_RETRY_AFTER_S

    accepted = api.post("/api/jobs", json=JOB)
    created(accepted)
    assert "Retry-After" not in accepted.headers and accepted.headers["X-RateLimit-Limit"] == "2"

    active = [make_job(user_id) for _ in range(MAX_ACTIVE_JOBS_PER_USER - active_count(user_id))]
    capped = api.post("/api/jobs", json=JOB)
    assert capped.status_code == 429 and capped.get_json()["error"]["code"] == "too_many_active_jobs"
    assert capped.headers["Retry-After"] == str(ACTIVE_JOBS_RETRY_AFTER_S)  # not the rate limit's window

    for job_id in [*active, created(accepted)]:
        set_job(job_id, status=JobStatus.COMPLETED.value)
    page = browser.post("/jobs/new", data=FORM, headers=HX)  # HTMX is told where the new job is, with a 201
    created(page)
    assert "Retry-After" not in page.headers
