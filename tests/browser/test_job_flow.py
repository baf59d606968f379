"""A person in a real browser: gallery → form → a job watched live to `completed` → a file → the zip; inline
errors; and a WebSocket cut mid-job that reconnects with no lost and no doubled log line."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.helpers import DEADLINE_S

pytestmark = pytest.mark.browser
JOB_URL = re.compile(r"/jobs/([0-9a-f]{32})$")
# A paced offline job takes about six seconds on an idle machine; this bounds every wait for one on a busy machine.
JOB_TIMEOUT_MS = int(DEADLINE_S * 1000)


def log_ids(page) -> list[str]:
    return page.locator("#job-log-lines .log-line").evaluate_all("lines => lines.map(line => line.dataset.eventId)")


def count_navigations(page) -> list[str]:
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    return navigations


def submit_quick_job(page, name: str, template: str = "fastapi-backend") -> str:
    page.goto(f"/jobs/new?template={template}")
    page.fill("#name", name)
    page.uncheck("#run_checks")
    page.get_by_role("button", name="Create the project").click()
    page.wait_for_url(JOB_URL)
    return JOB_URL.search(page.url)[1]


def test_from_the_gallery_to_a_downloaded_project(page, service, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", name="What will you build?")).to_be_visible()
    screenshot(page, "gallery")
    card = page.locator("article", has=page.get_by_role("heading", name="FastAPI Backend"))
    card.get_by_role("link", name="Start with this template").click()

    expect(page).to_have_url(re.compile(r"/jobs/new\?template=fastapi-backend$"))
    expect(page.get_by_label("Project template")).to_have_value("fastapi-backend")
    page.get_by_label("Project name").fill("bookshelf")
    page.get_by_label("Description").fill("The books I own, and how long each one is.")
    entity = page.locator(".entity-block").first
    entity.get_by_label("Entity name").fill("Book")
    rows = entity.locator(".field-row")
    rows.nth(0).get_by_label("Field name").fill("title")
    for _ in range(2):  # two more rows, added by HTMX without a reload
        entity.get_by_role("button", name="+ Add a field").click()
    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_label("Field name")).to_be_focused()
    rows.nth(1).get_by_label("Field name").fill("pages")
    rows.nth(1).get_by_label("Type").select_option("int")
    rows.nth(2).get_by_role("button", name="Remove field", exact=False).click()
    expect(rows).to_have_count(2)
    page.get_by_label("docker").check()
    page.get_by_label("Run the project's own tests and build").uncheck()  # keeps the test quick and offline
    screenshot(page, "form")

    navigations = count_navigations(page)
    page.get_by_role("button", name="Create the project").click()
    page.wait_for_url(JOB_URL)
    job_url, arrived = page.url, len(navigations)

    # The agents work while we watch: someone is working, then all five are done, without a reload.
    expect(page.locator("#job-timeline li.working")).to_have_count(1, timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-status .badge.completed")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-timeline li.done")).to_have_count(4)  # the checks were off: the tester is skipped
    expect(page.locator('#job-timeline li.skipped[data-agent="tester"]')).to_have_count(1)
    expect(page.locator("#job-status progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-announce")).to_have_text("Job completed.")
    assert len(navigations) == arrived and page.url == job_url, navigations
    job_id = JOB_URL.search(job_url)[1]
    assert log_ids(page) == service.events_of(job_id)
    # Watched to its end, the page loads its finished form once (files, the improve form) and stops there.
    expect(page.locator("#job-page")).not_to_have_attribute("ws-connect", re.compile(".*"))
    page.locator("#job-files").get_by_role("link", name="models.py").wait_for()
    screenshot(page, "job")

    page.locator("#job-files").get_by_role("link", name="models.py").click()
    viewer = page.locator("#file-view")
    expect(viewer.get_by_role("heading")).to_have_text("app/models.py")
    expect(viewer.locator(".source .linenos").first).to_be_visible()
    expect(viewer.locator(".source")).to_contain_text("class Book")
    expect(viewer.locator(".source")).to_contain_text("pages")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download zip").click()
    download = download_info.value
    assert download.suggested_filename == "bookshelf.zip"
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert {"bookshelf/app/main.py", "bookshelf/app/models.py", "bookshelf/Dockerfile"} <= set(names)
    assert "class Book" in archive.read("bookshelf/app/models.py").decode()
    assert "The books I own" in archive.read("bookshelf/README.md").decode()


def test_a_validation_error_shows_inline_and_keeps_what_was_typed(page):
    page.goto("/jobs/new?template=react-app")
    navigations = count_navigations(page)
    page.get_by_label("Project name").fill("my/app!")
    page.get_by_label("Description").fill("Keep this text.")
    entity = page.locator(".entity-block").first
    entity.get_by_label("Entity name").fill("日本")  # no Latin letter to build identifiers from
    entity.get_by_label("Field name").fill("name")
    page.get_by_label("Project name").press("Enter")  # Enter submits, through HTMX

    expect(page.locator("#name-error")).to_contain_text("Project name may use only letters")
    expect(page.get_by_label("Project name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".entity-block .field-error").first).to_contain_text("needs a Latin letter")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Project name")).to_have_value("my/app!")
    expect(page.get_by_label("Description")).to_have_value("Keep this text.")
    expect(page.locator(".entity-block").first.get_by_label("Field name")).to_have_value("name")
    assert navigations == [] and page.url.endswith("/jobs/new?template=react-app")

    # Fixing the mistakes and submitting again starts the job.
    page.get_by_label("Project name").fill("my-app")
    page.locator(".entity-block").first.get_by_label("Entity name").fill("Note")
    page.get_by_label("Run the project's own tests and build").uncheck()
    page.get_by_role("button", name="Create the project").click()
    page.wait_for_url(JOB_URL)
    expect(page.locator("#job-status .badge.completed")).to_be_visible(timeout=JOB_TIMEOUT_MS)


def test_a_dropped_socket_reconnects_with_no_lost_or_doubled_line(signed_in, service, proxy):
    """The TCP connection under the socket is reset mid-job (a network failure, not a polite close)."""
    page = signed_in(f"http://127.0.0.1:{proxy.port}")
    frames: list[list[str]] = []  # what each socket the page opened received, in order

    def on_socket(ws) -> None:
        received: list[str] = []
        frames.append(received)
        ws.on("framereceived", lambda payload: received.append(payload))

    page.on("websocket", on_socket)
    job_id = submit_quick_job(page, "reconnect-me")
    page.locator("#job-log-lines .log-line").nth(5).wait_for(state="attached", timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-status .badge.running")).to_be_visible()
    before = log_ids(page)

    with page.expect_event("websocket"):  # htmx-ext-ws retries within a second
        assert proxy.drop_websockets() == 1
    assert len(frames) == 2, "the page did not reconnect"

    expect(page.locator("#job-status .badge.completed")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    after = log_ids(page)
    assert after == service.events_of(job_id)  # every line, once, in order
    assert len(after) == len(set(after)) and after[:len(before)] == before and len(after) > len(before)
    # The second socket began with the whole state and then followed the job live.
    assert 'id="job-log"' in frames[1][0]
    assert any('hx-swap-oob="beforeend"' in frame for frame in frames[1][1:])
