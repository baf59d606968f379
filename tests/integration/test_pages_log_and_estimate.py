"""The job page's raw log download (its own and through a share link), its runs of one agent, and the estimate of
the time a running job has left, from recent completed jobs of the same project template and checks setting."""

from __future__ import annotations

from datetime import timedelta

from app import db
from app.models import Job, User, utcnow
from app.services.estimates import remaining_label, typical_duration, typical_duration_s
from app.services.sharing import create_share_link
from tests.integration.pages_support import emit, make_job, start_agents


def test_the_raw_log_downloads_as_plain_text(owner_client, client, user_id, redis_conn):
    job_id = make_job(user_id, name="todo api", status="running")
    start_agents(redis_conn, job_id)
    emit(redis_conn, job_id, "log", "info", "coder", 30, "line one\nline two")
    response = owner_client.get(f"/jobs/{job_id}/log.txt")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="todo_api-log.txt"'
    text = response.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0].endswith("  [job]  Job started") and "  [planner]  planner starts" in lines[1]
    assert "  [coder]  line one" in text and text.endswith("line two\n")
    # The page links to it.
    assert f'href="/jobs/{job_id}/log.txt"' in owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)

    with db.Session.begin() as session:
        token = create_share_link(session, session.get(Job, job_id), session.get(User, user_id))
    shared = client.get(f"/s/{token}/log.txt")
    assert shared.status_code == 200 and shared.get_data(as_text=True) == text
    assert shared.headers["Content-Disposition"].startswith("attachment;")
    assert f'href="/s/{token}/log.txt"' in client.get(f"/s/{token}").get_data(as_text=True)


def test_the_page_folds_the_log_into_runs_of_one_agent(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id)
    html = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<details class="log-run" id="log-run-1" data-agent="planner">' in html
    assert '<details class="log-run" id="log-run-3" data-agent="coder" open>' in html  # the working one
    assert '<select id="log-agent" data-log-agent>' in html and 'id="log-search"' in html


def add_done(template_id: str, seconds: float, status: str = "completed", ago_s: float = 0,
             run_checks: bool | None = None) -> None:
    """A finished job; `run_checks` None stores no such option, as jobs made before it existed (they ran checks)."""
    with db.Session.begin() as session:
        start = utcnow() - timedelta(seconds=ago_s + seconds + 10)
        job = Job(name="x", template_id=template_id, status=status, created_at=start, started_at=start,
                  finished_at=start + timedelta(seconds=seconds),
                  options={} if run_checks is None else {"run_checks": run_checks, "model": "m"})
        job.duration_ms = round(seconds * 1000)
        session.add(job)


def test_the_typical_duration_is_the_median_of_recent_completed_jobs_of_the_template(database):
    with db.Session() as session:
        assert typical_duration_s(session, "react-app") is None
    for seconds in (60, 120, 600):
        add_done("react-app", seconds)
    add_done("react-app", 5, status="failed")  # a failure says nothing of how long a run takes
    add_done("fastapi-backend", 9999)  # another template
    add_done("react-app", 30, ago_s=10_000)  # older than the recent ones
    with db.Session() as session:
        assert typical_duration_s(session, "react-app", recent=3) == 120
        assert typical_duration_s(session, "react-app", recent=4) == 90
    assert remaining_label(None, 10) == ""
    assert remaining_label(300, 70) == "about 4 min left"
    assert remaining_label(300, 290) == "about 1 min left"
    assert remaining_label(300, 301) == "taking longer than usual"


def test_a_running_job_says_about_how_long_it_has_left_only_with_history(owner_client, user_id, redis_conn):
    job_id = make_job(user_id, status="running", template_id="react-app", created_ago_s=121)
    start_agents(redis_conn, job_id)
    assert "min left" not in owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    for seconds in (600, 660, 720):
        add_done("react-app", seconds)
    html = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-estimate"' in html and "about 9 min left" in html and 'data-typical-s="660.0"' in html
    done_id = make_job(user_id, status="completed", template_id="react-app")
    assert "min left" not in owner_client.get(f"/jobs/{done_id}").get_data(as_text=True)


def test_the_typical_duration_counts_only_jobs_with_the_same_checks_setting(database):
    for seconds in (600, 700, 800):  # checks on: installs, tests and a build
        add_done("react-app", seconds, run_checks=True)
    add_done("react-app", 900)  # made before the option was stored: its checks ran
    for seconds in (20, 30, 40):  # checks off
        add_done("react-app", seconds, run_checks=False)
    with db.Session() as session:
        assert typical_duration_s(session, "react-app", True) == 750
        assert typical_duration_s(session, "react-app", False) == 30
        assert typical_duration(session, "react-app", False).seconds == 30
        on = typical_duration(session, "react-app", True)
        assert on.seconds == 750 and "this project template with checks on" in on.basis
        # No job of the template with that setting yet: jobs of any template with it, never the other setting.
        add_done("fastapi-backend", 5000, run_checks=True)
        assert typical_duration(session, "fastapi-backend", False).seconds == 30
        assert "checks off" in typical_duration(session, "fastapi-backend", False).basis
        assert typical_duration(session, "fastapi-backend", True).seconds == 5000
        assert typical_duration(session, "fullstack-app", True).seconds == 800  # 600..900 and 5000
    with db.Session.begin() as session:
        session.query(Job).filter(Job.options["run_checks"].as_boolean().is_(False)).delete()
    with db.Session() as session:
        assert typical_duration(session, "react-app", False) is None


def test_a_job_with_checks_off_is_estimated_from_jobs_with_checks_off(owner_client, user_id, redis_conn):
    for seconds in (600, 660, 720):
        add_done("react-app", seconds, run_checks=True)
    for seconds in (200, 240, 280):
        add_done("react-app", seconds, run_checks=False)
    quick = make_job(user_id, status="running", template_id="react-app", created_ago_s=61,
                     options={"run_checks": False})
    start_agents(redis_conn, quick)
    html = owner_client.get(f"/jobs/{quick}").get_data(as_text=True)
    assert 'data-typical-s="240.0"' in html and "about 3 min left" in html
    assert "of this project template with checks off" in html
    slow = make_job(user_id, status="running", template_id="react-app", created_ago_s=61,
                    options={"run_checks": True})
    start_agents(redis_conn, slow)
    html = owner_client.get(f"/jobs/{slow}").get_data(as_text=True)
    assert 'data-typical-s="660.0"' in html and "about 10 min left" in html


def test_an_agent_closing_with_its_last_line_again_does_not_show_it_twice(owner_client, user_id, redis_conn):
    """The Tester reports its result, then closes with the same words as its summary: one line says the result,
    the next that the Tester is done (the events stay two lines, so a reconnect still counts them right)."""
    job_id = make_job(user_id, status="running")
    start_agents(redis_conn, job_id, finished=("planner", "architect", "coder", "reviewer"), working="tester")
    emit(redis_conn, job_id, "test", "passed", "tester", 90, "python: 26 passed, 0 failed")
    emit(redis_conn, job_id, "agent", "completed", "tester", 95, "python: 26 passed, 0 failed")
    html = owner_client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert html.count("python: 26 passed, 0 failed</span>") == 1
    assert '<span class="log-message">Tester done</span>' in html
    text = owner_client.get(f"/jobs/{job_id}/log.txt").get_data(as_text=True)
    assert text.count("python: 26 passed, 0 failed") == 1 and text.rstrip().endswith("[tester]  Tester done")
