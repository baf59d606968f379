"""The job list (keyset pages, filters) and the job page: its sections, buttons, share link and error pages."""

import re

from sqlalchemy import select

from app import create_app, db
from app.models import AuditEntry
from tests.integration.pages_support import (
    HX,
    add_files,
    assert_fragment,
    assert_page,
    emit,
    get_job,
    make_job,
    set_job,
    start_agents,
)


def row_names(body: str) -> list[str]:
    return re.findall(r'<tr id="job-row-[0-9a-f]+"[^>]*>\s*<td><a href="/jobs/[0-9a-f]+">([^<]+)</a>', body)


def audit_actions() -> list[tuple[str, str]]:
    with db.Session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action != "login").order_by(AuditEntry.id))
        return [(e.action, e.target) for e in entries]


def test_my_jobs_newest_first_in_keyset_pages_with_load_more(owner_client, user_id, other_user_id):
    for number in range(25):
        make_job(user_id, name=f"job-{number:02}", created_ago_s=1000 - number)
    make_job(other_user_id, name="someone-elses")

    first = assert_page(owner_client.get("/jobs"))
    assert row_names(first) == [f"job-{n:02}" for n in range(24, 4, -1)]
    more = re.search(r'<tr id="load-more".*?hx-get="([^"]+)"', first, re.S)[1].replace("&amp;", "&")

    rest = assert_fragment(owner_client.get(more, headers=HX), "<tr id=\"job-row-")
    assert "<table" not in rest and row_names(rest) == [f"job-{n:02}" for n in range(4, -1, -1)]
    assert 'id="load-more"' not in rest
    assert "someone-elses" not in first + rest

    # The same URL opened directly is a whole page, starting after the cursor.
    page = assert_page(owner_client.get(more))
    assert row_names(page) == row_names(rest) and "Back to the newest jobs" in page


def test_filters_by_status_and_template_replace_the_list(owner_client, user_id):
    make_job(user_id, name="done-api", status="completed")
    make_job(user_id, name="broken-api", status="failed")
    make_job(user_id, name="broken-app", status="failed", template_id="react-app")

    body = assert_fragment(owner_client.get("/jobs?status=failed", headers=HX), '<section id="job-list"')
    assert sorted(row_names(body)) == ["broken-api", "broken-app"]
    body = owner_client.get("/jobs?status=failed&template=react-app").get_data(as_text=True)
    assert row_names(body) == ["broken-app"]
    assert '<option value="failed" selected>' in body and '<option value="react-app" selected>' in body
    body = owner_client.get("/jobs?status=running").get_data(as_text=True)
    assert row_names(body) == [] and "No job matches these filters" in body
    # Nonsense filters are ignored rather than failing.
    assert len(row_names(owner_client.get("/jobs?status=nope&template=x&cursor=@@").get_data(as_text=True))) == 3


def test_team_jobs_are_listed_for_members(owner_client, other_client, user_id, other_user_id, make_team):
    team = make_team("platform", user_id, other_user_id)
    make_job(other_user_id, name="team-job", team_id=team)
    make_job(other_user_id, name="private-job")
    make_job(user_id, name="own-job", team_id=team)
    body = owner_client.get("/jobs").get_data(as_text=True)
    assert row_names(body) == ["own-job", "team-job"]
    # A teammate's job says whose it is; one's own does not.
    assert body.count('class="owner"') == 1 and '<span class="owner">by other@example.com</span>' in body


