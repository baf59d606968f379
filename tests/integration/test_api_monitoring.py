"""What monitoring and scripts read: templates, stats, /metrics, the OpenAPI document, request ids, JSON logs."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker
from sqlalchemy import select

from app import create_app, db
from app.models import Job, JobStatus, utcnow
from app.ops.metrics import Recorder
from app.services import stats as stats_service
from app.services.queues import QUEUE_NAME
from app.web.api.openapi import document
from app.worker.tasks import configure_runtime
from tests.integration.api_support import JOB, Api, key_headers, make_key

pytestmark = pytest.mark.usefixtures("redis_conn")


@pytest.fixture
def api(client, user_id) -> Api:
    return Api(client, make_key(user_id))


def add_job(status: JobStatus, seconds: float | None = None, tokens: tuple[int, int] = (0, 0), cost: float = 0.0,
            owner_id: int | None = None) -> str:
    with db.Session.begin() as session:
        now = utcnow()
        job = Job(template_id="react-app", name="x", status=status.value, owner_id=owner_id,
                  tokens_in=tokens[0], tokens_out=tokens[1], cost_usd=cost)
        if seconds is not None:
            job.started_at, job.finished_at = now - timedelta(seconds=seconds), now
        session.add(job)
        session.flush()
        return job.id


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


# --- the original service's own checks --------------------------------------------------------------------


def test_the_seed_checks_pass(client, user_id):
    health = client.get("/health").get_json()
    assert health["service"] == "multi-agent-code-generation"

    templates = client.get("/api/templates").get_json()
    assert templates["success"] is True and len(templates["templates"]) == 3

    token = client.post("/api/auth/token", json={"api_key": make_key(user_id)}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    created = client.post("/api/jobs", json=JOB, headers=headers)
    assert created.status_code == 201 and created.get_json()["job_id"]

    status = client.get(f"/api/jobs/{created.get_json()['job_id']}", headers=headers).get_json()
    assert status["success"] is True and status["job"]["status"] == "queued"

    stats = client.get("/api/stats", headers=headers).get_json()
    assert stats["success"] is True and stats["message"]
    assert {"total", "completed", "failed", "success_rate"} <= set(stats["stats"]["jobs"])
    assert {"cpu_percent", "memory_percent", "disk_percent", "uptime"} <= set(stats["stats"]["system"])
    assert {"active", "total_agents"} <= set(stats["stats"]["agents"])


# --- project templates ------------------------------------------------------------------------------------


def test_the_three_project_templates_are_listed_without_credentials(client):
    body = client.get("/api/templates").get_json()

    assert body["count"] == 3
    assert [t["id"] for t in body["templates"]] == ["fastapi-backend", "fullstack-app", "react-app"] or \
        {t["id"] for t in body["templates"]} == {"react-app", "fastapi-backend", "fullstack-app"}
    backend = next(t for t in body["templates"] if t["id"] == "fastapi-backend")
    assert backend["category"] == "backend" and backend["files"] and "Python" in " ".join(backend["languages"])


def test_one_project_template_and_an_unknown_one(client):
    body = client.get("/api/templates/react-app").get_json()
    assert body["template"]["id"] == "react-app"

    response = client.get("/api/templates/cobol-app")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- stats ------------------------------------------------------------------------------------------------


def test_stats_count_jobs_durations_tokens_cost_queue_and_workers(api, redis_conn):
    for seconds in (10, 20, 30, 40, 100):
        add_job(JobStatus.COMPLETED, seconds, tokens=(100, 50), cost=0.25)
    add_job(JobStatus.FAILED, 5, tokens=(10, 0), cost=0.01)
    add_job(JobStatus.RUNNING)
    api.post("/api/jobs", json=JOB)  # queued, and waiting in Redis
    SimpleWorker([QUEUE_NAME], connection=redis_conn).register_birth()

    stats = api.get("/api/stats").get_json()["stats"]

    jobs = stats["jobs"]
    assert (jobs["total"], jobs["completed"], jobs["failed"], jobs["running"], jobs["queued"]) == (8, 5, 1, 1, 1)
    assert jobs["by_status"] == {"queued": 1, "running": 1, "completed": 5, "failed": 1, "cancelled": 0}
    assert jobs["success_rate"] == 62.5
    assert jobs["duration_s"]["median"] == pytest.approx(30, abs=0.01)
    assert jobs["duration_s"]["p95"] == pytest.approx(100, abs=0.01)
    assert jobs["duration_s"]["sample"] == 5
    assert jobs["tokens"] == {"in": 510, "out": 250, "total": 760}
    assert jobs["cost_usd"] == pytest.approx(1.26)
    assert stats["queue"] == {"name": "codegen", "depth": 1}
    assert stats["workers"] == {"busy": 0, "idle": 1, "total": 1}
    assert stats["agents"]["active"] == 1 and stats["agents"]["total_agents"] == 5
    assert 0 <= stats["system"]["cpu_percent"] <= 100 and stats["system"]["uptime"] >= 0


def test_stats_are_shared_for_a_few_seconds_then_recomputed(api, redis_conn):
    add_job(JobStatus.COMPLETED, 1)
    assert api.get("/api/stats").get_json()["stats"]["jobs"]["total"] == 1

    add_job(JobStatus.COMPLETED, 1)
    assert api.get("/api/stats").get_json()["stats"]["jobs"]["total"] == 1  # the shared copy

    redis_conn.delete(stats_service.CACHE_KEY)
    assert api.get("/api/stats").get_json()["stats"]["jobs"]["total"] == 2


def test_a_stale_copy_is_served_while_another_process_recomputes(redis_conn, database):
    add_job(JobStatus.COMPLETED, 1)
    clock = [1000.0]
    first = stats_service.job_figures(db.Session, redis_conn, now=lambda: clock[0])
    add_job(JobStatus.FAILED, 1)
    clock[0] += stats_service.FRESH_S + 1
    redis_conn.set(stats_service.LOCK_KEY, "1")  # someone else is recomputing

    assert stats_service.job_figures(db.Session, redis_conn, now=lambda: clock[0])["total"] == first["total"] == 1
    redis_conn.delete(stats_service.LOCK_KEY)
    assert stats_service.job_figures(db.Session, redis_conn, now=lambda: clock[0])["total"] == 2


def test_stats_answer_without_redis_with_the_queue_unknown(settings, user_id):
    app = create_app({"TESTING": True}, settings=settings.with_overrides(redis_url="unix:///nonexistent/r.sock"))
    add_job(JobStatus.COMPLETED, 3)

    response = app.test_client().get("/api/stats", headers=key_headers(make_key(user_id)))

    assert response.status_code == 200
    stats = response.get_json()["stats"]
    assert stats["jobs"]["completed"] == 1 and stats["queue"]["depth"] is None and stats["workers"] is None


def test_stats_need_credentials(client):
    assert client.get("/api/stats").status_code == 401


# --- /metrics ---------------------------------------------------------------------------------------------


def test_metrics_count_requests_per_route_and_status_with_latencies(client, api):
    api.get("/api/jobs")
    api.get("/api/jobs")
    api.get("/api/jobs/nope")
    client.get("/api/templates")

    samples = scrape(client)

    def labels(**kw):
        return tuple(sorted(kw.items()))

    assert samples[("codegen_http_requests_total", labels(endpoint="/api/jobs", method="GET", status="200"))] == 2
    assert samples[("codegen_http_requests_total",
                    labels(endpoint="/api/jobs/<job_id>", method="GET", status="404"))] == 1
    assert samples[("codegen_http_request_duration_seconds_count", labels(endpoint="/api/jobs", method="GET"))] == 2
    assert samples[("codegen_http_request_duration_seconds_bucket",
                    labels(endpoint="/api/jobs", le="+Inf", method="GET"))] == 2
    assert samples[("codegen_http_request_duration_seconds_sum", labels(endpoint="/api/jobs", method="GET"))] > 0


def test_metrics_add_up_the_counts_of_every_process(client, redis_conn):
    elsewhere = Recorder()  # another gunicorn worker, as far as Redis can tell
    for _ in range(3):
        elsewhere.request("GET", "/api/stats", 200, 0.02)
    elsewhere.socket_opened("/ws")
    elsewhere.flush(redis_conn)
    client.get("/api/templates")

    samples = scrape(client)

    assert samples[("codegen_http_requests_total", (("endpoint", "/api/stats"), ("method", "GET"),
                                                    ("status", "200")))] == 3
    assert samples[("codegen_http_requests_total", (("endpoint", "/api/templates"), ("method", "GET"),
                                                    ("status", "200")))] == 1
    assert samples[("codegen_websocket_connections", (("endpoint", "/ws"),))] == 1


def test_metrics_report_jobs_queue_workers_agents_tokens_and_cost(client, api, completed_job_id, redis_conn):
    add_job(JobStatus.FAILED, 2, tokens=(7, 3), cost=0.5)
    api.post("/api/jobs", json=JOB)
    SimpleWorker([QUEUE_NAME], connection=redis_conn).register_birth()
    redis_conn.delete(stats_service.CACHE_KEY)

    samples = scrape(client)

    assert samples[("codegen_jobs", (("status", "completed"),))] == 1
    assert samples[("codegen_jobs", (("status", "failed"),))] == 1
    assert samples[("codegen_jobs", (("status", "queued"),))] == 1
    assert samples[("codegen_queue_depth", (("queue", "codegen"),))] == 1
    assert samples[("codegen_workers", (("state", "idle"),))] == 1
    assert samples[("codegen_llm_tokens_total", (("direction", "in"),))] >= 7
    assert samples[("codegen_llm_cost_usd_total", ())] >= 0.5
    agents = {dict(labels)["agent"] for (name, labels) in samples if name == "codegen_agent_duration_seconds_count"}
    assert agents == {"planner", "architect", "coder", "reviewer", "tester"}


def test_metrics_need_redis_and_say_so(settings):
    app = create_app({"TESTING": True}, settings=settings.with_overrides(redis_url="unix:///nonexistent/r.sock"))

    response = app.test_client().get("/metrics")

    assert response.status_code == 503 and response.headers["Retry-After"]


# --- OpenAPI ----------------------------------------------------------------------------------------------


def test_the_openapi_document_covers_every_api_route_from_the_models(client, app):
    body = client.get("/api/openapi.json").get_json()

    assert body["openapi"] == "3.1.0"
    rules = {(r.rule, m) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
             for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path.replace("{", "<").replace("}", ">"), method.upper())
                  for path, item in body["paths"].items() for method in item}
    assert documented == rules
    schemas = body["components"]["schemas"]
    assert schemas["JobRequest"]["required"] == ["template_id", "name"]
    assert set(schemas["EntitySpec"]["properties"]) == {"name", "fields"}
    post = body["paths"]["/api/jobs"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/JobRequest"}
    assert {"201", "401", "413", "415", "422", "429", "503"} <= set(post["responses"])
    assert body["paths"]["/api/templates"]["get"]["security"] == []
    assert body == document(app)


# --- request ids and logs ---------------------------------------------------------------------------------


def test_a_request_id_is_honoured_or_generated_and_always_returned(client):
    assert client.get("/health/live", headers={"X-Request-ID": "lb-7f3a.1"}).headers["X-Request-ID"] == "lb-7f3a.1"
    generated = client.get("/api/jobs").headers["X-Request-ID"]  # a 401 carries one too
    assert len(generated) == 32 and int(generated, 16) >= 0
    replaced = client.get("/health/live", headers={"X-Request-ID": "not an id; " + "y" * 80})
    assert replaced.headers["X-Request-ID"].isalnum() and len(replaced.headers["X-Request-ID"]) == 32


def test_access_logs_are_json_lines_with_the_request_id(client, json_log):
    client.get("/api/templates", headers={"X-Request-ID": "trace-123"})

    line = next(entry for entry in json_log() if entry["logger"] == "codegen.access")
    assert line["request_id"] == "trace-123"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/templates", 200)
    assert line["level"] == "info" and line["ts"].endswith("Z") and line["duration_ms"] >= 0


def test_the_request_id_follows_the_job_into_the_worker_logs(api, settings, run_jobs, json_log):
    configure_runtime(settings)
    job_id = api.post("/api/jobs", json=JOB, headers={"X-Request-ID": "submit-42"}).get_json()["job_id"]

    run_jobs()

    worker_lines = [e for e in json_log() if e["logger"] == "app.worker.tasks"]
    assert {e["message"] for e in worker_lines} >= {f"job {job_id} started", f"job {job_id} ended completed"}
    assert all(e["request_id"] == "submit-42" and e["job_id"] == job_id for e in worker_lines)
    with db.Session() as session:
        assert session.scalar(select(Job.request_id).where(Job.id == job_id)) == "submit-42"
