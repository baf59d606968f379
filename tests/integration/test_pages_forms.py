"""The gallery and the submission form: its partial routes, inline errors that keep what was typed, the job it makes."""

import re

import pytest
from sqlalchemy import func, select

from app import create_app, db
from app.models import Job
from tests.integration.pages_support import HX, assert_fragment, assert_page, make_job

VALID = {"template_id": "fastapi-backend", "name": "bookshelf", "description": "Books I own",
         "entities-k1-name": "Book", "entities-k1-fields-f1-name": "title", "entities-k1-fields-f1-type": "str",
         "entities-k1-fields-f1-required": "1", "entities-k1-fields-f2-name": "pages",
         "entities-k1-fields-f2-type": "int", "features": ["tests", "docker"], "run_checks": "1"}


def jobs_count() -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(Job))


def test_the_gallery_shows_every_project_template_with_a_link_to_the_form(client):
    body = client.get("/").get_data(as_text=True)
    for template_id, name in [("react-app", "React Application"), ("fastapi-backend", "FastAPI Backend"),
                              ("fullstack-app", "Full-Stack Application")]:
        assert name in body
        assert f'href="/jobs/new?template={template_id}"' in body
    assert "FastAPI" in body and "Vitest" in body and "complex" in body  # frameworks and complexity


def test_the_form_needs_a_signed_in_person(client):
    response = client.get("/jobs/new?template=react-app")
    assert response.status_code == 302 and "/login?next=" in response.location


def test_the_form_page_and_its_fragment(owner_client):
    page = assert_page(owner_client.get("/jobs/new?template=react-app"))
    assert '<option value="react-app" selected>' in page
    assert 'name="run_checks" value="1" checked' in page  # running the project's own checks is the default
    assert 'name="model"' not in page and 'name="max_cost_usd"' not in page  # offline: no model, no cost
    fragment = assert_fragment(owner_client.get("/jobs/new", headers=HX), '<form id="job-form"')
    assert 'hx-post="/jobs/new"' in fragment


def test_in_llm_mode_the_form_asks_for_the_model_and_a_cost_cap(settings, redis_conn, user_id, login):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "provider": "openai", "openai_api_key": "sk-test",
                      "model_prices": {"my-model": (0.1, 0.4)}}, settings=settings)
    client = login("owner@example.com", client=app.test_client())
    page = client.get("/jobs/new").get_data(as_text=True)
    assert 'name="model"' in page and 'placeholder="gpt-4o-mini"' in page and 'name="max_cost_usd"' in page

    response = client.post("/jobs/new", data={**VALID, "max_cost_usd": "lots"}, headers=HX)
    body = assert_fragment(response, '<form id="job-form"', status=422)
    assert 'id="max_cost_usd-error"' in body and "amount in US dollars" in body
    assert 'value="lots"' in body

    unpriced = client.post("/jobs/new", data={**VALID, "model": "unpriced-model", "max_cost_usd": "0.25"},
                           headers=HX)
    body = assert_fragment(unpriced, '<form id="job-form"', status=422)
    assert 'id="max_cost_usd-error"' in body and "no known price" in body and "CODEGEN_MODEL_PRICES" in body

    response = client.post("/jobs/new", data={**VALID, "model": "my-model", "max_cost_usd": "0.25"}, headers=HX)
    assert response.status_code == 201
    with db.Session() as session:
        job = session.scalars(select(Job)).one()
        assert job.options == {"model": "my-model", "max_cost_usd": 0.25, "run_checks": True}


def test_partial_routes_add_entity_blocks_and_field_rows(owner_client):
    entity = assert_fragment(owner_client.get("/jobs/new/entity", headers=HX), '<fieldset class="entity-block"')
    key = re.search(r'name="entities-([a-z0-9]+)-name"', entity)[1]
    assert f'name="entities-{key}-fields-' in entity and "autofocus" in entity
    assert f'hx-get="/jobs/new/field?entity={key}"' in entity

    row = assert_fragment(owner_client.get(f"/jobs/new/field?entity={key}", headers=HX), '<div class="field-row"')
    assert re.search(rf'name="entities-{key}-fields-[a-z0-9]+-name"', row)
    assert '<option value="datetime">' in row and 'hx-swap="delete"' in row

    removed = owner_client.get("/jobs/new/removed", headers=HX)
    assert removed.status_code == 200 and removed.data == b"" and "HX-Request" in removed.headers["Vary"]

    # Opened directly, each is the whole form page, so the URL is never a dead end.
    assert_page(owner_client.get("/jobs/new/entity"))
    assert_page(owner_client.get(f"/jobs/new/field?entity={key}"))
    assert owner_client.get("/jobs/new/removed").status_code == 302
    assert owner_client.get("/jobs/new/field?entity=<script>", headers=HX).status_code == 400