def test_a_finished_job_page_shows_its_whole_history(owner_client, completed_job_id):
    body = assert_page(owner_client.get(f"/jobs/{completed_job_id}"))
    for section in ("job-status", "job-actions", "job-timeline", "job-log", "job-files", "job-results", "job-usage"):
        assert f'id="{section}"' in body
    assert "ws-connect" not in body  # nothing more will happen: no socket
    assert '<span class="badge completed">completed</span>' in body
    # The checks were off: the tester ran none, so it says "skipped", not a green "done".
    assert re.findall(r'<li class="(\w+)" data-agent="(\w+)"', body) == [
        *[("done", a) for a in ("planner", "architect", "coder", "reviewer")], ("skipped", "tester")]
    assert f'href="/jobs/{completed_job_id}/download"' in body
    assert f'href="/jobs/{completed_job_id}/files/app/main.py"' in body
    assert "Job completed" in body and body.count('class="log-line') > 20
    assert "checks are turned off for this run" in body  # the tester's skipped check
    assert 'aria-live="polite"' in body and "Job completed." in body
    assert "Create share link" in body and "Cancel job" not in body


def test_a_running_job_page_connects_its_socket(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    emit(redis_conn, job_id, "file", "written", "coder", 30, "app/main.py", path="app/main.py", size=120)

    body = assert_page(owner_client.get(f"/jobs/{job_id}"))
    assert f'hx-ext="ws" ws-connect="/ws/jobs/{job_id}"' in body
    assert re.findall(r'<li class="(\w+)" data-agent="(\w+)"', body) == [
        ("done", "planner"), ("done", "architect"), ("working", "coder"), ("waiting", "reviewer"),
        ("waiting", "tester")]
    assert "Coder is working" in body and 'value="30"' in body
    assert "<span>main.py</span>" in body and "/files/app/main.py" not in body  # listed, not yet stored
    assert "Cancel job" in body and "Download zip" not in body


def test_a_failed_job_shows_the_reason_the_failing_output_and_retry(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id, ("planner", "architect", "coder", "reviewer"), working="tester")
    emit(redis_conn, job_id, "review", "warning", "reviewer", 68, "app/x.py: unused import", path="app/x.py",
         severity="warning", message="unused import", source="static")
    emit(redis_conn, job_id, "test", "failed", "tester", 90, "python: 3 passed, 1 failed", name="python",
         passed=3, failed=1, ok=False, skipped=None, output="FAILED tests/test_x.py::test_y - assert 1 == 2")
    emit(redis_conn, job_id, "agent", "failed", "tester", 95, "python: 3 passed, 1 failed")
    set_job(job_id, status="failed", error="the project's checks failed: python failed")
    emit(redis_conn, job_id, "done", "failed", text="the project's checks failed: python failed")

    body = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Failed:</strong> the project&#39;s checks failed" in body
    assert "<details open>" in body and "FAILED tests/test_x.py::test_y - assert 1 == 2" in body
    assert "3 passed, 1 failed" in body and "unused import" in body
    assert 'data-agent="tester"' in body and '<li class="failed" data-agent="tester"' in body
    assert "Retry" in body and "Cancel job" not in body


def test_cancel_a_queued_job_with_htmx(owner_client, user_id, redis_conn):
    job_id = make_job(user_id)
    body = assert_fragment(owner_client.post(f"/jobs/{job_id}/cancel", headers=HX), '<div id="job-actions"')
    assert "Cancelled." in body and "Cancel job" not in body and "Retry" in body
    assert get_job(job_id).status == "cancelled"
    assert audit_actions() == [("job_cancelled", f"job:{job_id}")]


def test_cancel_a_running_job_asks_the_worker_and_a_plain_form_redirects(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    response = owner_client.post(f"/jobs/{job_id}/cancel")
    assert response.status_code == 303 and response.location == f"/jobs/{job_id}"
    assert redis_conn.exists(f"codegen:job:{job_id}:cancel")
    assert "Cancel requested" in owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_cancelling_a_finished_job_says_so(owner_client, user_id):
    job_id = make_job(user_id, status="completed")
    body = owner_client.post(f"/jobs/{job_id}/cancel", headers=HX).get_data(as_text=True)
    assert "already completed" in body and audit_actions() == []


def test_retry_starts_a_new_job_and_htmx_goes_there(owner_client, user_id):
    job_id = make_job(user_id, status="failed", spec={"entities": [], "features": ["tests"]},
                      options={"run_checks": False})
    response = owner_client.post(f"/jobs/{job_id}/retry", headers=HX)
    assert response.status_code == 201
    new_id = response.headers["HX-Redirect"].rsplit("/", 1)[1]
    new = get_job(new_id)
    assert (new.status, new.name, new.options, new.owner_id) == ("queued", "todo-api", {"run_checks": False}, user_id)
    assert audit_actions() == [("job_retried", f"job:{job_id}")]
    # A completed job is improved, not retried.
    done_id = make_job(user_id, status="completed")
    response = owner_client.post(f"/jobs/{done_id}/retry")
    assert response.status_code == 303 and response.location == f"/jobs/{done_id}"


def test_the_owner_creates_and_revokes_a_share_link(owner_client, client, user_id, completed_job_id):
    body = assert_fragment(owner_client.post(f"/jobs/{completed_job_id}/share", headers=HX),
                           '<section id="job-share"')
    token = get_job(completed_job_id).share_token
    assert len(token) >= 43 and f"http://localhost/s/{token}" in body and "Revoke link" in body
    again = owner_client.post(f"/jobs/{completed_job_id}/share", headers=HX).get_data(as_text=True)
    assert token in again  # creating twice keeps the one link

    response = client.get(f"/s/{token}")
    assert response.status_code == 200
    shared = response.get_data(as_text=True)
    assert "A shared, read-only view of this job." in shared and f"/s/{token}/download" in shared
    assert "Create share link" not in shared and "Cancel job" not in shared and "My jobs</a></li>" not in shared

    response = owner_client.post(f"/jobs/{completed_job_id}/share/revoke")
    assert response.status_code == 303
    assert get_job(completed_job_id).share_token is None
    assert client.get(f"/s/{token}").status_code == 404
    assert audit_actions() == [("share_link_created", f"job:{completed_job_id}"),
                               ("share_link_revoked", f"job:{completed_job_id}")]


def test_error_pages_wear_the_site_look(owner_client, other_client, user_id, settings, redis_conn):
    job_id = make_job(user_id)
    missing = owner_client.get("/jobs/0123456789abcdef0123456789abcdef")
    other = other_client.get(f"/jobs/{job_id}")
    for response in (missing, other):
        body = assert_page_like_error(response, 404, "Not found")
        assert job_id not in body
    assert_page_like_error(other_client.post(f"/jobs/{job_id}/cancel"), 404, "Not found")

    app = create_app({"TESTING": False, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, settings=settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    body = assert_page_like_error(app.test_client().get("/boom"), 500, "Something went wrong")
    assert "secret detail" not in body and "Traceback" not in body


def test_a_team_member_may_not_cancel_and_sees_403_in_the_site_look(user_id, other_user_id, other_client,
                                                                     make_team):
    job_id = make_job(user_id, team_id=make_team("platform", user_id, other_user_id))
    assert_page_like_error(other_client.post(f"/jobs/{job_id}/cancel"), 403, "Not allowed")
    assert get_job(job_id).status == "queued"


def assert_page_like_error(response, status: int, title: str) -> str:
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in body and 'site-header' in body and "Codegen Studio" in body
    return body


def test_files_of_a_finished_job_link_to_their_view(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="completed")
    emit(redis_conn, job_id, "done", "completed", text="Job completed")
    add_files(job_id, {"app/main.py": b"print('hi')\n", "README.md": b"# hi\n"})
    body = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'hx-get="/jobs/{job_id}/files/app/main.py" hx-target="#file-view"' in body
    assert 'summary>app/</summary>' in body



def test_retry_respects_the_cap_on_jobs_queued_or_running(owner_client, user_id):
    failed_id = make_job(user_id, status="failed", options={"run_checks": False})
    for _ in range(5):
        make_job(user_id, status="queued")

    response = owner_client.post(f"/jobs/{failed_id}/retry")

    assert response.status_code == 303 and response.location == f"/jobs/{failed_id}"
    assert "5 jobs are already queued or running" in owner_client.get(f"/jobs/{failed_id}").get_data(as_text=True)
    assert audit_actions() == []
