"""In Chromium: the job page's log folds into runs of one agent, filters by agent, searches, downloads raw; a
running job says about how long it has left; a share link's page replays the log and offers it raw too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS, check_accessibility, sign_in, watch_errors
from tests.browser.test_job_flow import JOB_TIMEOUT_MS, log_ids, submit_quick_job
from tests.browser.test_job_page import replay_at_20x_shows_every_line, wait_completed

pytestmark = pytest.mark.browser


def test_the_log_folds_by_agent_filters_searches_and_downloads(device_page, service):
    page = device_page
    job_id = submit_quick_job(page, f"folding-{page.device}")
    runs = page.locator("#job-log-lines > details.log-run")
    # While it runs, the working agent's run is open and the runs before it fold.
    expect(page.locator("#job-log-lines > details.log-run[data-agent=architect]")).to_have_count(1,
                                                                                           timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-log-lines > details.log-run[data-agent=planner]")).not_to_have_attribute("open", "")
    expect(runs.last).to_have_attribute("open", "")
    wait_completed(page)
    page.reload()
    assert log_ids(page) == service.events_of(job_id)  # every line once, in order, across the runs
    agents = runs.evaluate_all("runs => runs.map(run => run.dataset.agent)")
    assert {"planner", "architect", "coder", "reviewer"} <= set(agents)
    planner = runs.filter(has=page.locator("summary", has_text="Planner")).first
    expect(planner.locator(".log-line").first).to_be_hidden()
    planner.locator("summary").click()  # a run opens with a click
    expect(planner.locator(".log-line").first).to_be_visible()

    # Filter by agent: only the coder's runs stay.
    page.get_by_label("Lines of").select_option("coder")
    expect(page.locator("#job-log-lines > details.log-run:visible")).not_to_have_count(0)
    assert set(page.locator("#job-log-lines > details.log-run:visible").evaluate_all(
        "runs => runs.map(run => run.dataset.agent)")) == {"coder"}
    expect(page.locator("#log-filter-status")).to_have_text(re.compile(r"^\d+ lines? of \d+ shown\.$"))

    # Search: the lines that contain the text, in any agent, their runs opened.
    page.get_by_label("Lines of").select_option("")
    page.get_by_label("Search the log").fill("README")
    shown = page.locator("#job-log-lines .log-line:visible")
    expect(shown.first).to_be_visible()
    for text in shown.all_inner_texts():
        assert "readme" in text.lower()
    page.get_by_label("Search the log").fill("no line says this")
    expect(page.locator("#log-filter-status")).to_have_text(re.compile(r"^0 lines of \d+ shown\.$"))
    page.get_by_label("Search the log").fill("")
    expect(page.locator("#log-filter-status")).to_have_text("")
    check_accessibility(page, "a finished job's folded log")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the raw log").click()
    download = info.value
    assert download.suggested_filename == f"folding-{page.device}-log.txt"
    text = open(download.path(), encoding="utf-8").read()
    assert "[planner]" in text and "[coder]" in text and len(text.splitlines()) == len(service.events_of(job_id))


def test_a_running_job_says_about_how_long_it_has_left(device_page):
    page = device_page
    submit_quick_job(page, f"history-{page.device}")  # one completed job of the template makes a history
    wait_completed(page)
    submit_quick_job(page, f"estimated-{page.device}")
    estimate = page.locator("#job-estimate")
    expect(estimate).to_have_text(re.compile(r"^(about \d+ min left|taking longer than usual)$"),
                                  timeout=JOB_TIMEOUT_MS)
    check_accessibility(page, "a running job with an estimate")
    wait_completed(page)
    expect(estimate).to_have_count(0)


def test_a_share_link_replays_the_log_and_offers_it_raw(device_page, browser, service):
    page = device_page
    job_id = submit_quick_job(page, f"shared-replay-{page.device}")
    wait_completed(page)
    page.get_by_role("button", name="Create share link").click()
    link = page.locator("#share-link").input_value()
    assert "/s/" in link

    context = browser.new_context(viewport=page.viewport_size, accept_downloads=True)  # someone without an account
    try:
        shared = context.new_page()
        shared.goto(link)
        expect(shared.locator(".shared-note")).to_be_visible()
        assert replay_at_20x_shows_every_line(shared) == len(service.events_of(job_id))
        check_accessibility(shared, "a shared job page")
        with shared.expect_download() as info:
            shared.get_by_role("link", name="Download the raw log").click()
        assert info.value.suggested_filename == f"shared-replay-{page.device}-log.txt"
    finally:
        context.close()


def set_run_open(run, want_open: bool) -> None:
    """Open or close a run of the log the way a person does: a click on its summary, only when it differs."""
    if (run.get_attribute("open") is not None) != want_open:
        run.locator("summary").click()
    expect(run).to_have_attribute("open", "") if want_open else expect(run).not_to_have_attribute("open", "")


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_runs_a_person_opened_or_closed_stay_so_across_a_reconnect(browser, service, proxy, size):
    """The socket's first message after a reconnect replaces the whole log, and the finished page replaces it again:
    the runs the reader folded or unfolded keep their state through both."""
    context, page = sign_in(browser, f"http://127.0.0.1:{proxy.port}", VIEWPORTS[size])
    try:
        errors = watch_errors(page)
        submit_quick_job(page, f"kept-folds-{size}", template="fullstack-app")  # many files: a long Coder run
        coder = page.locator("#job-log-lines > details.log-run[data-agent=coder]").first
        coder.wait_for(state="attached", timeout=JOB_TIMEOUT_MS)
        planner = page.locator("#job-log-lines > details.log-run[data-agent=planner]").first
        set_run_open(planner, True)  # the page folded it when the Architect began
        set_run_open(coder, False)  # the page shows the working agent's run open
        ids = {"planner": planner.get_attribute("id"), "coder": coder.get_attribute("id")}

        page.evaluate("() => { document.getElementById('job-log-lines').dataset.before = 'reconnect'; }")
        with page.expect_event("websocket"):
            assert proxy.drop_websockets() == 1
        page.wait_for_function("() => !document.querySelector('#job-log-lines[data-before]')")  # the new snapshot
        expect(page.locator(f"#{ids['planner']}")).to_have_attribute("open", "")
        expect(page.locator(f"#{ids['coder']}")).not_to_have_attribute("open", "")

        wait_completed(page)  # the finished page is loaded over the live one
        expect(page.locator(f"#{ids['planner']}")).to_have_attribute("open", "")
        expect(page.locator(f"#{ids['coder']}")).not_to_have_attribute("open", "")
        page.reload()  # and a reload in the same tab
        expect(page.locator(f"#{ids['planner']}")).to_have_attribute("open", "")
        set_run_open(page.locator(f"#{ids['planner']}"), False)
        page.reload()
        expect(page.locator(f"#{ids['planner']}")).not_to_have_attribute("open", "")
        check_accessibility(page, "a finished job's log with runs folded by hand")
        assert [e for e in errors if "WebSocket" not in e and e != "[object Event]"] == []
    finally:
        context.close()
