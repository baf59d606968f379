"""The jobs API: submit, list, show, cancel, retry, improve, files, download, and every refusal's status."""

import io
import zipfile

import pytest
from rq import Queue
from sqlalchemy import func, select

from app import create_app, db
from app.models import AuditEntry, Job, JobStatus, utcnow
from app.services.artifacts import list_files
from app.services.jobs import cancel_key
from app.services.queues import QUEUE_NAME
from app.worker.tasks import configure_runtime
from tests.integration.api_support import JOB, Api, make_key

pytestmark = pytest.mark.usefixtures("redis_conn")


@pytest.fixture
def api(client, user_id) -> Api:
    return Api(client, make_key(user_id))


@pytest.fixture
def other_api(client, other_user_id) -> Api:
    return Api(client, make_key(other_user_id))


@pytest.fixture
def admin_api(client, admin_id) -> Api:
    return Api(client, make_key(admin_id))


def submit(api: Api, body: dict | None = None, **kwargs) -> str:
    response = api.post("/api/jobs", json=body or JOB, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["job_id"]


def set_status(job_id: str, status: JobStatus) -> None:
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        job.status = status.value
        job.started_at = job.started_at or utcnow()
        if status.is_final:
            job.finished_at = utcnow()


def job_count() -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(Job))


# --- submitting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/jobs", "/api/generate"])
def test_submitting_answers_201_with_the_seed_shape_and_queues_the_job(api, redis_conn, user_id, path):
    response = api.post(path, json=JOB, headers={"X-Request-ID": "req-abc-123"})

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"success", "job_id", "status", "message", "links"}
    assert body["success"] is True and body["status"] == "queued"
    job_id = body["job_id"]
    assert body["links"] == {"self": f"/api/jobs/{job_id}", "html": f"/jobs/{job_id}", "ws": "/ws",
                             "download": f"/api/jobs/{job_id}/download"}
    assert response.headers["Location"] == f"/api/jobs/{job_id}"
    assert response.headers["X-Request-ID"] == "req-abc-123"
    with db.Session() as session:
        job = session.get(Job, job_id)
        assert (job.owner_id, job.name, job.request_id) == (user_id, "todo-api", "req-abc-123")
        assert job.spec["entities"][0]["name"] == "Task"
    assert job_id in Queue(QUEUE_NAME, connection=redis_conn).job_ids


def test_only_template_and_name_are_required(api):
    assert api.post("/api/jobs", json={"template_id": "react-app", "name": "shop"}).status_code == 201


def test_a_submitted_job_runs_and_its_status_and_usage_are_read(api, settings, run_jobs):
    configure_runtime(settings)
    job_id = submit(api)
    assert api.get(f"/api/jobs/{job_id}").get_json()["job"]["status"] == "queued"

    run_jobs()

    job = api.get(f"/api/jobs/{job_id}").get_json()["job"]
    assert job["status"] == "completed" and job["progress"] == 100
    assert job["files_count"] > 0 and job["finished_at"].endswith("Z") and job["duration_s"] >= 0
    assert {"id", "name", "template_id", "status", "progress", "current_agent", "created_at", "started_at",
            "finished_at", "duration_s", "error", "tokens", "cost_usd", "files_count", "verified",
            "parent_id", "usage"} <= set(job)
    assert "coder" in job["usage"]  # the offline provider "writes" the files; the other agents use no model here
    assert all({"tokens_in", "tokens_out", "cost_usd", "calls"} <= set(u) for u in job["usage"].values())


