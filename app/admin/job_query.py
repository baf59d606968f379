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

from ..models import Job, User

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
HEX_PREFIX = re.compile(r"^[0-9a-f]{6,31}$")
PREFIX_MATCH_LIMIT = 5_000
# Up to this many days, a date range sorted by cost or duration leads (its jobs are sorted for the page);
# a wider one would sort too many, so the sort's own index leads and the dates are checked along it.
NARROW_RANGE_DAYS = 31

# What a row shows; the heavy columns (spec, usage, report) stay in the database.
ROW_COLUMNS = (Job.id, Job.name, Job.owner_id, Job.team_id, Job.template_id, Job.status, Job.progress,
               Job.current_agent, Job.created_at, Job.started_at, Job.finished_at, Job.duration_ms, Job.tokens_in,
               Job.tokens_out, Job.cost_usd, Job.error, Job.files_count, Job.verified, Job.parent_id)


class SearchTooBroad(ValueError):
    """A name prefix matches too many jobs to sort them all for one page; the message says what to do."""


def leading_filter(f) -> str | None:
    """The filter whose index the query walks: the most selective one that has an index fitting the sort.
    None means the sort's own index (cost or duration) leads and every filter is checked along it."""
    if f.q:
        return "q"  # a handful of matches by construction (see search_condition)
    if f.owner:
        return "owner"  # one person's jobs: few enough to sort in any order
    if f.sort == "created":  # status, template and dates all have a (column, created_at, id) index
        return "status" if f.status else "template" if f.template_id else "created"
    if f.status:
        return "status"  # (status, cost_usd, id) and (status, duration_ms, id)
    if f.created_from and f.created_to and (f.created_to - f.created_from).days < NARROW_RANGE_DAYS:
        return "created"
    return None


def _unindexed(column):
    return func.coalesce(column, column)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def find_owner_id(session: Session, owner: str) -> int:
    """An owner given by id or e-mail; -1 (matches nothing) when there is no such user."""
    if owner.isdigit():
        return int(owner)
    found = session.scalar(select(User.id).where(User.email == owner.lower()))
    return found if found is not None else -1


def filtered_query(session: Session, f) -> Select:
    """Jobs matching the filters `f` (a JobFilters), unordered; the caller pages them."""
    lead = leading_filter(f)

    def column(name: str, attribute):
        return attribute if lead == name else _unindexed(attribute)

    query = select(Job).options(load_only(*ROW_COLUMNS))
    if f.status:
        query = query.where(column("status", Job.status) == f.status)
    if f.template_id:
        query = query.where(column("template", Job.template_id) == f.template_id)
    if f.owner:
        query = query.where(column("owner", Job.owner_id) == find_owner_id(session, f.owner))
    # Leads with created_at as their second column walk a date range directly; the others check it per row.
    created = Job.created_at if lead in ("created", "owner", "template", "q") or f.sort == "created" \
        else _unindexed(Job.created_at)
    if f.created_from:
        query = query.where(created >= _day_start(f.created_from))
    if f.created_to:
        query = query.where(created < _day_start(f.created_to + timedelta(days=1)))
    if f.sort == "duration":
        # Only finished jobs have a duration; queued and running ones are left out of this order.
        query = query.where((Job.duration_ms if lead in (None, "status") else _unindexed(Job.duration_ms))
                            .is_not(None))
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
