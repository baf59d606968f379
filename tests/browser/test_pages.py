"""Every other page at 1366x900 and 390x844: axe-core finds nothing serious, nothing sticks out sideways, and the
form, My jobs and the admin console behave as a person expects."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS, check_accessibility, page_fits, watch_errors
from tests.browser.test_job_flow import JOB_URL, submit_quick_job

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_signed_out_pages(browser, service, size):
    context = browser.new_context(base_url=service.url, viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        for path in ("/", "/login", "/register"):
            page.goto(path)
            check_accessibility(page, path)
            assert page_fits(page), path
        page.goto("/login")
        page.get_by_role("button", name="Sign in").click()  # empty: errors on both fields
        expect(page.locator(".field-error").first).to_be_visible()
        assert page.locator("[aria-invalid=None], [aria-describedby=None]").count() == 0
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        check_accessibility(page, "sign-in with errors")
    finally:
        context.close()
    assert errors == [], errors


def test_the_form_names_the_entity_keeps_focus_and_names_each_remove_button(device_page):
    page = device_page
    page.goto("/jobs/new?template=fastapi-backend")
    check_accessibility(page, "the empty form")
    assert page_fits(page)
    page.get_by_label("Project name").fill("focus-check")
    entity = page.locator(".entity-block").first
    entity.get_by_label("Entity name").fill("Book")
    rows = entity.locator(".field-row")
    rows.nth(0).get_by_label("Field name").fill("title")
    entity.get_by_role("button", name="+ Add a field").click()
    rows.nth(1).get_by_label("Field name").fill("pages")
    entity.get_by_role("button", name="+ Add a field").click()
    expect(rows).to_have_count(3)

    # Each remove button is named for its field and entity, so a screen reader can tell them apart.
    names = [rows.nth(i).locator("button.remove").evaluate("b => b.computedName ?? ''") for i in range(2)]
    expect(entity.get_by_role("button", name="Remove field title of entity Book")).to_have_count(1)
    expect(entity.get_by_role("button", name="Remove field pages of entity Book")).to_have_count(1)
    assert names[0] != names[1] or names == ["", ""]

    # Removing a row keeps focus in the form, on the row that took its place.
    rows.nth(1).locator("button.remove").click()
    expect(rows).to_have_count(2)
    assert page.evaluate("() => document.activeElement.tagName") != "BODY"
    expect(rows.nth(1).get_by_label("Field name")).to_be_focused()

    # A second entity with no field: the error says which entity.
    page.get_by_role("button", name="+ Add an entity").click()
    second = page.locator(".entity-block").nth(1)
    second.get_by_label("Entity name").fill("Shelf")
    page.get_by_role("button", name="Create the project").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Give the entity “Shelf” at least one field")
    expect(summary).not_to_contain_text("List should have")
    check_accessibility(page, "the form with errors")
    # Removing the entity moves focus to the next thing, not to <body>.
    page.locator(".entity-block").nth(1).locator("button.remove").first.click()
    expect(page.locator(".entity-block")).to_have_count(1)
    assert page.evaluate("() => document.activeElement.tagName") != "BODY"


def test_a_field_may_relate_to_any_entity_typed_in_the_form_even_on_a_row_added_later(device_page):
    page = device_page
    page.goto("/jobs/new?template=fastapi-backend")
    page.get_by_label("Project name").fill("library")
    book = page.locator(".entity-block").first
    book.get_by_label("Entity name").fill("Book")
    book.locator(".field-row").nth(0).get_by_label("Field name").fill("title")
    page.get_by_role("button", name="+ Add an entity").click()
    shelf = page.locator(".entity-block").nth(1)
    shelf.get_by_label("Entity name").fill("shelf")  # typed in lower case: offered as the API writes it
    shelf.locator(".field-row").nth(0).get_by_label("Field name").fill("label")
    book.get_by_role("button", name="+ Add a field").click()  # a row drawn by HTMX, after both names were typed
    row = book.locator(".field-row").nth(1)
    row.get_by_label("Field name").fill("shelf")
    row.get_by_label("Type").focus()
    relations = row.locator("optgroup[label='Relation to'] option")
    expect(relations).to_have_text(["Book", "shelf"])
    row.get_by_label("Type").select_option("Shelf")
    check_accessibility(page, "the form with a relation")
    page.get_by_role("button", name="Create the project").click()
    expect(page).to_have_url(JOB_URL)


def test_account_pages(device_page):
    page = device_page
    page.goto("/account/api-keys")
    page.get_by_role("button", name="Create key").click()  # no name: an error
    assert page.locator("[aria-invalid=None], [aria-describedby=None]").count() == 0
    check_accessibility(page, "API keys with an error")
    assert page_fits(page)
    page.goto("/account/password")
    check_accessibility(page, "change password")
    assert page_fits(page)


def test_my_jobs_updates_live_searches_and_shows_relative_times(device_page):
    page = device_page
    job_id = submit_quick_job(page, f"listed-{page.device}")
    page.goto("/jobs")
    row = page.locator(f"#job-row-{job_id}")
    expect(row).to_be_visible()
    # The row follows the job to its end without a reload.
    expect(row.locator(".badge")).to_have_text("completed", timeout=120_000)
    expect(row.get_by_role("link", name=re.compile("Improve"))).to_be_visible()
    created = row.locator("time.relative")
    expect(created).to_have_text(re.compile(r"just now|min ago"))
    assert "UTC" not in created.inner_text() and re.search(r"\d{4}", created.get_attribute("title"))
    check_accessibility(page, "My jobs")
    assert page_fits(page)

    page.get_by_label("Search names").fill(f"isted-{page.device}")  # a part of the name is enough
    expect(page.locator("#job-rows tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=isted"))
    page.get_by_label("Search names").fill("no-such-project-anywhere")
    expect(page.locator("#job-list")).to_contain_text("No job matches")


@pytest.mark.parametrize("admin_page", list(VIEWPORTS), indirect=True)
def test_admin_pages_fit_and_pass_axe(admin_page):
    page = admin_page
    for path in ("/admin/jobs", "/admin/users", "/admin/workers", "/admin/stats", "/admin/audit"):
        page.goto(path)
        check_accessibility(page, path)
        assert page_fits(page), path
        brand = page.locator(".brand").bounding_box()
        menu = page.locator(".site-header nav ul").nth(1).bounding_box()
        overlap = not (brand["x"] + brand["width"] <= menu["x"] or brand["y"] + brand["height"] <= menu["y"])
        assert not overlap, (path, brand, menu)


def test_the_form_page_raises_no_csp_error_through_its_swaps(device_page):
    """htmx re-applying empty style attributes after a swap was refused by the CSP (one console error each)."""
    page = device_page
    page.goto("/jobs/new?template=react-app")
    entity = page.locator(".entity-block").first
    for _ in range(3):
        entity.get_by_role("button", name="+ Add a field").click()
    page.get_by_role("button", name="+ Add an entity").click()
    page.get_by_role("button", name="Create the project").click()  # 422: the whole form swapped
    expect(page.locator("#error-summary")).to_be_visible()


FIELD_LOOK = """form => [...form.querySelectorAll('input:not([type=hidden], [type=checkbox]), select')].map(field => {
    const style = getComputedStyle(field);
    return {name: field.name, radius: style.borderTopLeftRadius + ' ' + style.borderBottomRightRadius,
            border: style.borderTopColor};
})"""


@pytest.mark.parametrize("admin_page", list(VIEWPORTS), indirect=True)
def test_filter_forms_look_like_every_other_form(admin_page):
    """Pico draws any role=search form as one pill of an input and its button (and drops the inputs' borders while
    the button has focus); a form of several labelled filters must look like the rest of the app's forms."""
    page = admin_page
    page.goto("/jobs/new")
    expected = page.locator("#name").evaluate("field => getComputedStyle(field).borderTopLeftRadius")
    for path in ("/jobs", "/admin/jobs", "/admin/users", "/admin/audit"):
        page.goto(path)
        form = page.locator("form.filters").first
        fields = form.evaluate(FIELD_LOOK)
        assert fields and all(field["radius"] == f"{expected} {expected}" for field in fields), (path, fields)
        form.locator("button").first.focus()  # Apply, or Filter
        assert all(field["border"] != "rgba(0, 0, 0, 0)" for field in form.evaluate(FIELD_LOOK)), path