@pytest.mark.parametrize(("body", "field"), [
    ({"template_id": "fastapi-backend"}, "name"),
    ({"template_id": "django-app", "name": "x"}, "template_id"),
    ({**JOB, "entities": [{"name": "Task", "fields": [{"name": "title", "type": "blob"}]}]},
     "entities.0.fields.0.type"),
    ({**JOB, "features": ["teleport"]}, "features.0"),
    ({**JOB, "options": {"max_cost_usd": -1}}, "options.max_cost_usd"),
    ({**JOB, "colour": "blue"}, "colour"),
    (["not", "an", "object"], "body"),
])
def test_a_body_that_breaks_the_schema_is_422_naming_the_field(api, body, field):
    response = api.post("/api/jobs", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith(f"{field}:")
    assert error["details"][0]["field"] == field
    assert job_count() == 0


def test_malformed_json_and_an_empty_body_are_400(api):
    for data in ('{"template_id": ', ""):
        response = api.post("/api/jobs", data=data, content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["success"] is False


def test_a_body_that_is_not_json_is_415(api):
    response = api.post("/api/jobs", data={"template_id": "react-app", "name": "x"})

    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_413(api):
    response = api.post("/api/jobs", data='{"description": "' + "x" * (2 * 1024 * 1024) + '"}',
                        content_type="application/json")

    assert response.status_code == 413
    assert response.get_json()["success"] is False


def test_a_team_the_caller_is_not_in_is_403(api, other_user_id, make_team):
    team_id = make_team("others", other_user_id)

    response = api.post("/api/jobs", json={**JOB, "team_id": team_id})

    assert response.status_code == 403


def test_at_most_five_jobs_queued_or_running_at_once_per_user(api, other_api):
    for _ in range(5):
        submit(api)

    response = api.post("/api/jobs", json=JOB)

    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_active_jobs"
    assert response.headers["Retry-After"]
    assert other_api.post("/api/jobs", json=JOB).status_code == 201


# --- idempotency -----------------------------------------------------------------------------------------


def test_a_retried_request_with_the_same_idempotency_key_returns_the_same_job(api):
    first = api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "order-42"})
    again = api.post("/api/generate", json=JOB, headers={"Idempotency-Key": "order-42"})

    assert first.status_code == again.status_code == 201
    assert again.get_json()["job_id"] == first.get_json()["job_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert job_count() == 1
    assert api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "order-43"}).get_json()["job_id"] != \
        first.get_json()["job_id"]


def test_an_idempotency_key_reused_for_another_request_is_422(api):
    api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "k1"})

    response = api.post("/api/jobs", json={**JOB, "name": "other"}, headers={"Idempotency-Key": "k1"})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert job_count() == 1


def test_idempotency_keys_are_per_user(api, other_api):
    mine = api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "same"}).get_json()["job_id"]
    theirs = other_api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "same"}).get_json()["job_id"]

    assert mine != theirs


def test_a_refused_request_frees_its_idempotency_key(api):
    for _ in range(5):
        submit(api)
    assert api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "later"}).status_code == 429
    with db.Session.begin() as session:
        for job in session.scalars(select(Job)):
            job.status = JobStatus.COMPLETED.value

    assert api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "later"}).status_code == 201


def test_a_request_still_in_progress_with_the_key_is_409(api, redis_conn, user_id):
    from app.generation.request import JobRequest
    from app.web.api.idempotency import Reservation, fingerprint

    Reservation(redis_conn, user_id, "busy", fingerprint("create", JobRequest(**JOB).model_dump_json())).claim()

    response = api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "busy"})

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_key_in_use"
    assert job_count() == 0


def test_a_malformed_idempotency_key_is_422(api):
    response = api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "has spaces"})

    assert response.status_code == 422
    assert job_count() == 0


# --- reading ---------------------------------------------------------------------------------------------


def test_listing_shows_only_the_callers_jobs_newest_first_with_filters(api, other_api):
    first, second = submit(api), submit(api, {"template_id": "react-app", "name": "shop"})
    theirs = submit(other_api)
    set_status(first, JobStatus.FAILED)

    body = api.get("/api/jobs").get_json()
    assert [j["id"] for j in body["jobs"]] == [second, first]
    assert body["pagination"] == {"limit": 20, "next": None, "cursor": None}
    assert [j["id"] for j in api.get("/api/jobs?status=failed").get_json()["jobs"]] == [first]
    assert [j["id"] for j in api.get("/api/jobs?template_id=react-app").get_json()["jobs"]] == [second]
    assert [j["id"] for j in other_api.get("/api/jobs").get_json()["jobs"]] == [theirs]


