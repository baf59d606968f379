"""The job list walks the index that keeps a page cheap at a million rows, whatever SQLite's planner would guess.

SQLite keeps no statistics unless ANALYZE runs, so these plans are what production SQLite databases get.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.admin.job_query import filtered_query
from app.admin.job_table import JobFilters, ordering
from app.migrate import upgrade
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


def plan(session: Session, params: str) -> str:
    """SQLite's plan for the first page of /admin/jobs?<params>, as one line of text."""
    f = JobFilters.parse(MultiDict([p.split("=", 1) for p in params.split("&")]), ["react-app"])
    order = ordering(f.sort, f.order)
    query = filtered_query(session, f).order_by(order.key.desc(), order.tiebreak.desc()).limit(51)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return " | ".join(row[-1] for row in rows)


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
    # A week of jobs is sorted by cost; a wide range is checked along the cost index instead.
    ("from=2026-01-01&to=2026-01-07&sort=cost", "USING INDEX ix_jobs_created (created_at>? AND created_at<?)", True),
    ("from=2025-01-01&sort=cost", "SCAN jobs USING INDEX ix_jobs_cost", False),
    ("q=todo-api&status=completed", "USING INDEX ix_jobs_name_created (<expr>=?)", False),
]


@pytest.mark.parametrize(("params", "walk", "sorted_after"), PLANS)
def test_the_list_walks_the_right_index(sqlite_session, params, walk, sorted_after):
    found = plan(sqlite_session, params)
    assert walk in found, found
    assert ("USE TEMP B-TREE FOR ORDER BY" in found) == sorted_after, found
