"""Everything under /admin is for admins: others get 403, strangers are sent to sign in; pages obey the CSP."""

from __future__ import annotations

import re

from app import db
from app.models import User
from tests.integration.admin_support import add_job

PAGES = ["/admin/jobs", "/admin/users", "/admin/workers", "/admin/stats", "/admin/audit"]


def admin_routes(app) -> list[tuple[str, str]]:
    """(method, url) for every route the admin blueprint has, with placeholder arguments filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if m.group(0).startswith("<int:") else "a" * 32, rule.rule)
        routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_the_admin_blueprint_has_every_page(app):
    urls = {url for _method, url in admin_routes(app)}
    assert set(PAGES) <= urls
    assert len(admin_routes(app)) >= 12


def test_a_signed_in_user_who_is_not_an_admin_gets_403_everywhere(app, other_client):
    for method, url in admin_routes(app):
        response = other_client.open(url, method=method, data={"action": "delete", "ids": "x", "role": "admin"})
        assert response.status_code == 403, (method, url)
        json_response = other_client.open(url, method=method, headers={"Accept": "application/json"})
        assert json_response.status_code == 403
        assert json_response.json["success"] is False and json_response.json["error"]["code"] == "forbidden"


def test_strangers_are_sent_to_sign_in(app, client):
    for method, url in admin_routes(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next="), (method, url)


def test_strangers_asking_for_json_get_401_and_htmx_is_redirected_whole(client):
    response = client.get("/admin/jobs", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    response = client.get("/admin/jobs?status=failed", headers={"HX-Request": "true",
                                                                 "HX-Current-URL": "/admin/jobs?status=failed"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/login?next=")


def test_a_demoted_admin_loses_access_at_once(app, admin_client, admin_id):
    assert admin_client.get("/admin/jobs").status_code == 200
    with db.Session.begin() as session:
        session.get(User, admin_id).role = "user"
    assert admin_client.get("/admin/jobs").status_code == 403


def test_admins_see_every_page_and_the_link_to_it(admin_client, user_id):
    with db.Session.begin() as session:
        add_job(session, name="one", owner_id=user_id, status="running")
        add_job(session, name="two", owner_id=user_id, status="failed")
    for url in PAGES:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"
        assert b'href="/static/css/admin.css' in response.data
        assert b'aria-current="page"' in response.data


def test_pages_keep_to_the_strict_csp(admin_client, user_id):
    """No inline scripts, style attributes or hx-on handlers anywhere in the admin pages and fragments."""
    with db.Session.begin() as session:
        add_job(session, name="one", owner_id=user_id, status="running")
    bodies = [admin_client.get(url).data for url in PAGES]
    bodies += [admin_client.get(url, headers={"HX-Request": "true"}).data for url in PAGES]
    for body in bodies:
        assert not re.search(rb"<script(?![^>]*\bsrc=)", body)
        assert not re.search(rb"\sstyle=", body)
        assert b"hx-on" not in body and b"javascript:" not in body


def test_the_admin_link_shows_only_for_admins(app, admin_client, owner_client):
    assert b'href="/admin/jobs"' in admin_client.get("/account/api-keys").data
    assert b'href="/admin/jobs"' not in owner_client.get("/account/api-keys").data


def test_another_admin_also_gets_in(make_user, login):
    make_user("second-admin@example.com", role="admin")
    client = login("second-admin@example.com")
    assert client.get("/admin/users").status_code == 200


def test_scripts_read_the_job_list_with_an_admins_api_key(app, admin_id, user_id):
    from app.services.users import create_api_key

    with db.Session.begin() as session:
        _key, admin_key = create_api_key(session, session.get(User, admin_id), "monitoring")
        _key, user_key = create_api_key(session, session.get(User, user_id), "laptop")
        add_job(session, name="one", owner_id=user_id)
    client = app.test_client()
    json = {"Accept": "application/json"}

    response = client.get("/admin/jobs", headers={**json, "X-API-Key": admin_key})
    assert response.status_code == 200 and response.json["jobs"][0]["name"] == "one"
    assert "Set-Cookie" not in response.headers  # the key signs in this request only
    token = client.post("/api/auth/token", json={"api_key": admin_key}).json["access_token"]
    assert client.get("/admin/jobs", headers={**json, "Authorization": f"Bearer {token}"}).status_code == 200

    assert client.get("/admin/jobs", headers={**json, "X-API-Key": user_key}).status_code == 403
    response = client.get("/admin/jobs", headers={**json, "X-API-Key": "cgs_not-a-key"})
    assert response.status_code == 401 and response.json["success"] is False
    # Changes need a browser session.
    response = client.post("/admin/jobs/actions", headers={**json, "X-API-Key": admin_key},
                           data={"action": "delete", "ids": "x", "confirmed": "1"})
    assert response.status_code == 401
