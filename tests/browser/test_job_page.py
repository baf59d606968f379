"""The job page a person can trust at a glance, at 1366x900 and at 390x844: every file findable, long steps visibly
alive, a lost connection said and recovered, cancel worded as it behaves, and the end of a job told in the tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, page_fits, sign_in, watch_errors
from tests.browser.test_job_flow import JOB_TIMEOUT_MS, log_ids, submit_quick_job

pytestmark = pytest.mark.browser


def wait_completed(page) -> None:
    """Until the job has completed and the page has loaded its finished form (no socket; files, improve, diff)."""
    expect(page.locator("#job-status .badge.completed")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-page")).not_to_have_attribute("ws-connect", re.compile(".*"))


def replay_at_20x_shows_every_line(page) -> int:
    """Replay a finished job's log at 20x: lines hide and come back until every one shows again; how many."""
    lines = page.locator("#job-log-lines .log-line")
    total = lines.count()
    page.select_option("#replay-speed", "20")
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("button", name="Stop replay")).to_be_visible()
    assert page.locator("#job-log-lines .log-line.replay-hidden").count() > 0
    expect(page.get_by_role("button", name="Replay", exact=True)).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.locator("#job-log-lines .log-line.replay-hidden")).to_have_count(0)
    assert lines.count() == total
    return total


def test_every_file_of_a_full_stack_job_is_in_the_tree_and_visible(device_page):
    page = device_page
    submit_quick_job(page, f"tree-{page.device}", template="fullstack-app")
    wait_completed(page)
    links = page.locator("#job-files .file-tree a")
    expect(links.first).to_be_visible()
    count = links.count()
    assert count == int(re.search(r"\((\d+)\)", page.locator("#job-files h2").inner_text())[1]) > 40
    hidden = []
    for index in range(count):  # each file can be scrolled to and has a size on screen
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        if not link.is_visible() or box is None or box["width"] == 0:
            hidden.append(link.inner_text())
    assert hidden == []
    nested = page.locator("#job-files .file-tree .file-tree").first
    assert nested.evaluate("el => getComputedStyle(el).overflowY") == "visible"
    check_accessibility(page, "a finished full-stack job")
    assert page_fits(page)


def test_a_running_job_shows_it_is_alive_and_a_queued_one_its_place(device_page, screenshot):
    page = device_page
    first = submit_quick_job(page, f"busy-{page.device}")
    # One worker: a second job waits in the queue behind the first.
    second = submit_quick_job(page, f"waiting-{page.device}")
    status = page.locator("#job-status")
    if page.locator("#job-status .badge.queued").count():
        expect(status.locator(".queue-position")).to_contain_text("in the queue")
        expect(status.locator(".spinner")).to_have_count(1)
    page.goto(f"/jobs/{first}")
    working = page.locator("#job-timeline li.working")
    if page.locator("#job-status .badge.running").count():
        expect(working.locator(".spinner")).to_be_visible()
        ticker = page.locator("#job-elapsed")
        before = ticker.inner_text()
        page.wait_for_timeout(1600)  # the ticker moves every second, whether or not an event came
        assert ticker.inner_text() != before
        screenshot(page, f"job-running-{page.device}")
    wait_completed(page)
    expect(page.locator("#job-elapsed")).to_have_count(0)  # a finished job shows its final duration
    page.goto(f"/jobs/{second}")
    wait_completed(page)


def test_a_lost_connection_is_announced_and_recovered(signed_in, service, proxy):
    """The server becomes unreachable mid-job: a banner says so with a countdown and a button; the socket
    comes back on that button, and the page ends with every log line once."""
    page = signed_in(f"http://127.0.0.1:{proxy.port}")
    errors = watch_errors(page)
    job_id = submit_quick_job(page, "lost-connection")
    page.locator("#job-log-lines .log-line").nth(3).wait_for(state="attached", timeout=JOB_TIMEOUT_MS)
    banner = page.locator("#connection-banner")
    expect(banner).to_be_hidden()

    proxy.refusing = True
    assert proxy.drop_websockets() == 1
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Connection lost")
    expect(banner.locator(".connection-detail")).to_contain_text("Reconnecting")
    check_accessibility(page, "the job page with its connection banner")

    proxy.refusing = False
    with page.expect_event("websocket"):
        banner.get_by_role("button", name="Reconnect now").click()
    expect(banner).to_be_hidden()
    wait_completed(page)
    assert log_ids(page) == service.events_of(job_id)
    # The browser logs each refused handshake, and htmx logs its error event ("[object Event]") with it; how many
    # there are depends on how many retries fell in the outage.
    assert [e for e in errors if "WebSocket" not in e and e != "[object Event]"] == []


def test_the_browser_coming_back_online_reconnects_at_once(signed_in, proxy):
    page = signed_in(f"http://127.0.0.1:{proxy.port}")
    submit_quick_job(page, "offline-online")
    page.locator("#job-log-lines .log-line").nth(3).wait_for(state="attached", timeout=JOB_TIMEOUT_MS)
    proxy.refusing = True
    proxy.drop_websockets()
    banner = page.locator("#connection-banner")
    expect(banner).to_be_visible()
    page.context.set_offline(True)
    expect(banner).to_contain_text("offline")
    proxy.refusing = False
    page.context.set_offline(False)  # the `online` event: no waiting for the backoff
    expect(banner).to_be_hidden(timeout=5000)
    wait_completed(page)


