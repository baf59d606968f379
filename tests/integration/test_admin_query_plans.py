"""The job list walks the index that keeps a page cheap at a million rows, whatever SQLite's planner would guess.

SQLite keeps no statistics unless ANALYZE runs, so these plans are what production SQLite databases get.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.models import Job
from app.ops.migrate import upgrade
from app.services.job_listing import JobFilters, ordering
from app.services.job_search import count_lead, filtered_query, page_lead
from app.services.users import create_user


@pytest.fixture(scope="module")
def sqlite_session(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.db'}"
    upgrade(url)  # the indexes as the migrations build them
    engine = create_engine(url)
    with Session(engine) as session:
        create_user(session, "someone@example.com", "long enough password")
        session.commit()
        yield session
    engine.dispose()


def filters(params: str) -> JobFilters:
    return JobFilters.parse(MultiDict([p.split("=", 1) for p in params.split("&")]), ["react-app"])


def explain(session: Session, query) -> str:
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return " | ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())


def plan(session: Session, params: str) -> str:
    """SQLite's plan for the first page of /admin/jobs?<params>, as one line of text."""
    f = filters(params)
    order = ordering(f.sort, f.order)
    query = filtered_query(session, f, page_lead(session, f))
    return explain(session, query.order_by(order.key.desc(), order.tiebreak.desc()).limit(51))


def count_plan(session: Session, params: str) -> str:
    f = filters(params)
    return explain(session, filtered_query(session, f, count_lead(f), ordered=False).with_only_columns(Job.id)
                   .limit(1001))


# (filters, the index walk expected, whether the matches are sorted afterwards rather than read in order)
PLANS = [
    # An owner's few jobs lead, even beside a status that four jobs in five have.
    ("owner=someone@example.com&status=completed", "USING INDEX ix_jobs_owner_created (owner_id=?)", False),
    ("owner=someone@example.com&sort=cost", "USING INDEX ix_jobs_owner_created (owner_id=?)", True),
    # A status has an index for every order.
    ("status=failed", "USING INDEX ix_jobs_status_created (status=?)", False),
    ("status=failed&sort=cost", "USING INDEX ix_jobs_status_cost (status=?)", False),
    ("status=failed&sort=duration", "USING INDEX ix_jobs_status_duration (status=? AND duration_ms>?)", False),
    ("status=failed&template_id=react-app", "USING INDEX ix_jobs_status_created (status=?)", False),
    # A project template is a third of all jobs: sorting a third of a million rows for one page is too much,
    # so the cost index leads and the template is checked along it.
    ("template_id=react-app&sort=cost", "SCAN jobs USING INDEX ix_jobs_cost", False),
    ("template_id=react-app", "USING INDEX ix_jobs_template_created (template_id=?)", False),
    # A date range holding few jobs is sorted by cost (this database is empty)...
    ("from=2026-01-01&to=2026-01-07&sort=cost", "USING INDEX ix_jobs_created (created_at>? AND created_at<?)", True),
    ("status=failed&from=2026-01-01&to=2026-01-01&sort=cost",
     "USING INDEX ix_jobs_created (created_at>? AND created_at<?)", True),
    ("q=todo-api&status=completed", "USING INDEX ix_jobs_name_created (<expr>=?)", False),
]


@pytest.mark.parametrize(("params", "walk", "sorted_after"), PLANS)
def test_a_page_walks_the_right_index(sqlite_session, params, walk, sorted_after):
    found = plan(sqlite_session, params)
    assert walk in found, found
    assert ("USE TEMP B-TREE FOR ORDER BY" in found) == sorted_after, found


def test_a_date_range_holding_many_jobs_is_checked_along_the_cost_index(sqlite_session, monkeypatch):
    from app.services import job_search as job_query

    monkeypatch.setattr(job_query, "SORT_LIMIT", -1)  # as if the range held more jobs than a page may sort
    found = plan(sqlite_session, "from=2025-01-01&to=2025-06-30&sort=cost")
    assert "SCAN jobs USING INDEX ix_jobs_cost" in found and "TEMP B-TREE" not in found, found
    found = plan(sqlite_session, "from=2025-01-01&to=2025-06-30&sort=cost&status=failed")
    assert "USING INDEX ix_jobs_status_cost (status=?)" in found and "TEMP B-TREE" not in found, found


