"""Schemathesis against the live app: no server error, and no response that breaks the OpenAPI document."""

import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from tests.integration.api_support import make_key

pytestmark = pytest.mark.slow

# Every check runs: status codes, content types, headers and bodies against the document, invalid data
# rejected and valid data accepted, authentication not ignored, undeclared methods answered 405 with Allow.
# Two allowances. JSON Schema cannot say everything the request models check (entity and field names are
# identifiers and unique; an improvement names entities the job has), so a schema-valid body may still be
# answered 422 naming the field, on the three routes that take a project spec. And an Idempotency-Key sent
# again with another request is refused 422 (as the IETF draft says), which no schema can know in advance.
CONFIG = """
[auth.openapi.apiKeyAuth]
api_key = "{key}"

[auth.openapi.bearerAuth]
bearer = "{token}"

[[operations]]
include-operation-id = ["create_job", "generate", "improve", "retry"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


def test_schemathesis_finds_nothing_against_the_live_api(settings, redis_conn, user_id, other_user_id,
                                                         completed_job_id, start_live_server, tmp_path):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, settings=settings)
    key = make_key(user_id)
    token = app.test_client().post("/api/auth/token", json={"api_key": key}).get_json()["access_token"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(key=key, token=token))
    server = start_live_server(app)
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "--no-color",
        "run", f"{server.url}/api/openapi.json", "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "30",
        "--workers", "1", "--seed", "1", "--suppress-health-check", "too_slow",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert "13 operations" in result.stdout or "Tested: 13" in result.stdout