def test_the_phone_layout_stacks_the_log_above_the_files(browser, service):
    context, page = sign_in(browser, service.url, {"width": 390, "height": 844})
    try:
        submit_quick_job(page, "phone-layout")
        wait_completed(page)
        log = page.locator("#job-log").bounding_box()
        files = page.locator("#job-files").bounding_box()
        assert files["y"] >= log["y"] + log["height"] - 1, (log, files)
        assert log["width"] > 300
        assert page_fits(page)
    finally:
        context.close()


def test_cancel_says_what_it_does_and_a_cancelled_job_is_not_a_failure(device_page):
    page = device_page
    messages: list[str] = []

    def accept(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    submit_quick_job(page, f"cancel-me-{page.device}")
    expect(page.locator("#job-timeline li.working")).to_have_count(1, timeout=JOB_TIMEOUT_MS)
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-status .badge.cancelled")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    assert "files written so far are kept" in messages[0] and "discarded" not in messages[0]
    # The agent that was stopped says "cancelled", never a red "failed"; "cancelled" is not the failure colour.
    expect(page.locator("#job-timeline li.failed")).to_have_count(0)
    colour = lambda selector: page.locator(selector).first.evaluate(  # noqa: E731
        "el => getComputedStyle(el).backgroundColor")
    page.evaluate("""() => { const s = document.createElement('span'); s.className = 'badge failed probe';
                             document.body.appendChild(s); }""")
    assert colour("#job-status .badge.cancelled") != colour(".badge.failed.probe")
    expect(page.locator("#job-status .job-error")).to_contain_text("Stopped")


def test_a_finished_job_says_so_in_the_tab_and_can_notify(browser, service):
    context, page = sign_in(browser, service.url)
    context.grant_permissions(["notifications"])
    # Record notifications instead of showing them (an init script runs before the page's, outside its CSP).
    page.add_init_script("""window.__notes = []; window.Notification = class { constructor(title, options) {
        window.__notes.push(title); } static get permission() { return 'granted'; }
        static requestPermission() { return Promise.resolve('granted'); } };""")
    try:
        submit_quick_job(page, "tell-me")
        notify = page.get_by_role("button", name="Notify me when it finishes")
        expect(notify).to_be_visible()
        notify.click()
        expect(page.get_by_role("button", name="You will be notified")).to_be_disabled()
        wait_completed(page)
        expect(page).to_have_title(re.compile(r"^✓ completed · tell-me"))
        expect(page.locator("#favicon")).to_have_attribute("href", re.compile(r"completed\.svg$"))
        page.wait_for_function("() => window.__notes.length === 1")
        assert page.evaluate("() => window.__notes[0]") == "tell-me: completed"
    finally:
        context.close()


def test_a_finished_job_replays_its_log_and_shows_local_times(device_page):
    page = device_page
    submit_quick_job(page, f"replay-{page.device}")
    wait_completed(page)
    page.reload()
    replay_at_20x_shows_every_line(page)
    created = page.locator(".page-head time.relative")
    expect(created).to_have_text(re.compile(r"just now|min ago"))
    assert re.search(r"\d{4}", created.get_attribute("title"))  # the exact moment on hover
    check_accessibility(page, "a finished job page")


def test_dark_mode_follows_the_system(browser, service):
    context, page = sign_in(browser, service.url)
    try:
        page.emulate_media(color_scheme="dark")
        page.goto("/jobs/new")
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
        assert sum(channels) / 3 < 80, background
        check_accessibility(page, "the form in dark mode")
    finally:
        context.close()


# Installed before the page's own scripts: after every change to the log, note any event id shown more than once.
RECORD_DOUBLED_LINES = """window.__doubled = [];
new MutationObserver(() => {
    const seen = new Set();
    document.querySelectorAll('#job-log-lines .log-line').forEach(line => {
        if (seen.has(line.dataset.eventId)) window.__doubled.push(line.dataset.eventId);
        seen.add(line.dataset.eventId);
    });
}).observe(document, {childList: true, subtree: true});"""


def test_coming_back_to_the_tab_after_an_outage_shows_each_line_once(signed_in, proxy):
    """Returning to a tab fires `visibilitychange` and `focus` together (and `online` with them after an outage):
    each asks to reconnect, and the page must end up with one socket, every new line appended once, not twice."""
    page = signed_in(f"http://127.0.0.1:{proxy.port}")
    page.add_init_script(RECORD_DOUBLED_LINES)
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    submit_quick_job(page, "back-to-the-tab")
    page.locator("#job-log-lines .log-line").nth(1).wait_for(state="attached", timeout=JOB_TIMEOUT_MS)
    proxy.refusing = True
    proxy.drop_websockets()
    banner = page.locator("#connection-banner")
    expect(banner).to_be_visible()
    proxy.refusing = False
    page.evaluate("""() => { document.dispatchEvent(new Event('visibilitychange'));
                             window.dispatchEvent(new Event('focus')); window.dispatchEvent(new Event('online')); }""")
    expect(banner).to_be_hidden()
    expect(page.locator("#job-status .badge.completed")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    assert page.evaluate("() => window.__doubled") == []
    open_sockets = [ws for ws in sockets if not ws.is_closed()]
    assert len(open_sockets) <= 1, [ws.url for ws in open_sockets]
