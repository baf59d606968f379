"""In Chromium against `codegen up`: an admin filters the job table and cancels a running job from it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis
from sqlalchemy import select

from app import db
from app.models import AuditEntry, Job
from app.services.jobs import submit_job
from app.settings import load_settings
from tests.helpers import require

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
EMAIL, PASSWORD = "root@example.com", "admin password 1"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=120)


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "codegen up exited early"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if json.load(response)["status"] == "healthy":
                    return
        except (urllib.error.URLError, ConnectionError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become healthy within {timeout_s}s")


def stop(process: subprocess.Popen) -> None:
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    finally:
        _gone, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()


def wait_for(predicate, timeout_s: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def playwright(request):
    """The session's Playwright when tests/browser/conftest.py provides one: Playwright's sync API cannot
    run two instances in one thread, so the browser tests must share it."""
    try:
        yield request.getfixturevalue("playwright_sync")
    except pytest.FixtureLookupError:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as own:
            yield own


@pytest.fixture
def admin_service(short_tmp, free_port):
    """`codegen up` on a fresh instance with an admin, and jobs slowed down enough to be caught running."""
    require(Path(CHROMIUM).exists() and shutil.which("chromium") is not None,
            "no Chromium: apt-get install chromium")
    instance = short_tmp / "inst"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY")}
    env.update(INSTANCE_PATH=str(instance), CODEGEN_PROVIDER="offline", CODEGEN_OFFLINE_PACE_MS="300")
    cli(env, "db", "upgrade")
    cli(env, "create-user", "--admin", "--email", EMAIL, "--password", PASSWORD)
    log = short_tmp / "up.log"
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "up", "--port", str(free_port), "--workers", "1"],
                               cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{free_port}"
    try:
        wait_healthy(f"{base}/health", process)
        settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
        db.configure(settings.database_url)
        connection = redis.Redis.from_url(settings.effective_redis_url)
        yield base, connection
        connection.close()
        db.get_engine().dispose()
    finally:
        stop(process)


def status_of(job_id: str) -> str:
    with db.Session() as session:
        return session.get(Job, job_id).status


def test_an_admin_filters_the_table_and_cancels_a_running_job(admin_service, playwright):
    from playwright.sync_api import expect

    base, connection = admin_service
    with db.Session() as session:
        finished_id = submit_job(session, connection, template_id="react-app", name="quick-app",
                                 options={"run_checks": False}).id
    wait_for(lambda: status_of(finished_id) == "completed", 60, "a first job to complete")

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page()
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

        # A job starts while the page is open; a worker cancels a job between steps, so catch it early.
        with db.Session() as session:
            running_id = submit_job(session, connection, template_id="fastapi-backend", name="slow-api").id
        wait_for(lambda: status_of(running_id) == "running", what="the job to start")

        # Filtering swaps the table in place and puts the filter in the address bar.
        page.select_option("select[name=status]", "running")
        page.wait_for_url("**/admin/jobs?status=running")
        expect(page.locator(f"#job-{finished_id}")).to_have_count(0)
        row = page.locator(f"#job-{running_id}")
        expect(row.locator(".badge")).to_have_text("running")
        expect(page.locator(".table-total")).to_contain_text("1 job matches these filters")

        # Live rows are refreshed by one poller; a ticked box survives the refresh.
        row.get_by_role("checkbox").check()
        with page.expect_response(lambda r: "/admin/jobs/live" in r.url):
            pass
        page.wait_for_timeout(100)  # let the swap settle
        expect(row.get_by_role("checkbox")).to_be_checked()

        # Cancel asks first, in a panel above the table.
        row.get_by_role("button", name="Cancel slow-api").click()
        panel = page.locator("#job-actions-confirm")
        expect(panel.get_by_role("heading")).to_have_text("Cancel 1 job?")
        assert status_of(running_id) == "running"
        panel.get_by_role("button", name="Yes, cancel 1 job").click()
        expect(page.locator("#admin-jobs .notice")).to_contain_text("Cancelled 1 job.")
        expect(panel).to_be_empty()

        # The row keeps being refreshed until the worker has stopped the job; then the polling stops.
        expect(page.locator(f"#job-{running_id} .badge")).to_have_text("cancelled", timeout=30_000)
        expect(page.locator("#live-rows")).not_to_have_attribute("hx-trigger", "every 2s")
        assert page.url.endswith("/admin/jobs?status=running")
    finally:
        browser.close()

    assert status_of(running_id) == "cancelled"
    with db.Session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job_cancelled"))
        assert entry.target == f"job:{running_id}" and entry.actor_email == EMAIL
    assert csp_errors == []