def test_pages_follow_the_next_link_without_gap_or_overlap(api):
    ids = [submit(api) for _ in range(5)]
    with db.Session.begin() as session:  # they are not active, so that the cap of 5 does not apply
        for job in session.scalars(select(Job)):
            job.status = JobStatus.COMPLETED.value
    ids += [submit(api) for _ in range(2)]

    seen, url = [], "/api/jobs?limit=3"
    while url:
        body = api.get(url).get_json()
        assert len(body["jobs"]) <= 3
        seen += [j["id"] for j in body["jobs"]]
        url = body["pagination"]["next"]

    assert seen == list(reversed(ids))


def test_pages_merge_own_and_team_jobs_in_order(api, other_api, user_id, other_user_id, make_team):
    team_id = make_team("crew", user_id, other_user_id)
    ids = []
    for n in range(6):  # alternate between mine and a teammate's, shared or not
        caller = api if n % 2 == 0 else other_api
        ids.append(submit(caller, {**JOB, "team_id": team_id} if n % 3 else JOB))
        set_status(ids[-1], JobStatus.COMPLETED)
    visible = [job_id for n, job_id in enumerate(ids) if n % 2 == 0 or n % 3]

    seen, url = [], "/api/jobs?limit=1"
    while url:
        body = api.get(url).get_json()
        seen += [j["id"] for j in body["jobs"]]
        url = body["pagination"]["next"]

    assert seen == list(reversed(visible))
    assert [j["id"] for j in api.get("/api/jobs?limit=2&status=completed").get_json()["jobs"]] == \
        list(reversed(visible))[:2]


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=many", "limit"),
                                              ("status=lost", "status"), ("cursor=%%%", "cursor")])
def test_a_bad_query_parameter_is_422_naming_it(api, query, field):
    response = api.get(f"/api/jobs?{query}")

    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith(f"{field}:")


def test_a_job_is_seen_by_its_owner_team_and_admins_and_is_404_to_anyone_else(
        api, other_api, admin_api, client, other_user_id, user_id, make_user, make_team):
    mate_id = make_user("mate@example.com")
    team_id = make_team("crew", user_id, mate_id)
    job_id = submit(api, {**JOB, "team_id": team_id})
    private = submit(api)
    teammate = Api(client, make_key(mate_id))

    for caller, job, status in [(api, job_id, 200), (admin_api, private, 200), (teammate, job_id, 200),
                                (teammate, private, 404), (other_api, job_id, 404), (other_api, "0" * 32, 404)]:
        for suffix in ("", "/files", "/download"):
            response = caller.get(f"/api/jobs/{job}{suffix}")
            assert response.status_code in ((status, 409) if suffix == "/download" else (status,)), (caller, suffix)
    assert [j["id"] for j in teammate.get("/api/jobs").get_json()["jobs"]] == [job_id]
    assert {j["id"] for j in admin_api.get("/api/jobs").get_json()["jobs"]} == {job_id, private}
    assert other_api.post(f"/api/jobs/{job_id}/cancel").status_code == 404
    assert teammate.post(f"/api/jobs/{job_id}/cancel").status_code == 403


