"""/admin/users: who has which role, teams and jobs; changing roles, deactivating, resetting passwords."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import db
from app.models import AuditEntry, Team, User
from app.services.teams import add_member
from tests.helpers import PASSWORD
from tests.integration.admin_support import add_jobs


def user(user_id: int) -> User:
    with db.Session() as session:
        return session.get(User, user_id)


def audit(action: str) -> list[AuditEntry]:
    with db.Session() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_list_shows_role_teams_jobs_and_last_sign_in(admin_client, user_id, owner_client):
    with db.Session.begin() as session:
        team = Team(name="platform")
        session.add(team)
        add_member(team, session.get(User, user_id))
    add_jobs(3, owner_id=user_id)

    html = admin_client.get("/admin/users").data.decode()
    row = html.split(f'<tr id="user-{user_id}"')[1].split("</tr>")[0]
    assert "owner@example.com" in row and "platform" in row
    assert f'href="/admin/jobs?owner={user_id}">3</a>' in row
    assert "<time datetime=" in row  # owner_client signed in, so there is a last sign-in
    assert "2 users" in html


def test_filter_by_role_state_and_e_mail(admin_client, user_id, other_user_id):
    def emails(query: str) -> list[str]:
        return re.findall(r'<tr id="user-\d+"[^>]*>\s*<td>([^<\s]+)', admin_client.get("/admin/users" + query)
                          .data.decode())

    assert emails("") == ["admin@example.com", "other@example.com", "owner@example.com"]
    assert emails("?role=admin") == ["admin@example.com"]
    assert emails("?q=OWN") == ["owner@example.com"]
    with db.Session.begin() as session:
        session.get(User, other_user_id).is_active = False
    assert emails("?state=inactive") == ["other@example.com"]


def test_users_are_paged_by_e_mail(make_user, admin_client, admin_id, monkeypatch):
    from app.services import users

    monkeypatch.setattr(users, "USERS_PER_PAGE", 2)
    for i in range(4):
        make_user(f"user{i}@example.com")
    html = admin_client.get("/admin/users").data.decode()
    assert html.count('<tr id="user-') == 2
    next_url = re.search(r'href="([^"]+)" hx-get="[^"]+" hx-target="#admin-users" hx-swap="outerHTML" '
                         r'hx-push-url="true" rel="next"', html).group(1).replace("&amp;", "&")
    second = admin_client.get(next_url).data.decode()
    assert "user1@example.com" in second and "user2@example.com" in second and "user0@" not in second


def test_changing_a_role_is_audited_and_takes_effect(login, admin_client, user_id):
    response = admin_client.post(f"/admin/users/{user_id}/role", data={"role": "admin"},
                                 headers={"HX-Request": "true"})
    assert response.data.lstrip().startswith(f'<tr id="user-{user_id}"'.encode())
    assert b"is now an admin" in response.data
    assert user(user_id).role == "admin"
    (entry,) = audit("user_role_changed")
    assert entry.target == f"user:{user_id}" and entry.details == {"email": "owner@example.com",
                                                                   "role_before": "user", "role_after": "admin"}
    assert login("owner@example.com").get("/admin/jobs").status_code == 200

    response = admin_client.post(f"/admin/users/{user_id}/role", data={"role": "overlord"})
    assert response.status_code == 303 and user(user_id).role == "admin"
    assert "Role must be one of" in admin_client.get("/admin/users").data.decode()


def test_an_admin_cannot_demote_deactivate_or_reset_themselves(admin_client, admin_id):
    for path, data in (("role", {"role": "user"}), ("active", {"active": "0"}), ("password", {})):
        response = admin_client.post(f"/admin/users/{admin_id}/{path}", data=data, headers={"HX-Request": "true"})
        assert b"You cannot" in response.data, path
    me = user(admin_id)
    assert me.role == "admin" and me.is_active
    assert admin_client.get("/admin/users").status_code == 200


def test_deactivating_ends_the_users_sessions_and_sign_in(app, login, admin_client, user_id, owner_client):
    assert owner_client.get("/account/api-keys").status_code == 200
    response = admin_client.post(f"/admin/users/{user_id}/active", data={"active": "0"})
    assert response.status_code == 303
    assert not user(user_id).is_active
    assert owner_client.get("/account/api-keys").status_code == 302  # signed out
    assert app.test_client().post("/login", data={"email": "owner@example.com",
                                                  "password": PASSWORD}).status_code == 400
    assert [e.target for e in audit("user_deactivated")] == [f"user:{user_id}"]

    admin_client.post(f"/admin/users/{user_id}/active", data={"active": "1"})
    assert user(user_id).is_active and audit("user_reactivated")
    login("owner@example.com")


def test_a_reset_password_is_shown_once_and_works(app, login, admin_client, user_id, owner_client):
    response = admin_client.post(f"/admin/users/{user_id}/password", data={"back": "/admin/users?role=user"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<div class="new-password" role="status">.*?<code>([^<]+)</code>', response.data.decode(),
                         re.S).group(1)
    assert len(password) >= 12
    assert "Set-Cookie" not in response.headers or password not in response.headers["Set-Cookie"]

    assert owner_client.get("/account/api-keys").status_code == 302  # the old session ended
    assert app.test_client().post("/login", data={"email": "owner@example.com",
                                                  "password": PASSWORD}).status_code == 400
    login("owner@example.com", password)
    assert password.encode() not in admin_client.get("/admin/users").data
    (entry,) = audit("user_password_reset")
    assert password not in str(entry.details)


def test_htmx_reset_shows_the_password_in_the_row(admin_client, user_id):
    response = admin_client.post(f"/admin/users/{user_id}/password", headers={"HX-Request": "true"})
    assert response.data.lstrip().startswith(f'<tr id="user-{user_id}"'.encode())
    assert b"shown only now" in response.data and b'class="new-password"' in response.data


def test_an_unknown_user_is_404(admin_client):
    assert admin_client.post("/admin/users/999999/role", data={"role": "admin"}).status_code == 404
