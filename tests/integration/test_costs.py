"""A cost is never made up: a model without a known price shows its cost as unknown, and a cost cap on it is
refused until an admin configures its price."""

import pytest

from app import create_app, db
from app.models import Job
from tests.integration.api_support import JOB, Api, make_key

pytestmark = pytest.mark.usefixtures("redis_conn")


def model_app(settings, **overrides):
    llm = settings.with_overrides(openai_api_key="sk-test", model="my-local-llama", **overrides)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, settings=llm)


def test_a_cost_cap_on_an_unpriced_model_is_refused_with_what_to_do(settings, user_id):
    api = Api(model_app(settings).test_client(), make_key(user_id))

    capped = api.post("/api/jobs", json={**JOB, "options": {"max_cost_usd": 1.0}})
    uncapped = api.post("/api/jobs", json={**JOB, "options": {"max_tokens": 50_000}})

    assert capped.status_code == 422
    error = capped.get_json()["error"]
    assert error["code"] == "price_unknown" and "CODEGEN_MODEL_PRICES" in error["message"]
    assert uncapped.status_code == 201


def test_a_configured_price_lets_the_cap_through(settings, user_id):
    api = Api(model_app(settings, model_prices={"my-local-llama": (0.1, 0.2)}).test_client(), make_key(user_id))

    assert api.post("/api/jobs", json={**JOB, "options": {"max_cost_usd": 1.0}}).status_code == 201


def test_an_unknown_cost_reads_null_in_the_api_and_unknown_on_the_page(settings, user_id, owner_client):
    api = Api(model_app(settings).test_client(), make_key(user_id))
    job_id = api.post("/api/jobs", json=JOB).get_json()["job_id"]
    with db.Session.begin() as session:
        job = session.get(Job, job_id)
        job.usage = {"planner": {"tokens_in": 900, "tokens_out": 100, "cost_usd": None, "calls": 1}}
        job.tokens_in, job.tokens_out = 900, 100

    shown = api.get(f"/api/jobs/{job_id}").get_json()["job"]

    assert shown["cost_usd"] is None and shown["usage"]["planner"]["cost_usd"] is None
    page = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<dt>Cost</dt><dd>unknown</dd>" in page and page.count(">unknown<") >= 2  # the total and the planner
