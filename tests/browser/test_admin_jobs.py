"""In Chromium against `codegen up`: an admin filters the job table and cancels a running job from it."""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
import redis
from playwright.sync_api import expect
from rq import Worker
from sqlalchemy import select

from app import db
from app.models import AuditEntry, Job
from app.settings import load_settings
from tests.helpers import DEADLINE_S, CodegenUp, wait_until
from tests.jobs_support import queue_job

EMAIL, PASSWORD = "root@example.com", "admin password 1"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def admin_service(short_tmp, free_port, playwright_sync) -> Iterator[tuple[str, Path, redis.Redis]]:
    """`codegen up` on a fresh instance with an admin, and jobs paced so that each step takes a moment."""
    instance = short_tmp / "inst"
    up = CodegenUp(instance, free_port, short_tmp / "up.log", CODEGEN_OFFLINE_PACE_MS="300")
    up.cli("db", "upgrade")
    up.cli("create-user", "--admin", "--email", EMAIL, "--password", PASSWORD)
    up.start()
    try:
        up.wait_healthy()
        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        connection = redis.Redis.from_url(settings.effective_redis_url)
        yield up.url, instance / "codegen.db", connection
        connection.close()
        db.get_engine().dispose()
    finally:
        up.stop()


def job_of(job_id: str) -> Job:
    with db.Session() as session:
        return session.get(Job, job_id)


def status_of(job_id: str) -> str:
    return job_of(job_id).status


def holds_no_write_lock(database: Path) -> bool:
    """True when no other connection is writing to the SQLite database (taking the write lock succeeds)."""
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


@contextmanager
def paused(job_id: str, connection: redis.Redis, database: Path) -> Iterator[None]:
    """Freeze the process running the job (SIGSTOP), as an overloaded machine might, and let it go on leaving.

    It is frozen only where that proves harmless: between two steps of its pipeline that are still followed by a
    cancel check (the tester has not finished, so progress is below 95), and holding no database write lock (the
    web process must still record the admin's action). Otherwise it is let go and caught again a moment later."""
    def pause() -> psutil.Process | None:
        status = status_of(job_id)
        assert status in ("queued", "running"), f"the job ended {status} before it could be paused"
        (worker,) = Worker.all(connection=connection)
        horses = psutil.Process(worker.pid).children()  # RQ forks one work horse per job, in its own group
        if not horses:
            return None
        horse = horses[0]
        os.killpg(horse.pid, signal.SIGSTOP)
        wait_until(horse.status, DEADLINE_S, "the job's process to stop", until=lambda s: s == psutil.STATUS_STOPPED)
        job = job_of(job_id)
        if job.status == "running" and job.progress < 95 and holds_no_write_lock(database):
            return horse
        os.killpg(horse.pid, signal.SIGCONT)
        return None

    horse = wait_until(pause, DEADLINE_S, "the running job to be paused between two steps", interval=0.1)
    try:
        yield
    finally:
        os.killpg(horse.pid, signal.SIGCONT)


def test_an_admin_filters_the_table_and_cancels_a_running_job(admin_service, browser):
    base, database, connection = admin_service
    with db.Session() as session:
        finished_id = queue_job(session, connection, template_id="react-app", name="quick-app",
                                options={"run_checks": False}).id
    wait_until(lambda: status_of(finished_id), DEADLINE_S, "a first job to complete",
               until=lambda status: status == "completed")

    context = browser.new_context()
    page = context.new_page()
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(f"{base}/login?next=/admin/jobs")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base}/admin/jobs")
        expect(page.locator(f"#job-{finished_id} .badge")).to_have_text("completed")

        # A job starts while the page is open. It would finish in seconds, racing the admin's clicks, so it is
        # held between two of its steps until the admin has asked to cancel it; then it stops at the next one.
        with db.Session() as session:
            running_id = queue_job(session, connection, template_id="fastapi-backend", name="slow-api").id
        with paused(running_id, connection, database):
            # Filtering swaps the table in place and puts the filter in the address bar.
            page.select_option("select[name=status]", "running")
            page.wait_for_url("**/admin/jobs?status=running")
            expect(page.locator(f"#job-{finished_id}")).to_have_count(0)
            row = page.locator(f"#job-{running_id}")
            expect(row.locator(".badge")).to_have_text("running")
            expect(page.locator(".table-total")).to_contain_text("1 job matches these filters")

            # Live rows are refreshed by one poller; a ticked box survives the refresh (the row is replaced).
            row.get_by_role("checkbox").check()
            shown = row.element_handle()
            page.wait_for_function("row => !row.isConnected", arg=shown)
            expect(row.get_by_role("checkbox")).to_be_checked()

            # Cancel asks first, in a panel above the table.
            row.get_by_role("button", name="Cancel slow-api").click()
            panel = page.locator("#job-actions-confirm")
            expect(panel.get_by_role("heading")).to_have_text("Cancel 1 job?")
            assert status_of(running_id) == "running"
            panel.get_by_role("button", name="Yes, cancel 1 job").click()
            expect(page.locator("#admin-jobs .notice")).to_contain_text("Cancelled 1 job.")
            expect(panel).to_be_empty()

        # The row keeps being refreshed until the worker has stopped the job; then no row is live any more (the
        # poller of the first, newest-first page goes on only to add new jobs at the top).
        expect(page.locator(f"#job-{running_id} .badge")).to_have_text("cancelled")
        expect(page.locator("#admin-jobs input[name=live]")).to_have_count(0)
        assert page.url.endswith("/admin/jobs?status=running")
    finally:
        context.close()

    assert status_of(running_id) == "cancelled"
    with db.Session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job_cancelled"))
        assert entry.target == f"job:{running_id}" and entry.actor_email == EMAIL
    assert csp_errors == []


@pytest.mark.parametrize("admin_page", ["desktop", "phone"], indirect=True)
def test_a_new_job_appears_at_the_top_of_the_admin_table_without_a_reload(admin_page, page):
    from tests.browser.conftest import check_accessibility
    from tests.browser.test_job_flow import submit_quick_job

    admin = admin_page
    admin.goto("/admin/jobs")
    admin.evaluate("() => { window.notReloaded = true; }")
    before = admin.locator("#admin-jobs-rows > tr.job-row").count()
    job_id = submit_quick_job(page, f"brand-new-{admin.device}")  # another person starts a job meanwhile

    first = admin.locator("#admin-jobs-rows > tr").first
    expect(first).to_have_id(f"job-{job_id}")
    expect(first).to_contain_text(f"brand-new-{admin.device}")
    assert admin.evaluate("() => window.notReloaded === true")
    # It is live like the others: its status follows the job to the end, and it is added once only.
    expect(first.locator(".badge")).to_have_text("completed", timeout=DEADLINE_S * 1000)
    assert admin.locator(f"#job-{job_id}").count() == 1
    assert admin.locator("#admin-jobs-rows > tr.job-row").count() == before + 1
    check_accessibility(admin, "the admin job table with a new row")

    # A later page or another order does not gain rows it would not hold.
    admin.goto("/admin/jobs?sort=cost")
    expect(admin.locator("#live-newest")).to_have_count(0)
