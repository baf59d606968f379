"""Browser accounts: register, sign in (throttled), sign out, API keys shown once, password changes, CSRF."""

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.models import ApiKey, AuditEntry, User
from app.services.users import hash_api_key
from tests.helpers import PASSWORD


def audit_actions(session):
    session.expire_all()
    return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_register_signs_the_person_in(client, session):
    response = client.post("/register", data={"email": "New@Example.com", "password": "long enough",
                                              "confirm": "long enough"})

    assert response.status_code == 302
    user = session.scalar(select(User))
    assert user.email == "new@example.com" and user.role == "user"
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:")) and "long enough" not in user.password_hash
    assert client.get("/account/api-keys").status_code == 200
    assert audit_actions(session) == ["register"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not-an-email", "password": "long enough", "confirm": "long enough"}, "valid e-mail"),
        ({"email": "a@b.io", "password": "short", "confirm": "short"}, "at least 8"),
        ({"email": "a@b.io", "password": "long enough", "confirm": "different!"}, "passwords differ"),
    ],
)
def test_register_errors_are_shown_next_to_the_field(client, form, message):
    response = client.post("/register", data=form)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_registration_can_be_closed(settings, redis_conn):
    app = create_app({"TESTING": True}, settings=settings.with_overrides(registration_open=False))

    assert app.test_client().get("/register").status_code == 404


def test_wrong_password_is_refused_and_audited(client, user_id, session):
    response = client.post("/login", data={"email": "owner@example.com", "password": "wrong password"})

    assert response.status_code == 400
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/jobs").status_code == 302
    assert audit_actions(session) == ["login_failed"]


def test_sign_in_records_the_time_and_signs_out_by_post_only(client, login, user_id, session):
    login("owner@example.com", client=client)
    assert session.get(User, user_id).last_login_at is not None
    assert client.get("/logout").status_code == 405

    assert client.post("/logout").status_code == 302
    assert client.get("/jobs").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/jobs", "/jobs"), ("https://evil.example/", "/"), ("//evil.example/", "/"), ("/\\evil.example", "/"),
     ("javascript:alert(1)", "/")],
)
def test_next_never_leaves_the_site(client, user_id, next_url, lands_on):
    response = client.post("/login", query_string={"next": next_url},
                           data={"email": "owner@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_login_is_throttled_per_account_with_a_friendly_page(settings, redis_conn, user_id):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True}, settings=settings)
    client = app.test_client()
    for _ in range(5):
        assert client.post("/login", data={"email": "owner@example.com", "password": "nope"}).status_code == 400

    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Slow down" in response.get_data(as_text=True)


def test_api_key_is_shown_once_stored_hashed_and_revocable(owner_client, other_client, session, user_id):
    response = owner_client.post("/account/api-keys", data={"name": "laptop"})

    assert response.status_code == 201
    plain = re.search(r'<code id="new-key">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    key = session.scalar(select(ApiKey))
    assert key.key_hash == hash_api_key(plain) and key.user_id == user_id
    listing = owner_client.get("/account/api-keys").get_data(as_text=True)
    assert plain not in listing and key.prefix in listing

    assert other_client.post(f"/account/api-keys/{key.id}/revoke").status_code == 404
    assert owner_client.post(f"/account/api-keys/{key.id}/revoke").status_code == 302
    session.expire_all()
    assert session.get(ApiKey, key.id).revoked_at is not None
    assert audit_actions(session)[-2:] == ["api_key_created", "api_key_revoked"]


def test_changing_the_password_ends_other_sessions(login, user_id):
    first = login("owner@example.com")
    second = login("owner@example.com")

    response = first.post("/account/password", data={"current": PASSWORD, "password": "a new password",
                                                     "confirm": "a new password"})

    assert response.status_code == 302
    assert first.get("/account/api-keys").status_code == 200
    assert second.get("/account/api-keys").status_code == 302
    login("owner@example.com", "a new password")


def test_forms_refuse_a_post_without_the_csrf_token(settings, redis_conn, user_id):
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False}, settings=settings)
    client = app.test_client()

    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/account/api-keys", data={"name": "x"}).status_code == 400
    assert client.post("/account/api-keys", data={"name": "x"},
                       headers={"X-CSRFToken": token}).status_code == 201


def test_pages_carry_security_headers_and_safe_cookies(owner_client):
    response = owner_client.get("/account/api-keys")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True) and 'style="' not in response.get_data(as_text=True)


def test_the_session_cookie_is_httponly_and_samesite(client, user_id):
    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_error_pages_are_in_the_sites_look(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and "Codegen Studio" in body and "Traceback" not in body


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(settings, redis_conn, user_id):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True}, settings=settings)
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    wrong = {"email": "owner@example.com", "password": "nope"}
    for _ in range(6):
        assert stranger.post("/login", data=wrong).status_code in (400, 429)
    assert stranger.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 429

    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert owner.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_throttle(settings, redis_conn, user_id):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True}, settings=settings)
    for _ in range(7):
        client = app.test_client()
        assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    client = app.test_client()
    for _ in range(4):
        assert client.post("/login", data={"email": "owner@example.com", "password": "nope"}).status_code == 400
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302


def test_signing_out_ends_the_session_on_the_server(login, user_id):
    client = login("owner@example.com")
    cookie = client.get_cookie("session").value
    other_device = login("owner@example.com")

    assert client.post("/logout").status_code == 302

    replay = client.application.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/account/api-keys").status_code == 302  # the copied cookie no longer signs anyone in
    assert other_device.get("/account/api-keys").status_code == 302  # signing out ends every session
    assert login("owner@example.com").get("/account/api-keys").status_code == 200
