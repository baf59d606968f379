"""/admin/jobs: filters, search, sorts, keyset pages that never skip or repeat a row, JSON, live rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import db
from app.models import Team
from tests.integration.admin_support import T0, add_job, add_jobs, json_page, row_ids
from tests.integration.api_support import key_headers, make_key


def walk(client, **params) -> list[str]:
    """Every job id, following `next` cursors from the first page to the last."""
    seen, cursor = [], None
    while True:
        page = json_page(client, **params, **({"cursor": cursor} if cursor else {}))
        seen += [job["id"] for job in page["jobs"]]
        cursor = page["pagination"]["next"]
        if cursor is None:
            return seen


def test_the_table_shows_who_what_and_how_much(admin_client, user_id):
    with db.Session.begin() as session:
        team = Team(name="platform")
        session.add(team)
        session.flush()
        add_job(session, name="todo-api", owner_id=user_id, team_id=team.id, cost=0.1234, tokens=1500, seconds=75)

    html = admin_client.get("/admin/jobs").data.decode()

    for text in ("todo-api", "owner@example.com", "platform", "fastapi-backend", "completed", "1,500", "$0.1234",
                 "1 min 15 s", "1 job"):
        assert text in html, text
    assert 'hx-push-url="true"' in html and 'id="admin-jobs"' in html


def test_filters_narrow_the_list(admin_client, user_id, other_user_id):
    with db.Session.begin() as session:
        failed = add_job(session, name="broken", status="failed", owner_id=user_id, created_at=T0)
        react = add_job(session, name="front", template_id="react-app", owner_id=other_user_id,
                        created_at=T0 + timedelta(days=3))
        old = add_job(session, name="ancient", owner_id=other_user_id, created_at=T0 - timedelta(days=30))
        ids = {"failed": failed.id, "react": react.id, "old": old.id}

    def shown(**params):
        return set(row_ids(admin_client.get("/admin/jobs", query_string=params).data))

    assert shown(status="failed") == {ids["failed"]}
    assert shown(template_id="react-app") == {ids["react"]}
    assert shown(owner="OTHER@example.com") == {ids["react"], ids["old"]}
    assert shown(owner=str(user_id)) == {ids["failed"]}
    assert shown(owner="nobody@example.com") == set()
    assert shown(**{"from": T0.date().isoformat(), "to": T0.date().isoformat()}) == {ids["failed"]}
    assert shown(**{"from": (T0 - timedelta(days=1)).date().isoformat()}) == {ids["failed"], ids["react"]}
    assert shown(status="failed", owner="other@example.com") == set()


def test_bad_filters_are_explained_not_obeyed(admin_client):
    response = admin_client.get("/admin/jobs?status=exploded&limit=100000&from=yesterday")
    assert response.status_code == 400
    assert b"Unknown status" in response.data and b"Page size" in response.data and b"not a date" in response.data

    response = admin_client.get("/admin/jobs?status=exploded", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["success"] is False and response.json["error"]["code"] == "invalid_filter"
    assert "status" in response.json["error"]["details"]


def test_search_by_id_prefix_exact_name_or_name_prefix(admin_client):
    with db.Session.begin() as session:
        todo = add_job(session, name="Todo-API")
        add_job(session, name="todo-api-v2")
        shop = add_job(session, name="shop")
        ids = {"todo": todo.id, "shop": shop.id}

    def found(q: str) -> list[str]:
        return [job["name"] for job in json_page(admin_client, q=q)["jobs"]]

    assert found(ids["shop"]) == ["shop"]
    assert found(ids["shop"][:8]) == ["shop"]
    assert found("TODO-API-V2") == ["todo-api-v2"]  # whole names, any case
    assert sorted(found("todo-api")) == ["Todo-API", "todo-api-v2"]  # and names that contain it
    assert sorted(found("TODO*")) == ["Todo-API", "todo-api-v2"]
    assert sorted(found("todo")) == ["Todo-API", "todo-api-v2"]  # part of a name (see the next test)
    assert found("100%_*") == []  # LIKE wildcards are taken literally


def test_search_finds_part_of_a_name_among_the_newest_jobs(admin_client, monkeypatch):
    """"todo" finds "my-todo-api". No index serves a search for part of a name, so it reads the names of the
    newest SUBSTRING_WINDOW jobs (and says so); an exact name still finds a job of any age, a date range older ones."""
    from app.services import job_search

    monkeypatch.setattr(job_search, "SUBSTRING_WINDOW", 6)
    with db.Session.begin() as session:
        add_job(session, name="old-todo-app", created_at=T0 - timedelta(days=30))
        add_job(session, name="todo", created_at=T0 - timedelta(days=29))
        for i in range(4):
            add_job(session, name=f"filler-{i}", created_at=T0 + timedelta(minutes=i))
        add_job(session, name="my-todo-api", created_at=T0 + timedelta(hours=1))
        add_job(session, name="TODO-list", created_at=T0 + timedelta(hours=2))
        add_job(session, name="100%_done", created_at=T0 + timedelta(hours=3), cost=0.01)
        add_job(session, name="100x-done", created_at=T0 + timedelta(hours=4), cost=0.02)  # costs decide the order

    page = json_page(admin_client, q="todo")
    # Newest first: the two in the window, then the exact name from a month before it.
    assert [job["name"] for job in page["jobs"]] == ["TODO-list", "my-todo-api", "todo"]
    assert page["pagination"]["total"] == 3 and page["pagination"]["total_relation"] == "eq"
    assert "newest 6 jobs" in page["search_note"]
    html = admin_client.get("/admin/jobs?q=todo").data.decode()
    assert "newest 6 jobs" in html and "todo*" in html
    assert walk(admin_client, q="todo", limit=1) == [job["id"] for job in page["jobs"]]  # pages merge the parts
    older = json_page(admin_client, q="TODO", to=(T0 - timedelta(days=1)).date().isoformat())
    assert [job["name"] for job in older["jobs"]] == ["todo", "old-todo-app"]
    assert "search_note" not in older  # two jobs in that range: every name was read
    assert [job["name"] for job in json_page(admin_client, q="100%")["jobs"]] == ["100%_done"]  # literal %
    assert [job["name"] for job in json_page(admin_client, q="done", status="completed", sort="cost")["jobs"]] \
        == ["100x-done", "100%_done"]


def test_owner_by_part_of_an_email(admin_client, user_id, other_user_id, monkeypatch):
    from app.services import job_search

    with db.Session.begin() as session:
        mine = add_job(session, name="mine", owner_id=user_id, created_at=T0)
        theirs = add_job(session, name="theirs", owner_id=other_user_id, created_at=T0 + timedelta(hours=1))
        ids = {"mine": mine.id, "theirs": theirs.id}

    def shown(**params):
        return row_ids(admin_client.get("/admin/jobs", query_string=params).data)

    assert shown(owner="OTHER@") == [ids["theirs"]]
    assert shown(owner="er@example") == [ids["theirs"], ids["mine"]]  # owner@ and other@, newest first, merged
    assert shown(owner="er@example", q="min") == [ids["mine"]]
    assert shown(owner="nobody") == []
    monkeypatch.setattr(job_search, "OWNER_MATCH_LIMIT", 1)
    response = admin_client.get("/admin/jobs?owner=example.com")
    assert response.status_code == 400 and b"type more of the address" in response.data


def test_a_prefix_matching_too_many_jobs_asks_for_more(admin_client, monkeypatch):
    from app.services import job_search as job_query

    monkeypatch.setattr(job_query, "PREFIX_MATCH_LIMIT", 3)
    add_jobs(4, name="shop")
    response = admin_client.get("/admin/jobs?q=sh*", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"]["code"] == "search_too_broad"
    response = admin_client.get("/admin/jobs?q=sh*")
    assert response.status_code == 400 and b"type more of the name" in response.data
    assert row_ids(response.data) == []
    assert len(json_page(admin_client, q="shop")["jobs"]) == 4


def test_sorting_by_cost_and_duration(admin_client):
    with db.Session.begin() as session:
        cheap = add_job(session, name="cheap", cost=0.01, seconds=300)
        dear = add_job(session, name="dear", cost=2.5, seconds=5)
        mid = add_job(session, name="mid", cost=0.5, seconds=60)
        running = add_job(session, name="running", status="running", cost=0.02)
        names = {j.id: j.name for j in (cheap, dear, mid, running)}

    def order(**params):
        return [names[i] for i in row_ids(admin_client.get("/admin/jobs", query_string=params).data)]

    assert order(sort="cost") == ["dear", "mid", "running", "cheap"]
    assert order(sort="cost", order="asc") == ["cheap", "running", "mid", "dear"]
    # Only finished jobs have a duration; the page says so.
    assert order(sort="duration") == ["cheap", "mid", "dear"]
    assert b"finished jobs only" in admin_client.get("/admin/jobs?sort=duration").data


@pytest.mark.parametrize("sort", ["created", "cost", "duration"])
def test_pages_never_skip_or_repeat_a_job_while_new_ones_arrive(admin_client, sort):
    # Equal sort keys everywhere: the id must break every tie.
    original = add_jobs(23, created_at=T0, cost=0.25)
    seen, cursor, pages = [], None, 0
    while True:
        page = json_page(admin_client, limit=5, sort=sort, **({"cursor": cursor} if cursor else {}))
        seen += [job["id"] for job in page["jobs"]]
        pages += 1
        # Between pages, new jobs arrive that sort first, in the middle and last.
        add_jobs(1, created_at=T0 + timedelta(hours=1), cost=9.0, seconds=3000)
        add_jobs(1, created_at=T0, cost=0.25)
        add_jobs(1, created_at=T0 - timedelta(hours=1), cost=0.0, seconds=1)
        cursor = page["pagination"]["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a job was shown twice"
    assert set(original) <= set(seen), "a job was skipped"
    assert pages >= 5


def test_previous_pages_come_back_the_same(admin_client):
    add_jobs(12)
    first = json_page(admin_client, limit=5)
    second = json_page(admin_client, limit=5, cursor=first["pagination"]["next"])
    assert first["pagination"]["prev"] is None
    back = json_page(admin_client, limit=5, cursor=second["pagination"]["prev"])
    assert [j["id"] for j in back["jobs"]] == [j["id"] for j in first["jobs"]]
    assert back["pagination"]["prev"] is None
    third = json_page(admin_client, limit=5, cursor=second["pagination"]["next"])
    assert len(third["jobs"]) == 2 and third["pagination"]["next"] is None
    assert set(walk(admin_client, limit=5)) == {j["id"] for p in (first, second, third) for j in p["jobs"]}


def test_the_html_pager_links_keep_the_filters(admin_client):
    add_jobs(7, status="failed")
    html = admin_client.get("/admin/jobs?status=failed&limit=5").data.decode()
    assert 'rel="next"' in html
    next_url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "status=failed" in next_url and "limit=5" in next_url and "cursor=" in next_url
    assert len(row_ids(admin_client.get(next_url).data)) == 2


def test_a_cursor_from_another_order_is_refused(admin_client):
    add_jobs(3)
    cursor = json_page(admin_client, limit=1)["pagination"]["next"]
    response = admin_client.get(f"/admin/jobs?sort=cost&cursor={cursor}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_cursor"
    response = admin_client.get("/admin/jobs?cursor=garbage!", headers={"Accept": "application/json"})
    assert response.status_code == 400
    response = admin_client.get("/admin/jobs?cursor=garbage!")
    assert response.status_code == 400 and len(row_ids(response.data)) == 3  # the first page, with a note


def test_json_answers_in_the_seed_shape(admin_client, user_id):
    with db.Session.begin() as session:
        done = add_job(session, name="done", owner_id=user_id, seconds=42.5, cost=0.3, tokens=900)
        add_job(session, name="waiting", status="queued")
        done_id = done.id

    body = json_page(admin_client, status="completed")

    assert body["success"] is True
    assert set(body) == {"success", "jobs", "filters", "pagination"}
    assert body["pagination"] == {"limit": 50, "next": None, "prev": None, "total": 1, "total_relation": "eq"}
    assert body["filters"]["status"] == "completed"
    (job,) = body["jobs"]
    assert {"id", "name", "template_id", "status", "progress", "current_agent", "created_at", "started_at",
            "finished_at", "duration_s", "error", "tokens", "cost_usd", "files_count", "verified",
            "parent_id", "owner", "team"} <= set(job)
    assert job["id"] == done_id and job["duration_s"] == 42.5 and job["tokens"] == 900 and job["cost_usd"] == 0.3
    assert job["owner"] == {"id": user_id, "email": "owner@example.com"} and job["team"] is None
    assert job["created_at"].endswith("Z")


def test_the_admin_json_job_is_the_api_job_plus_its_owner_and_team(admin_client, client, user_id):
    with db.Session.begin() as session:
        team = Team(name="crew")
        session.add(team)
        session.flush()
        job = add_job(session, name="shared", owner_id=user_id, team_id=team.id, seconds=12.25, cost=0.125,
                      tokens=300)
        job.usage = {"coder": {"tokens_in": 100, "tokens_out": 200, "cost_usd": 0.125, "calls": 2}}
        job.request_id = "req-1"
        job_id, team_id = job.id, team.id

    (admin_job,) = json_page(admin_client)["jobs"]
    api_job = client.get(f"/api/jobs/{job_id}", headers=key_headers(make_key(user_id))).get_json()["job"]

    assert {k: v for k, v in admin_job.items() if k not in ("owner", "team")} == api_job
    assert admin_job["owner"] == {"id": user_id, "email": "owner@example.com"}
    assert admin_job["team"] == {"id": team_id, "name": "crew"}


def test_counts_stop_at_the_cap(admin_client, monkeypatch):
    from app.services import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    add_jobs(6, status="failed")
    add_jobs(2, status="completed")

    assert json_page(admin_client, status="completed")["pagination"]["total"] == 2
    filtered = json_page(admin_client, status="failed")["pagination"]
    assert (filtered["total"], filtered["total_relation"]) == (4, "gte")
    assert "more than 4 jobs" in admin_client.get("/admin/jobs?status=failed").data.decode()
    whole = json_page(admin_client)["pagination"]
    # The whole table is estimated from the database's statistics, or capped where it keeps none yet.
    assert (whole["total_relation"], whole["total"]) in (("approx", 8), ("gte", 4))


def test_htmx_gets_the_table_alone_and_history_restores_get_the_page(admin_client):
    add_jobs(2)
    fragment = admin_client.get("/admin/jobs", headers={"HX-Request": "true"})
    assert fragment.data.lstrip().startswith(b'<section id="admin-jobs"')
    assert "HX-Request" in fragment.headers["Vary"]
    restore = admin_client.get("/admin/jobs", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.data and b'id="job-filters"' in restore.data


def test_rows_of_unfinished_jobs_are_refreshed_in_one_poll_until_they_finish(admin_client):
    with db.Session.begin() as session:
        running = add_job(session, name="busy", status="running")
        waiting = add_job(session, name="waiting", status="queued")
        done = add_job(session, name="done")
        running_id, waiting_id, done_id = running.id, waiting.id, done.id
    html = admin_client.get("/admin/jobs").data.decode()
    # One poller for the table; each live row carries its id for it.
    assert html.count('hx-trigger="every 2s"') == 1
    assert '<div id="live-rows" hx-get="/admin/jobs/live" hx-trigger="every 2s" hx-swap="none" ' \
           'hx-include="#admin-jobs input[name=live], #live-newest"' in html
    live = re.findall(r'<input type="hidden" name="live" value="([0-9a-f]{32})">', html)
    assert sorted(live) == sorted([running_id, waiting_id]) and done_id not in live

    with db.Session.begin() as session:
        from app.models import Job, utcnow

        job = session.get(Job, running_id)
        job.status, job.finished_at = "completed", utcnow()
    headers = {"HX-Request": "true", "HX-Current-URL": "http://x/admin/jobs?q=a"}
    response = admin_client.get(f"/admin/jobs/live?live={running_id}&live={waiting_id}", headers=headers)
    body = response.data.decode()
    assert f'<tr id="job-{running_id}" class="job-row completed" hx-swap-oob="true">' in body
    assert f'<tr id="job-{waiting_id}" class="job-row queued" hx-swap-oob="true">' in body
    assert body.count('name="live"') == 1  # only the queued job is still live
    assert 'id="live-rows" hx-get="/admin/jobs/live"' in body and 'name="back" value="/admin/jobs?q=a"' in body
    assert "HX-Request" in response.headers["Vary"]

    with db.Session.begin() as session:
        session.get(Job, waiting_id).status = "cancelled"
    body = admin_client.get(f"/admin/jobs/live?live={waiting_id}", headers=headers).data.decode()
    # Nothing is live any more: the poller comes back without its trigger, and stops.
    assert '<div id="live-rows" hx-swap-oob="true"></div>' in body


def test_a_live_row_of_a_deleted_job_says_so(admin_client):
    gone = "0" * 32
    body = admin_client.get(f"/admin/jobs/live?live={gone}", headers={"HX-Request": "true"}).data.decode()
    assert f'<tr id="job-{gone}" class="job-row gone" hx-swap-oob="true">' in body and "was deleted" in body
    assert admin_client.get(f"/admin/jobs/live?live={gone}").status_code == 302


def test_the_first_page_newest_first_gains_new_jobs_at_the_top(admin_client):
    _older, newest = add_jobs(2)
    html = admin_client.get("/admin/jobs").data.decode()
    # The first page of the newest-first table polls even with no live row, naming its newest row.
    assert 'hx-trigger="every 2s"' in html
    assert f'<input type="hidden" id="live-newest" name="newest" value="{newest}">' in html
    headers = {"HX-Request": "true", "HX-Current-URL": "http://x/admin/jobs"}
    body = admin_client.get(f"/admin/jobs/live?newest={newest}", headers=headers).data.decode()
    assert "afterbegin" not in body and 'value="' + newest + '"' in body  # nothing new yet; still watching

    (added,) = add_jobs(1, name="fresh-one", created_at=T0 + timedelta(hours=1))
    body = admin_client.get(f"/admin/jobs/live?newest={newest}", headers=headers).data.decode()
    assert '<tbody hx-swap-oob="afterbegin:#admin-jobs-rows">' in body
    assert body.count('class="job-row') == 1 and f'id="job-{added}"' in body and "fresh-one" in body
    assert f'id="live-newest" name="newest" value="{added}"' in body

    # Filters still apply: a search the new job does not match adds nothing.
    filtered = {**headers, "HX-Current-URL": "http://x/admin/jobs?q=nomatch"}
    assert "afterbegin" not in admin_client.get(f"/admin/jobs/live?newest={newest}", headers=filtered).data.decode()


@pytest.mark.parametrize("query", ["sort=cost", "order=asc", "cursor=abc"])
def test_other_orders_and_later_pages_do_not_gain_new_jobs(admin_client, query):
    (only,) = add_jobs(1)
    html = admin_client.get(f"/admin/jobs?{query}").data.decode()
    assert 'name="newest"' not in html and 'hx-trigger="every 2s"' not in html
    add_jobs(1, name="fresh-two", created_at=T0 + timedelta(hours=1))
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://x/admin/jobs?{query}"}
    body = admin_client.get(f"/admin/jobs/live?newest={only}", headers=headers).data.decode()
    assert "afterbegin" not in body and "fresh-two" not in body
