"""Cancel, retry and delete from /admin/jobs: one job or many, always confirmed first, each one audited."""

from __future__ import annotations

import pytest
from rq.job import Job as RQJob
from sqlalchemy import func, select

from app import db
from app.models import AuditEntry, Job, JobEvent, JobFile
from app.services.events import stream_key
from app.services.jobs import cancel_key
from tests.integration.admin_support import add_job, row_ids
from tests.jobs_support import queue_job

ACTIONS = "/admin/jobs/actions"


def jobs_in(**states) -> dict[str, str]:
    """One job per keyword, named after it, in the state given: {'done': 'completed', ...} → {'done': id}."""
    with db.Session.begin() as session:
        return {name: add_job(session, name=name, status=status).id for name, status in states.items()}


def status_of(job_id: str) -> str | None:
    with db.Session() as session:
        job = session.get(Job, job_id)
        return job.status if job else None


def audit_entries(action: str) -> list[AuditEntry]:
    with db.Session() as session:
        return session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_an_action_is_confirmed_before_anything_changes(admin_client):
    ids = jobs_in(busy="running", done="completed")
    response = admin_client.post(ACTIONS, data={"action": "cancel", "ids": [ids["busy"], ids["done"]]})
    assert response.status_code == 200
    html = response.data.decode()
    assert "Cancel 1 job?" in html and "Left alone (already finished)" in html
    assert 'name="confirmed" value="1"' in html
    # Only the job the action applies to is carried into the confirmation form.
    form = html.split('name="confirmed"')[1]
    assert ids["busy"] in form and ids["done"] not in form
    assert status_of(ids["busy"]) == "running" and audit_entries("job_cancelled") == []


def test_htmx_gets_the_confirmation_as_a_panel(admin_client):
    ids = jobs_in(old="failed")
    response = admin_client.post(ACTIONS, data={"action": "delete", "ids": ids["old"], "back": "/admin/jobs"},
                                 headers={"HX-Request": "true"})
    assert response.data.lstrip().startswith(b'<section id="job-actions-confirm"')
    assert b"Delete 1 job?" in response.data and b"for good" in response.data


def test_nothing_selected_says_so(admin_client):
    response = admin_client.post(ACTIONS, data={"action": "delete"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"Select at least one job" in response.data


def test_an_unknown_action_is_refused(admin_client):
    assert admin_client.post(ACTIONS, data={"action": "explode", "ids": "x"}).status_code == 400


def test_bulk_cancel_stops_queued_jobs_and_asks_running_ones_to_stop(admin_client, admin_id, redis_conn):
    with db.Session() as session:
        queued = queue_job(session, redis_conn, template_id="react-app", name="waiting").id
    ids = jobs_in(busy="running", done="completed")

    response = admin_client.post(ACTIONS, data={"action": "cancel", "confirmed": "1",
                                                "ids": [queued, ids["busy"], ids["done"]],
                                                "back": "/admin/jobs?status=running"})

    assert response.status_code == 303 and response.headers["Location"] == "/admin/jobs?status=running"
    assert status_of(queued) == "cancelled"
    assert RQJob.fetch(queued, connection=redis_conn).get_status() == "canceled"
    assert status_of(ids["busy"]) == "running" and redis_conn.exists(cancel_key(ids["busy"]))
    assert status_of(ids["done"]) == "completed"
    entries = audit_entries("job_cancelled")
    assert [e.target for e in entries] == [f"job:{queued}", f"job:{ids['busy']}"]
    assert all(e.actor_id == admin_id and e.actor_email == "admin@example.com" for e in entries)
    assert entries[0].details["status_before"] == "queued" and entries[0].details["selected"] == 3
    page = admin_client.get("/admin/jobs").data.decode()
    assert "Cancelled 2 jobs. Running jobs stop at their next step. Skipped 1: done (already finished)." in page


def test_bulk_retry_submits_new_jobs_for_failed_and_cancelled_ones(admin_client, redis_conn):
    ids = jobs_in(broken="failed", stopped="cancelled", fine="completed")
    admin_client.post(ACTIONS, data={"action": "retry", "confirmed": "1", "ids": list(ids.values())})

    entries = audit_entries("job_retried")
    assert [e.target for e in entries] == [f"job:{ids['broken']}", f"job:{ids['stopped']}"]
    with db.Session() as session:
        for entry in entries:
            new = session.get(Job, entry.details["new_job_id"])
            assert new.status == "queued" and new.name in ("broken", "stopped")
            assert RQJob.fetch(new.id, connection=redis_conn).get_status() == "queued"
        assert session.scalar(select(func.count()).select_from(Job)) == 5
    assert status_of(ids["broken"]) == "failed"  # the original keeps its history


def test_bulk_delete_removes_finished_jobs_with_their_events_and_files(admin_client, completed_job_id, redis_conn):
    ids = jobs_in(busy="running")
    assert redis_conn.exists(stream_key(completed_job_id))

    response = admin_client.post(ACTIONS, data={"action": "delete", "confirmed": "1",
                                                "ids": [completed_job_id, ids["busy"]]})

    assert response.status_code == 303
    assert status_of(completed_job_id) is None and status_of(ids["busy"]) == "running"
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(JobEvent)
                              .where(JobEvent.job_id == completed_job_id)) == 0
        assert session.scalar(select(func.count()).select_from(JobFile)
                              .where(JobFile.job_id == completed_job_id)) == 0
    assert not redis_conn.exists(stream_key(completed_job_id))
    (entry,) = audit_entries("job_deleted")
    assert entry.target == f"job:{completed_job_id}" and entry.details["name"] == "todo-api"
    assert "still queued or running" in admin_client.get("/admin/jobs").data.decode()


def test_htmx_confirmation_answers_with_the_refreshed_table_and_closes_the_panel(admin_client):
    ids = jobs_in(a="failed", b="failed", keep="completed")
    response = admin_client.post(ACTIONS, headers={"HX-Request": "true"},
                                 data={"action": "delete", "confirmed": "1", "ids": [ids["a"], ids["b"]],
                                       "back": "/admin/jobs?status=failed"})
    html = response.data.decode()
    assert html.lstrip().startswith('<section id="admin-jobs"')
    assert "Deleted 2 jobs." in html
    assert '<div id="job-actions-confirm" hx-swap-oob="true"></div>' in html
    assert row_ids(response.data) == []  # the list it came from (failed jobs) is now empty
    assert status_of(ids["keep"]) == "completed"


def test_the_way_back_never_leaves_the_job_list(admin_client):
    for back in ("https://evil.example/admin/jobs", "//evil.example/admin/jobs", "/admin/users", "javascript:x"):
        ids = jobs_in(old="failed")
        response = admin_client.post(ACTIONS, data={"action": "delete", "confirmed": "1", "ids": ids["old"],
                                                    "back": back})
        assert response.headers["Location"] == "/admin/jobs"


@pytest.mark.parametrize("action", ["cancel", "retry", "delete"])
def test_every_action_needs_an_admin(other_client, action):
    ids = jobs_in(x="failed")
    response = other_client.post(ACTIONS, data={"action": action, "confirmed": "1", "ids": ids["x"]})
    assert response.status_code == 403 and status_of(ids["x"]) == "failed"
