"""The iteration loop in the page: improve a finished project twice, read each version's diff (unified and side by
side), walk the versions with their costs; the form and a diff of very long lines on a phone; and a file's copy
button, raw view, download and rendered README."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import db
from app.models import User
from app.settings import load_settings
from tests.browser.conftest import EMAIL, VIEWPORTS, check_accessibility, page_fits, sign_in, watch_errors
from tests.browser.test_job_flow import JOB_URL, submit_quick_job
from tests.browser.test_job_page import wait_completed
from tests.integration.pages_support import add_files, make_job

pytestmark = pytest.mark.browser


def improve(page, **fields: str) -> str:
    form = page.locator("#job-improve")
    for label, value in fields.items():
        if form.locator(f"select#{label}").count():
            form.locator(f"select#{label}").select_option(value)
        else:
            form.locator(f"#{label}").fill(value)
    before = page.url
    form.get_by_role("button", name="Start the new version").click()
    page.wait_for_url(lambda url: url != before and JOB_URL.search(url) is not None)
    return JOB_URL.search(page.url)[1]


def test_improve_twice_then_read_each_diff_and_the_versions(device_page, screenshot):
    page = device_page
    first = submit_quick_job(page, f"iterate-{page.device}")
    wait_completed(page)
    check_accessibility(page, "a finished job with its improve form")

    # Nothing chosen: the form says so and starts nothing.
    page.locator("#job-improve").get_by_role("button", name="Start the new version").click()
    expect(page.locator("#improve-errors")).to_contain_text("Nothing to change")
    expect(page.locator("#improve-errors")).to_be_focused()

    second = improve(page, new_entity="Tag", new_entity_fields="label, rank:int")
    expect(page.locator("#job-relatives")).to_contain_text("Improved from")
    wait_completed(page)
    changes = page.locator("#job-changes")
    expect(changes).to_contain_text("added")
    added = changes.locator("li.added")
    assert added.count() >= 1
    expect(changes.locator("li.changed").first).to_be_visible()

    # A changed file's diff, unified then side by side, inside the page.
    changes.locator("li.changed a").first.click()
    viewer = page.locator("#file-view")
    expect(viewer.locator("table.diff.unified")).to_be_visible()
    expect(viewer.locator("tr.added").first).to_be_visible()
    check_accessibility(page, "a unified diff")
    viewer.get_by_role("link", name="Side by side").click()
    expect(viewer.locator("table.diff.split")).to_be_visible()
    expect(viewer.locator("td.added").first).to_be_visible()
    check_accessibility(page, "a side-by-side diff")
    assert page_fits(page)
    screenshot(page, f"diff-{page.device}")

    third = improve(page, field_entity="Tag", field_name="color")
    wait_completed(page)
    versions = page.locator("#job-versions li")
    expect(versions).to_have_count(3)
    expect(versions.nth(2)).to_contain_text("this version")
    for index in range(3):
        expect(versions.nth(index)).to_contain_text("cost $")
    expect(page.locator("#job-changes li.changed").first).to_be_visible()

    # The first version links forward to the second, which links back and forward.
    page.goto(f"/jobs/{first}")
    expect(page.locator("#job-relatives")).to_contain_text("Improved into")
    page.locator("#job-relatives").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(second))
    relatives = page.locator("#job-relatives")
    expect(relatives.get_by_role("link", name=re.compile(first[:8]))).to_be_visible()
    expect(relatives.get_by_role("link", name=re.compile(third[:8]))).to_be_visible()
    check_accessibility(page, "a middle version")

    # The diff has a page of its own too.
    url = page.locator("#job-changes li.changed a").first.get_attribute("href")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Changes to")
    check_accessibility(page, "the diff page")


def test_a_file_can_be_copied_read_raw_downloaded_and_a_readme_is_rendered(device_page):
    page = device_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    job_id = submit_quick_job(page, f"files-{page.device}")
    wait_completed(page)

    page.locator("#job-files").get_by_role("link", name="README.md").click()
    viewer = page.locator("#file-view")
    expect(viewer.locator(".markdown-body h3").first).to_be_visible()  # its "# title", under the page's headings
    expect(viewer.locator(".markdown-body script")).to_have_count(0)
    viewer.get_by_role("button", name="Copy content").click()
    expect(viewer.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("# ")

    with page.expect_download() as info:
        viewer.get_by_role("link", name="Download file").click()
    assert info.value.suggested_filename == "README.md"
    response = page.request.get(viewer.get_by_role("link", name="Raw").get_attribute("href"))
    assert response.headers["content-type"].startswith("text/plain") and response.text() == copied

    page.goto(f"/jobs/{job_id}/files/README.md")
    expect(page.get_by_role("heading", level=1)).to_contain_text("README.md")
    check_accessibility(page, "a file page")
    assert page_fits(page)

    page.goto(f"/jobs/{job_id}")
    page.get_by_role("button", name="Copy job id").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == job_id


def scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth")


def test_the_improve_form_fits_a_phone(browser, service):
    context, page = sign_in(browser, service.url, VIEWPORTS["phone"])
    try:
        errors = watch_errors(page)
        submit_quick_job(page, "improve-on-a-phone")
        wait_completed(page)
        form = page.locator("#job-improve form")
        form.scroll_into_view_if_needed()
        assert not scrolls_sideways(page)
        width = form.evaluate("form => form.getBoundingClientRect().width")
        fields = form.locator("input[type=text], select, textarea")
        assert fields.count() >= 6
        for index in range(fields.count()):  # one column: every field as wide as the form
            box = fields.nth(index).bounding_box()
            assert box["width"] >= width - 1 and box["x"] >= 0, (fields.nth(index).get_attribute("id"), box, width)
        button = form.get_by_role("button", name="Start the new version")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] >= width - 1, box
        check_accessibility(page, "the improve form on a phone")
        button.click()  # reachable, and it answers in place
        expect(page.locator("#improve-errors")).to_contain_text("Nothing to change")
        assert not scrolls_sideways(page)
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def long_line_versions(service) -> str:
    """A version whose only change is a 400-character line, made as the worker leaves one (rows and stored files);
    the id of the new version."""
    db.configure(load_settings({"INSTANCE_PATH": str(service.instance)}, dotenv=None).database_url)
    try:
        with db.Session() as session:
            owner = session.scalar(select(User.id).where(User.email == EMAIL))
        parent = make_job(owner, name="long-lines", status="completed", created_ago_s=60)
        add_files(parent, {"app/main.py": b"import os\nNAME = '" + b"a" * 400 + b"'\nprint(NAME)\n"}, "long-lines")
        child = make_job(owner, name="long-lines", status="completed", parent_id=parent, created_ago_s=30)
        add_files(child, {"app/main.py": b"import os\nNAME = '" + b"b" * 400 + b"'\nprint(NAME)\n"}, "long-lines")
        yield child
    finally:
        db.get_engine().dispose()


def test_a_diff_of_a_400_character_line_keeps_to_the_screen(device_page, long_line_versions):
    page = device_page
    page.goto(f"/jobs/{long_line_versions}")
    page.locator("#job-changes li.changed a").first.click()
    viewer = page.locator("#file-view")
    expect(viewer.locator("table.diff.unified")).to_be_visible()
    assert not scrolls_sideways(page)  # the unified view scrolls inside its own box
    viewer.get_by_role("link", name="Side by side").click()
    table = viewer.locator("table.diff.split")
    expect(table).to_be_visible()
    assert not scrolls_sideways(page)
    # Each half keeps its column: the long line wraps, and "After" stays on the screen beside "Before".
    box = viewer.locator(".diff-scroll")
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    after = table.locator("td.added").first.bounding_box()
    before = table.locator("td.removed").first.bounding_box()
    assert before["x"] + before["width"] <= after["x"] + 1
    assert after["x"] + after["width"] <= page.viewport_size["width"]
    assert after["height"] > 3 * table.locator("tbody tr").last.bounding_box()["height"]  # wrapped onto lines
    check_accessibility(page, "a side-by-side diff of a long line")
    page.goto(f"/jobs/{long_line_versions}/diff?path=app/main.py&view=split")  # the diff's page of its own
    expect(page.get_by_role("heading", level=1)).to_contain_text("Changes to")
    assert not scrolls_sideways(page)
    check_accessibility(page, "the diff page of a long line")