def test_submitting_creates_the_job_and_sends_htmx_to_its_page(owner_client, user_id):
    response = owner_client.post("/jobs/new", data=VALID, headers=HX)

    assert response.status_code == 201 and response.data == b""
    job_id = response.headers["HX-Redirect"].rsplit("/", 1)[1]
    with db.Session() as session:
        job = session.get(Job, job_id)
        assert (job.owner_id, job.name, job.template_id, job.status) == (user_id, "bookshelf", "fastapi-backend",
                                                                          "queued")
        assert job.spec == {"entities": [{"name": "Book", "fields": [
            {"name": "title", "type": "str", "required": True},
            {"name": "pages", "type": "int", "required": False}]}], "features": ["docker", "tests"]}
        assert job.options == {"run_checks": True}


def test_a_field_types_list_offers_a_relation_to_every_entity_the_form_names(owner_client):
    data = {**VALID, "template_id": "fullstack-app", "entities-k2-name": "shelf",
            "entities-k2-fields-f3-name": "label", "entities-k2-fields-f3-type": "str"}
    # Adding a field (the button without JavaScript) renders every row with the entities typed so far.
    body = assert_page(owner_client.post("/jobs/new", data={**data, "action": "add-field:k1"}))
    relations = re.findall(r'<optgroup label="Relation to" data-relations>(.*?)</optgroup>', body)
    assert len(relations) == 4  # every field row, the new one included
    assert relations[0] == '<option value="Book">Book</option><option value="Shelf">shelf</option>'

    # A row set to a relation keeps it, and the job gets what the API and the CLI send (`shelf: Shelf`),
    # a relation to its own entity included (an optional `parent: Book`).
    data |= {"entities-k1-fields-f4-name": "shelf", "entities-k1-fields-f4-type": "Shelf",
             "entities-k1-fields-f4-required": "1", "entities-k1-fields-f5-name": "parent",
             "entities-k1-fields-f5-type": "Book"}
    response = owner_client.post("/jobs/new", data={**data, "name": ""}, headers=HX)
    assert '<option value="Shelf" selected>shelf</option>' in assert_fragment(response, '<form id="job-form"',
                                                                             status=422)
    assert owner_client.post("/jobs/new", data=data, headers=HX).status_code == 201
    with db.Session() as session:
        (book, shelf) = session.scalars(select(Job)).one().spec["entities"]
    assert book["fields"][2:] == [{"name": "shelf", "type": "Shelf", "required": True},
                                  {"name": "parent", "type": "Book", "required": False}]
    assert shelf["name"] == "shelf"

    # A relation that must be filled in, to its own entity, is refused on the form, naming the field.
    data["entities-k1-fields-f5-required"] = "1"
    body = owner_client.post("/jobs/new", data=data, headers=HX).get_data(as_text=True)
    assert "Field &#39;parent&#39; of &#39;Book&#39; refers to another Book and is required" in body


def test_without_javascript_the_form_posts_and_redirects(owner_client):
    response = owner_client.post("/jobs/new", data={**VALID, "run_checks": ""})
    assert response.status_code == 303 and response.location.startswith("/jobs/")
    with db.Session() as session:
        assert session.scalars(select(Job)).one().options == {"run_checks": False}


def test_blank_entity_blocks_are_ignored_so_the_starter_entities_apply(owner_client):
    data = {"template_id": "react-app", "name": "plain", "entities-k1-name": "", "entities-k1-fields-f1-name": "",
            "entities-k1-fields-f1-type": "str"}
    assert owner_client.post("/jobs/new", data=data, headers=HX).status_code == 201
    with db.Session() as session:
        assert session.scalars(select(Job)).one().spec["entities"] == []


