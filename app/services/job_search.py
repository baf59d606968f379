"""The SQL behind the admin job list: which index leads for each mix of filters and sort, and the search forms.

Every page must be a short walk along one index. SQLite keeps no statistics unless ANALYZE runs, so its
planner cannot tell a selective filter (an owner's few jobs) from a broad one (four jobs in five completed)
and sometimes walks the wrong index for seconds. So the code decides: one filter leads, using its index;
the others are written so that no index serves them (`coalesce(x, x)` is `x`, but opaque to the planner)
and are checked row by row along the lead's walk. PostgreSQL gets the same query shape.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from app.models import Job, User

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
HEX_PREFIX = re.compile(r"^[0-9a-f]{6,31}$")
PREFIX_MATCH_LIMIT = 5_000
# The most rows a page sorts. A date range holding more, sorted by cost or duration, is checked along the
# sort's own index instead: sorting n rows costs n, walking costs about page size * all jobs / n.
SORT_LIMIT = 5_000
RARE_STATUSES = ("queued", "running")

# What a row shows, in the table or as the JSON API's job (its per-agent usage is a few hundred bytes);
# the heavy columns (spec, options, report) stay in the database.
ROW_COLUMNS = (Job.id, Job.name, Job.owner_id, Job.team_id, Job.template_id, Job.status, Job.progress,
               Job.current_agent, Job.created_at, Job.started_at, Job.finished_at, Job.duration_ms, Job.tokens_in,
               Job.tokens_out, Job.cost_usd, Job.error, Job.files_count, Job.verified, Job.parent_id,
               Job.request_id, Job.usage)


class SearchTooBroad(ValueError):
    """A name prefix matches too many jobs to sort them all for one page; the message says what to do."""


def page_lead(session: Session, f) -> str | None:
    """The filter whose index a page walks: the most selective one whose index fits the sort order, or one
    whose few matches can be sorted. None means the sort's own index (cost, duration) leads."""
    if f.q:
        return "q"  # a handful of matches by construction (see search_condition)
    if f.owner:
        return "owner"  # one person's jobs: few enough to sort in any order
    if f.sort == "created":  # status, template and dates all have a (column, created_at, id) index
        return "status" if f.status else "template" if f.template_id else "created"
    if (f.created_from or f.created_to) and _rows_created_between(session, f) <= SORT_LIMIT:
        return "created"  # few enough to sort, and fewer than any status or template would leave
    if f.status:
        return "status"  # (status, cost_usd, id) and (status, duration_ms, id)
    return None


def count_lead(f) -> str | None:
    """The filter whose index a count walks, in no particular order: the one likely to match fewest jobs,
    so that reaching the count's cap (or the end of the matches) reads as few entries as possible."""
    if f.q:
        return "q"
    if f.owner:
        return "owner"
    if f.status in RARE_STATUSES:
        return "status"
    if f.created_from or f.created_to:
        return "created"
    return "status" if f.status else "template" if f.template_id else None


def _rows_created_between(session: Session, f) -> int:
    """How many jobs the date range holds, counted from the index only, up to SORT_LIMIT + 1."""
    query = select(Job.id)
    if f.created_from:
        query = query.where(Job.created_at >= _day_start(f.created_from))
    if f.created_to:
        query = query.where(Job.created_at < _day_start(f.created_to + timedelta(days=1)))
    return session.scalar(select(func.count()).select_from(query.limit(SORT_LIMIT + 1).subquery())) or 0


def unindexed(column):
    return func.coalesce(column, column)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def find_owner_id(session: Session, owner: str) -> int:
    """An owner given by id or e-mail; -1 (matches nothing) when there is no such user."""
    if owner.isdigit():
        return int(owner)
    found = session.scalar(select(User.id).where(User.email == owner.lower()))
    return found if found is not None else -1


def filtered_query(session: Session, f, lead: str | None, ordered: bool = True) -> Select:
    """Jobs matching the filters `f` (a JobFilters) with `lead`'s index usable and no other; `ordered` says
    whether it will be walked in the sort's order (a page) or not (a count)."""

    def column(name: str, attribute):
        return attribute if lead == name else unindexed(attribute)

    query = select(Job).options(load_only(*ROW_COLUMNS))
    if f.status:
        query = query.where(column("status", Job.status) == f.status)
    if f.template_id:
        query = query.where(column("template", Job.template_id) == f.template_id)
    if f.owner:
        query = query.where(column("owner", Job.owner_id) == find_owner_id(session, f.owner))
    # Leads whose index has created_at second walk a date range directly, unless a page needs another order.
    dated = lead in ("created", "owner", "q") or (lead in ("status", "template")
                                                  and (not ordered or f.sort == "created"))
    created = Job.created_at if dated else unindexed(Job.created_at)
    if f.created_from:
        query = query.where(created >= _day_start(f.created_from))
    if f.created_to:
        query = query.where(created < _day_start(f.created_to + timedelta(days=1)))
    if f.sort == "duration":
        # Only finished jobs have a duration; queued and running ones are left out of this order.
        indexed = lead is None or (lead == "status" and ordered)
        query = query.where((Job.duration_ms if indexed else unindexed(Job.duration_ms)).is_not(None))
    if f.q:
        query = query.where(search_condition(session, f.q))
    return query


def search_condition(session: Session, q: str):
    """Every form is served by an index: an id or its first characters (primary key), an exact name or
    `name*` for names that start with it (the lower(name) index). A substring search would read every row."""
    q = q.strip().lower()
    name = func.lower(Job.name)
    if HEX_ID.match(q):
        return Job.id == q
    if q.endswith("*"):
        prefix = q.rstrip("*")
        if not prefix:
            raise SearchTooBroad("Type the start of a name before the *.")
        # A range the index can walk, and LIKE to keep it exact whatever the collation.
        condition = and_(name >= prefix, name < _after_prefix(prefix), name.startswith(prefix, autoescape=True))
        # The matches are sorted for the page; past a few thousand that costs more than a person gains.
        probe = select(Job.id).where(condition).limit(PREFIX_MATCH_LIMIT + 1).subquery()
        if (session.scalar(select(func.count()).select_from(probe)) or 0) > PREFIX_MATCH_LIMIT:
            raise SearchTooBroad(f"More than {PREFIX_MATCH_LIMIT:,} job names start with “{prefix}”; "
                                 "type more of the name.")
        return condition
    if HEX_PREFIX.match(q):
        return or_(and_(Job.id >= q, Job.id < _after_prefix(q)), name == q)
    return name == q


def _after_prefix(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