@pytest.mark.parametrize(("params", "walk"), [
    # Counting needs no order: the filter likely to match fewest jobs leads, whatever the sort.
    ("template_id=react-app&sort=cost", "ix_jobs_template_created (template_id=?)"),
    ("template_id=react-app&status=running", "(status=?)"),  # any of the (status, …) indexes
    ("template_id=react-app&status=completed", "(status=?)"),
    ("status=completed&from=2026-01-01&to=2026-01-07&sort=cost", "ix_jobs_created (created_at>? AND created_at<?)"),
    ("owner=someone@example.com&status=running", "ix_jobs_owner_created (owner_id=?)"),
    ("sort=duration", "ix_jobs_duration (duration_ms>?)"),
])
def test_a_count_walks_the_most_selective_index(sqlite_session, params, walk):
    found = count_plan(sqlite_session, params)
    assert walk in found, found


# --- a person's list: "My jobs" in the browser and GET /api/jobs ----------------------------------------------


def person_list_plans(session: Session, **filters) -> list[str]:
    """SQLite's plan for each query the browser's "My jobs" page runs for a member of a team."""
    from sqlalchemy import event, select

    from app.models import Team, User
    from app.web.jobs.listing import job_page

    user = session.scalar(select(User).where(User.email == "someone@example.com"))
    if not user.teams:
        user.teams.append(Team(name="crew"))
        session.flush()
    statements: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "FROM jobs" in statement:
            statements.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = job_page(session, user, **filters)
        job_page(session, user, cursor="1767225600000000_ffffffffffffffffffffffffffffffff", **filters)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert page.jobs == []
    run = session.connection().exec_driver_sql
    return [" | ".join(row[-1] for row in run(f"EXPLAIN QUERY PLAN {sql}", params).all())
            for sql, params in statements]


@pytest.mark.parametrize("filters", [{}, {"template_id": "react-app"}, {"status": "completed"}])
def test_my_jobs_walks_the_owners_index_and_never_unites_owner_or_team(sqlite_session, filters):
    plans = person_list_plans(sqlite_session, **filters)

    # The person's own jobs, read in order along their index, up to the page's end (a page and the next).
    own = [p for p in plans if "ix_jobs_owner_created (owner_id=?" in p]
    assert len(own) == 2 and not any("TEMP B-TREE" in p for p in own), "\n".join(plans)
    # Never one `owner OR team` query (SQLite would unite two indexes and sort every visible job), and never a
    # walk along a status or project template, which four jobs in five may share.
    assert not any("MULTI-INDEX OR" in p or "status" in p or "template" in p for p in plans), "\n".join(plans)


# --- part of a name: no index serves LIKE '%x%', so it reads a bounded walk of one index -------------------------


@pytest.mark.parametrize(("params", "walk"), [
    ("q=todo", "ix_jobs_created"),
    ("q=todo&status=failed&sort=cost", "ix_jobs_created"),
    ("q=todo&sort=duration", "ix_jobs_created"),
    ("q=todo&owner=someone@example.com", "ix_jobs_owner_created (owner_id=?"),
    ("q=todo&owner=someone", "ix_jobs_owner_created (owner_id=?"),  # part of an e-mail: that account's index
])
def test_a_search_for_part_of_a_name_walks_one_index_within_its_window(sqlite_session, params, walk, monkeypatch):
    from app.services import job_search

    monkeypatch.setattr(job_search, "SUBSTRING_WINDOW", 1)
    sqlite_session.add(Job(name="todo-api", owner_id=1, template_id="react-app", status="completed"))
    sqlite_session.flush()  # one job: the window has an oldest row, so its bound is in the query
    f = filters(params)
    order = ordering(f.sort, f.order)
    exact, substring = job_search.search_parts(sqlite_session, f).queries
    assert "USING INDEX ix_jobs_name_created (<expr>=?)" in explain(
        sqlite_session, exact.order_by(order.key.desc(), order.tiebreak.desc()).limit(51))
    found = explain(sqlite_session, substring.order_by(order.key.desc(), order.tiebreak.desc()).limit(51))
    assert walk in found and "created_at>" in found, found  # a range of the index, not the whole table
    sqlite_session.rollback()