def test_errors_show_inline_next_to_their_fields_and_keep_what_was_typed(owner_client):
    data = {**VALID, "name": "bad/name!", "description": "keep me", "entities-k1-name": "日本",
            "entities-k1-fields-f2-name": "id"}
    response = owner_client.post("/jobs/new", data=data, headers=HX)

    body = assert_fragment(response, '<form id="job-form"', status=422)
    assert jobs_count() == 0
    expected = {"name": "Project name may use only", "entities-k1-name": "needs a Latin letter",
                "entities-k1-fields-f2-name": "used by every generated record already"}
    for field, message in expected.items():
        error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', body)
        assert error and message in error[1], field
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"[^>]*aria-invalid="true"', body)
    # What the person typed is all still there, in the same rows.
    for value in ('value="bad/name!"', ">keep me</textarea>", 'value="日本"', 'value="id"', 'value="title"',
                  '<option value="int" selected>'):
        assert value in body
    assert 'id="error-summary" role="alert"' in body and 'href="#entities-k1-name"' in body


def test_entity_level_errors_land_on_the_entity(owner_client):
    data = {**VALID, "entities-k1-fields-f2-name": "title"}  # two fields named title
    body = owner_client.post("/jobs/new", data=data, headers=HX).get_data(as_text=True)
    assert re.search(r'id="entities-k1-block-error" class="field-error">Entity &#39;Book&#39; has two fields', body)

    data = {**VALID, "entities-k1-fields-f1-name": "", "entities-k1-fields-f2-name": ""}
    body = owner_client.post("/jobs/new", data=data, headers=HX).get_data(as_text=True)
    assert 'id="entities-k1-fields-error"' in body and "Give the entity “Book” at least one field" in body
    assert "at least 1 item" not in body  # pydantic's own words, which named no entity


def test_a_page_without_htmx_shows_the_errors_in_the_whole_page(owner_client):
    body = assert_page(owner_client.post("/jobs/new", data={**VALID, "name": ""}), status=422)
    assert 'id="name-error" class="field-error">Give the project a name.' in body


@pytest.mark.parametrize("action, rows", [("add-field:k1", 3), ("remove-field:f1", 1), ("add-entity", 2)])
def test_buttons_work_without_javascript_too(owner_client, action, rows):
    body = assert_page(owner_client.post("/jobs/new", data={**VALID, "action": action}))
    assert jobs_count() == 0
    if action == "add-entity":
        assert body.count('class="entity-block"') == rows
    else:
        assert body.count('class="field-row"') == rows
    assert 'value="bookshelf"' in body


def test_the_cap_on_running_jobs_is_shown_on_the_form(owner_client, user_id):
    for number in range(5):
        make_job(user_id, name=f"busy-{number}", status="running")
    body = assert_fragment(owner_client.post("/jobs/new", data=VALID, headers=HX), '<form id="job-form"', 422)
    assert "already have 5 jobs queued or running" in body
    assert jobs_count() == 5


def test_a_team_the_person_is_not_in_is_refused_inline(owner_client):
    body = owner_client.post("/jobs/new", data={**VALID, "team_id": "999"}, headers=HX).get_data(as_text=True)
    assert "not a member of team 999" in body  # in the summary: the team list shows only one's own teams
    assert jobs_count() == 0


def test_job_submissions_are_rate_limited_with_a_friendly_page(settings, redis_conn, user_id, login):
    # RATELIMIT_ENABLED explicitly: the limiter is one object, and an earlier app may have turned it off.
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                      "rate_limit_jobs": "2 per minute"},
                     settings=settings)
    client = login("owner@example.com", client=app.test_client())
    invalid = {**VALID, "name": ""}
    assert client.post("/jobs/new", data=invalid, headers=HX).status_code == 422  # a mistake costs nothing
    assert client.post("/jobs/new", data=VALID, headers=HX).status_code == 201
    assert client.post("/jobs/new", data=VALID, headers=HX).status_code == 201

    response = client.post("/jobs/new", data=VALID, headers=HX)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert '<main id="main"' in body  # HTMX swaps #main with it (base.html)
    assert 'value="bookshelf"' in body and "Wait " in body  # the form as typed, saying how long to wait
    assert jobs_count() == 2
