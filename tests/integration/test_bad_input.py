"""Bad input ends cleanly: deeply nested JSON, bodies the OpenAPI document calls valid, over-long URLs and headers
(through the test client and through gunicorn), and a submission form of thousands of rows."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import jsonschema_rs
import pytest
from pydantic import ValidationError

from app.generation.request import ImproveRequest, JobRequest
from app.ops.gunicorn_conf import thread_options
from app.ops.http_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from tests.helpers import DEADLINE_S, HTTP_NOT_YET, ROOT, get_json, unused_port, wait_until
from tests.integration.api_support import JOB, Api, key_headers, make_key
from tests.integration.pages_support import HX


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]


# --- JSON nested deeper than the decoder recurses ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/auth/token", "/api/jobs", "/api/generate"])
def test_json_nested_a_thousand_deep_is_a_400_never_a_500(client, user_id, path):
    headers = {} if path == "/api/auth/token" else key_headers(make_key(user_id))
    for body in ("[" * 1000 + "]" * 1000, '{"api_key": ' + "[" * 5000 + "]" * 5000 + "}",
                 '{"name": ' + '{"a": ' * 2000 + "1" + "}" * 2001):
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        error = assert_error_shape(response, 400, "malformed_json")
        assert "nested too deeply" in error["message"]


def test_json_nested_just_short_of_the_limit_is_refused_as_invalid(client, user_id):
    api = Api(client, make_key(user_id))
    for depth in (200, 600, 900):
        response = api.post("/api/jobs", data='{"template_id": ' + "[" * depth + "]" * depth + "}",
                            content_type="application/json")
        assert response.status_code in (400, 422) and response.get_json()["success"] is False


# --- the OpenAPI document says what the service takes ------------------------------------------------------------

def schema_validator(document: dict, name: str):
    """A validator of the document's schema `name`, as schemathesis reads it (Rust: ECMA-262-like patterns)."""
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                               "components": document["components"]})


NAMES = ["todo", "todo-api", " todo", "todo ", "Todo.v2_x", "a" * 64, "1todo", "-todo", "_todo", ".todo", "tödo",
         "todo!", "to/do", "\ttodo", "todo\n", " ", "", "a" * 65, "ñame", "x\u00a0y"]


def test_the_document_and_the_service_agree_on_project_names(client, user_id):
    validator = schema_validator(client.get("/api/openapi.json").get_json(), "JobRequest")
    for name in NAMES:
        body = {"template_id": "fastapi-backend", "name": name}
        try:
            JobRequest.model_validate(body)
            accepted = True
        except ValidationError:
            accepted = False
        documented = validator.is_valid(body)
        assert documented == accepted, f"{name!r}: the document says {documented}, the service {accepted}"

    api = Api(client, make_key(user_id))
    refused = api.post("/api/jobs", json={**JOB, "name": "1todo"})
    assert assert_error_shape(refused, 422, "validation_error")["details"][0]["field"] == "name"
    assert api.post("/api/jobs", json={**JOB, "name": " todo"}).status_code == 201


IMPROVEMENTS = [({"changes": [], "instruction": ""}, False), ({}, False), ({"instruction": " \t\n\u3000"}, False),
                ({"instruction": "\u2028"}, False), ({"instruction": "add search"}, True),
                ({"instruction": " x "}, True), ({"changes": [{"op": "set_feature", "feature": "docker"}]}, True),
                ({"changes": [{"op": "remove_entity", "entity": "Task"}], "instruction": ""}, True)]


@pytest.mark.parametrize(("body", "accepted"), IMPROVEMENTS)
def test_the_document_and_the_service_agree_on_improvements(client, body, accepted):
    validator = schema_validator(client.get("/api/openapi.json").get_json(), "ImproveRequest")
    try:
        ImproveRequest.model_validate(body)
        service = True
    except ValidationError:
        service = False
    assert (validator.is_valid(body), service) == (accepted, accepted)


def test_an_empty_improvement_is_a_422_naming_what_is_missing(client, user_id, completed_job_id):
    api = Api(client, make_key(user_id))
    response = api.post(f"/api/jobs/{completed_job_id}/improve", json={"changes": [], "instruction": ""})
    assert "at least one change or an instruction" in assert_error_shape(response, 422, "validation_error")["message"]