def test_files_and_download_of_a_completed_job(client, user_id, completed_job_id):
    api = Api(client, make_key(user_id))

    files = api.get(f"/api/jobs/{completed_job_id}/files").get_json()["files"]
    with db.Session() as session:
        expected = [(f.path, f.size, f.sha256) for f in list_files(session, completed_job_id)]
    assert [(f["path"], f["size"], f["sha256"]) for f in files] == expected and files

    response = api.get(f"/api/jobs/{completed_job_id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=todo-api.zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == len(files)
    assert api.get(f"/api/jobs/{completed_job_id}/download",
                   headers={"If-None-Match": response.headers["ETag"].strip('"')}).status_code in (200, 304)


def test_a_queued_job_has_no_files_and_no_zip_yet(api):
    job_id = submit(api)

    assert api.get(f"/api/jobs/{job_id}/files").get_json() == {"success": True, "files": []}
    response = api.get(f"/api/jobs/{job_id}/download")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_ready"


# --- acting on jobs --------------------------------------------------------------------------------------


def test_cancelling_a_queued_job_ends_it_and_a_second_cancel_is_409(api):
    job_id = submit(api)

    response = api.post(f"/api/jobs/{job_id}/cancel")

    assert response.status_code == 200
    assert response.get_json()["job"]["status"] == "cancelled"
    again = api.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    with db.Session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job_cancelled"))
        assert entry.target == f"job:{job_id}"


def test_cancelling_a_running_job_asks_its_worker_to_stop(api, redis_conn):
    job_id = submit(api)
    set_status(job_id, JobStatus.RUNNING)

    response = api.post(f"/api/jobs/{job_id}/cancel")

    assert response.status_code == 202
    assert redis_conn.exists(cancel_key(job_id))


def test_retrying_a_cancelled_job_creates_a_new_one_but_not_a_completed_or_queued_job(api, redis_conn):
    job_id = submit(api)
    api.post(f"/api/jobs/{job_id}/cancel")

    response = api.post(f"/api/jobs/{job_id}/retry", headers={"X-Request-ID": "retry-1"})

    assert response.status_code == 201
    new_id = response.get_json()["job_id"]
    assert new_id != job_id
    with db.Session() as session:
        assert session.get(Job, new_id).request_id == "retry-1"
    assert api.post(f"/api/jobs/{new_id}/retry").status_code == 409
    set_status(new_id, JobStatus.COMPLETED)
    assert api.post(f"/api/jobs/{new_id}/retry").status_code == 409


def test_improving_a_completed_job_submits_a_child_job(client, user_id, completed_job_id):
    api = Api(client, make_key(user_id))
    change = {"changes": [{"op": "add_field", "entity": "Task", "field": {"name": "done", "type": "bool"}}]}

    response = api.post(f"/api/jobs/{completed_job_id}/improve", json=change)

    assert response.status_code == 201
    child = api.get(f"/api/jobs/{response.get_json()['job_id']}").get_json()["job"]
    assert child["parent_id"] == completed_job_id and child["status"] == "queued"
    bad = api.post(f"/api/jobs/{completed_job_id}/improve",
                   json={"changes": [{"op": "remove_entity", "entity": "Ghost"}]})
    assert bad.status_code == 422
    assert api.post(f"/api/jobs/{completed_job_id}/improve", json={"changes": [{"op": "fly"}]}).status_code == 422
    assert api.post(f"/api/jobs/{child['id']}/improve", json=change).status_code == 409


# --- limits and outages ----------------------------------------------------------------------------------


def test_job_creation_is_rate_limited_per_user_across_keys_and_routes(settings, redis_conn, user_id, other_user_id):
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": True}, settings=settings.with_overrides(
        rate_limit_jobs="3 per minute"))
    client = app.test_client()
    first, second, stranger = Api(client, make_key(user_id)), Api(client, make_key(user_id)), \
        Api(client, make_key(other_user_id))

    assert first.post("/api/jobs", json=JOB).status_code == 201
    assert second.post("/api/generate", json=JOB).status_code == 201
    assert first.post("/api/jobs", json=JOB).status_code == 201
    refused = second.post("/api/jobs", json=JOB)

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["success"] is False
    assert stranger.post("/api/jobs", json=JOB).status_code == 201
    assert first.get("/api/jobs").status_code == 200  # reading is not limited


def test_with_redis_down_submitting_is_503_and_the_job_is_recorded_failed(settings, user_id):
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False},
                     settings=settings.with_overrides(redis_url="unix:///nonexistent/redis.sock"))
    api = Api(app.test_client(), make_key(user_id))

    response = api.post("/api/jobs", json=JOB)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "retry" in response.get_json()["error"]["message"]
    with db.Session() as session:
        job = session.scalars(select(Job)).one()
    assert job.status == "failed" and "Redis unavailable" in job.error
    assert api.post("/api/jobs", json=JOB, headers={"Idempotency-Key": "k"}).status_code == 503
