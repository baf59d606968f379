"""/admin/audit: every entry, newest first, paged without gaps and filterable."""

from __future__ import annotations

import re
from datetime import timedelta

from app import db
from app.models import AuditEntry
from tests.integration.admin_support import T0

ROW = re.compile(r'<tr id="audit-(\d+)"')


def add_entries(count: int, **fields) -> list[int]:
    with db.Session.begin() as session:
        entries = [AuditEntry(action=fields.get("action", "login"), actor_email=fields.get("actor", "a@example.com"),
                              target=fields.get("target"), created_at=fields.get("at", T0 + timedelta(minutes=i)),
                              details={"n": i}) for i in range(count)]
        session.add_all(entries)
        session.flush()
        return [e.id for e in entries]


def shown(client, url: str) -> list[int]:
    return [int(i) for i in ROW.findall(client.get(url).data.decode())]


def test_entries_are_newest_first_and_paged_without_gaps(admin_client, monkeypatch):
    from app.web.admin import audit

    monkeypatch.setattr(audit, "PER_PAGE", 4)
    ids = add_entries(6, at=T0) + add_entries(5)  # ties on the time are broken by id
    seen, url = [], "/admin/audit?action=login"
    while url:
        html = admin_client.get(url).data.decode()
        seen += [int(i) for i in ROW.findall(html)]
        add_entries(1, at=T0 + timedelta(days=1))  # newer entries arrive meanwhile
        found = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) and set(ids) <= set(seen)
    assert [i for i in seen if i in ids][:5] == sorted(ids[6:], reverse=True)  # after the admin's own login


def test_filters(admin_client):
    job = add_entries(1, action="job_deleted", target="job:abc123", actor="boss@example.com")
    user = add_entries(1, action="user_role_changed", target="user:7", actor="boss@example.com")
    old = add_entries(1, action="login", at=T0 - timedelta(days=10))
    assert shown(admin_client, "/admin/audit?action=job_deleted") == job
    assert shown(admin_client, "/admin/audit?target=user:") == user
    assert shown(admin_client, "/admin/audit?actor=BOSS@example.com") == user + job
    assert shown(admin_client, f"/admin/audit?to={(T0 - timedelta(days=1)).date()}") == old
    assert shown(admin_client, f"/admin/audit?from={T0.date()}&to={T0.date()}") == user + job
    html = admin_client.get("/admin/audit?target=job:abc123").data.decode()
    assert 'href="/admin/jobs?q=abc123"' in html and "boss@example.com" in html


def test_bad_dates_are_explained(admin_client):
    response = admin_client.get("/admin/audit?from=someday")
    assert response.status_code == 400 and b"not a date" in response.data


def test_htmx_gets_the_table_alone(admin_client):
    add_entries(2)
    response = admin_client.get("/admin/audit", headers={"HX-Request": "true"})
    assert response.data.lstrip().startswith(b'<section id="admin-audit"')