# --- over-long URLs and headers -----------------------------------------------------------------------------------

def test_an_over_long_url_is_a_414_in_the_error_shape(client):
    error = assert_error_shape(client.get("/api/jobs?q=" + "a" * MAX_TARGET_BYTES), 414, "request_uri_too_long")
    assert str(MAX_TARGET_BYTES) in error["message"]
    page = client.get("/jobs?q=" + "a" * MAX_TARGET_BYTES, headers={"Accept": "text/html"})
    assert page.status_code == 414 and "Address too long" in page.get_data(as_text=True)
    assert client.get("/health/live?q=" + "a" * (MAX_TARGET_BYTES - 100)).status_code == 200


def test_an_over_large_header_is_a_431_in_the_error_shape(client):
    big = {"X-Padding": "a" * MAX_HEADER_BYTES}
    assert "X-Padding" in assert_error_shape(client.get("/api/templates", headers=big), 431,
                                             "request_header_fields_too_large")["message"]
    many = {f"X-Extra-{i}": "1" for i in range(120)}
    assert_error_shape(client.get("/api/templates", headers=many), 431, "request_header_fields_too_large")
    page = client.get("/jobs", headers={**big, "Accept": "text/html"})
    assert page.status_code == 431 and "Headers too large" in page.get_data(as_text=True)


@pytest.fixture
def gunicorn(settings):
    """The app under gunicorn with the limits `codegen up` gives it."""
    port = unused_port()
    env = {**os.environ, "INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.effective_redis_url, "SECRET_KEY": "s" * 32, "CODEGEN_PROVIDER": "offline"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "-c", "python:app.ops.gunicorn_conf", *thread_options(4), "app.web.wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: get_json(f"http://127.0.0.1:{port}/health/live")[0] == 200, DEADLINE_S,
                   "gunicorn to serve /health/live", not_yet=HTTP_NOT_YET)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def raw_get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode(errors="replace")
    finally:
        connection.close()


def test_gunicorn_lets_the_app_answer_over_long_urls_and_headers(gunicorn):
    status, content_type, body = raw_get(gunicorn, "/api/templates?q=" + "a" * 6000)
    assert (status, content_type) == (414, "application/json"), body[:300]
    assert json.loads(body)["error"]["code"] == "request_uri_too_long"

    # Longer than gunicorn lets any request line be (8,190 bytes): gunicorn's own refusal, in the same shape.
    status, content_type, body = raw_get(gunicorn, "/api/templates?q=" + "a" * 9000)
    assert (status, content_type) == (414, "application/json"), body[:300]
    assert json.loads(body)["error"]["code"] == "request_uri_too_long"

    status, content_type, body = raw_get(gunicorn, "/api/templates", {"X-Padding": "a" * 12000})
    assert (status, content_type) == (431, "application/json"), body[:300]
    assert json.loads(body)["error"]["code"] == "request_header_fields_too_large"

    status, content_type, body = raw_get(gunicorn, "/api/templates", {"X-Padding": "a" * 20000})
    assert (status, content_type) == (431, "application/json"), body[:300]
    assert json.loads(body)["error"]["code"] == "request_header_fields_too_large"


def test_gunicorn_answers_a_request_it_cannot_parse_in_the_error_shape(gunicorn):
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as connection:
        connection.sendall(b"GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"Content-Type: application/json" in head, answer[:300]
    assert json.loads(body)["error"]["code"] == "bad_request"


# --- the submission form with thousands of rows ---------------------------------------------------------------

def test_a_form_of_thousands_of_field_rows_is_answered_at_once_with_a_clear_error(owner_client):
    form = {"template_id": "fastapi-backend", "name": "bookshelf", "entities-k1-name": "Book"}
    for row in range(8000):
        form[f"entities-k1-fields-r{row}-name"] = f"field{row}"
        form[f"entities-k1-fields-r{row}-type"] = "str"

    started = time.monotonic()
    response = owner_client.post("/jobs/new", data=form, headers=HX)
    elapsed = time.monotonic() - started

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 12 entities of 24 fields" in body
    assert 'value="bookshelf"' in body  # what was typed is kept
    assert elapsed < 5, f"{elapsed:.1f}s"  # 16 s before: each input searched the rows read so far
    assert len(body) < 200_000  # not the 8,000 rows sent back
