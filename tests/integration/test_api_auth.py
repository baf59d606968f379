"""API keys and tokens: a key yields a short-lived JWT; expired, tampered, `alg: none` and revoked ones fail."""

import base64
import json
import time
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from app import create_app, db
from app.models import ApiKey, AuditEntry, User, utcnow
from app.web.api.auth import TOKEN_LIFETIME_S, issue_token
from tests.integration.api_support import key_headers, make_key


@pytest.fixture
def api_key(user_id) -> str:
    return make_key(user_id)


def exchange(client, key: str):
    return client.post("/api/auth/token", json={"api_key": key})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def key_row(plain: str) -> ApiKey:
    from app.services.users import hash_api_key

    with db.Session() as session:
        return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(plain)))


def test_an_api_key_yields_a_bearer_token_that_opens_the_api(client, api_key, user_id):
    response = exchange(client, api_key)

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900 == TOKEN_LIFETIME_S
    assert response.headers["Cache-Control"] == "no-store"
    claims = jwt.decode(body["access_token"], client.application.config["SECRET_KEY"], algorithms=["HS256"])
    assert claims["sub"] == str(user_id) and claims["exp"] - claims["iat"] == 900
    assert claims["key_id"] == key_row(api_key).id
    assert client.get("/api/jobs", headers=bearer(body["access_token"])).status_code == 200


def test_the_exchange_is_audited_without_the_key(client, api_key):
    exchange(client, api_key)
    exchange(client, "cgs_not-a-real-key")

    with db.Session() as session:
        entries = {e.action: e for e in session.scalars(select(AuditEntry))}
    assert entries["api_token_issued"].target == f"key:{api_key[:12]}"
    assert entries["api_token_refused"].details == {"key_prefix": "cgs_not-a-re"}
    assert api_key not in json.dumps([e.details for e in entries.values()])


def test_the_api_key_header_works_and_records_its_use_at_most_once_a_minute(client, api_key):
    assert key_row(api_key).last_used_at is None

    assert client.get("/api/jobs", headers=key_headers(api_key)).status_code == 200
    first = key_row(api_key).last_used_at
    assert first is not None
    client.get("/api/jobs", headers=key_headers(api_key))
    assert key_row(api_key).last_used_at == first

    with db.Session.begin() as session:
        session.get(ApiKey, key_row(api_key).id).last_used_at = utcnow() - timedelta(minutes=2)
    client.get("/api/jobs", headers=key_headers(api_key))
    assert key_row(api_key).last_used_at > first


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}])
def test_no_credentials_is_401_in_the_error_shape(client, headers):
    response = client.get("/api/jobs", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["success"] is False and body["error"]["code"] and body["error"]["message"]


def test_an_unknown_api_key_is_401(client, user_id):
    assert client.get("/api/jobs", headers=key_headers("cgs_" + "x" * 43)).status_code == 401
    assert exchange(client, "cgs_" + "x" * 43).status_code == 401
    assert exchange(client, "not-even-a-key").status_code == 401


def test_an_expired_token_is_refused(client, api_key):
    token = issue_token(key_row(api_key), client.application.config["SECRET_KEY"], now=time.time() - 901)

    response = client.get("/api/jobs", headers=bearer(token))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_a_tampered_token_is_refused(client, api_key, other_user_id):
    token = exchange(client, api_key).get_json()["access_token"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(other_user_id)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    response = client.get("/api/jobs", headers=bearer(f"{header}.{forged}.{signature}"))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_token_signed_with_another_secret_is_refused(client, api_key):
    key = key_row(api_key)

    assert client.get("/api/jobs", headers=bearer(issue_token(key, "not-the-secret" * 4))).status_code == 401


def _unsigned(claims: dict, alg: str = "none") -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(client, api_key, user_id, alg):
    now = int(time.time())
    token = _unsigned({"sub": str(user_id), "key_id": key_row(api_key).id, "iat": now, "exp": now + 600}, alg)

    assert client.get("/api/jobs", headers=bearer(token)).status_code == 401


def test_another_algorithm_with_the_right_secret_is_refused(client, api_key, user_id):
    now = int(time.time())
    claims = {"sub": str(user_id), "key_id": key_row(api_key).id, "iat": now, "exp": now + 600}
    token = jwt.encode(claims, client.application.config["SECRET_KEY"], algorithm="HS512")

    response = client.get("/api/jobs", headers=bearer(token))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_token_naming_another_users_key_is_refused(client, api_key, other_user_id):
    other_key = key_row(make_key(other_user_id))
    now = int(time.time())
    claims = {"sub": str(key_row(api_key).user_id), "key_id": other_key.id, "iat": now, "exp": now + 600}
    token = jwt.encode(claims, client.application.config["SECRET_KEY"], algorithm="HS256")

    assert client.get("/api/jobs", headers=bearer(token)).status_code == 401


def test_revoking_the_key_ends_its_tokens_at_once(client, api_key):
    token = exchange(client, api_key).get_json()["access_token"]
    assert client.get("/api/jobs", headers=bearer(token)).status_code == 200

    with db.Session.begin() as session:
        session.get(ApiKey, key_row(api_key).id).revoked_at = utcnow()

    for headers in (bearer(token), key_headers(api_key)):
        response = client.get("/api/jobs", headers=headers)
        assert response.status_code == 401
        assert "revoked" in response.get_json()["error"]["message"]
    assert exchange(client, api_key).status_code == 401


def test_a_disabled_account_is_refused(client, api_key, user_id):
    token = exchange(client, api_key).get_json()["access_token"]
    with db.Session.begin() as session:
        session.get(User, user_id).is_active = False

    assert client.get("/api/jobs", headers=bearer(token)).status_code == 403
    assert exchange(client, api_key).status_code == 403


def test_a_browser_session_does_not_open_the_api(owner_client):
    assert owner_client.get("/api/jobs").status_code == 401


def test_the_exchange_validates_its_body(client):
    assert client.post("/api/auth/token", data="api_key=x").status_code == 415
    response = client.post("/api/auth/token", json={"key": "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"].startswith("api_key:")


def test_the_api_needs_no_csrf_token_but_the_forms_still_do(settings, redis_conn, api_key):
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, settings=settings)
    client = app.test_client()

    response = client.post("/api/jobs", headers=key_headers(api_key),
                           json={"template_id": "fastapi-backend", "name": "csrf-free"})

    assert response.status_code == 201
    assert client.post("/login", data={"email": "owner@example.com", "password": "x"}).status_code == 400


def test_token_exchange_is_limited_per_address_with_retry_after(settings, redis_conn, api_key):
    client = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True},
                        settings=settings).test_client()

    answers = [exchange(client, api_key) for _ in range(21)]

    assert [a.status_code for a in answers[:20]] == [200] * 20
    refused = answers[20]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-RateLimit-Limit"] == "20"
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    other_address = client.post("/api/auth/token", json={"api_key": api_key},
                                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_address.status_code == 200
