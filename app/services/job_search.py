"""The SQL behind the admin job list: which index leads for each mix of filters and sort, and the search forms.

Every page must be a short walk along one index. SQLite keeps no statistics unless ANALYZE runs, so its
planner cannot tell a selective filter (an owner's few jobs) from a broad one (four jobs in five completed)
and sometimes walks the wrong index for seconds. So the code decides: one filter leads, using its index;
the others are written so that no index serves them (`coalesce(x, x)` is `x`, but opaque to the planner)
and are checked row by row along the lead's walk. PostgreSQL gets the same query shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
# A search for part of a name (no index can serve `LIKE '%x%'`) reads the names of at most this many of the newest
# jobs the other filters allow, walking the creation index; an exact name and `name*` still reach every job.
SUBSTRING_WINDOW = 10_000
# An owner typed as part of an e-mail may match at most this many accounts (each one's jobs are walked apart).
OWNER_MATCH_LIMIT = 20

# What a row shows, in the table or as the JSON API's job (its per-agent usage is a few hundred bytes);
# the heavy columns (spec, options, report) stay in the database.
ROW_COLUMNS = (Job.id, Job.name, Job.owner_id, Job.team_id, Job.template_id, Job.status, Job.progress,
               Job.current_agent, Job.created_at, Job.started_at, Job.finished_at, Job.duration_ms, Job.tokens_in,
               Job.tokens_out, Job.cost_usd, Job.error, Job.files_count, Job.verified, Job.parent_id,
               Job.request_id, Job.usage)


class SearchTooBroad(ValueError):
    """A name prefix matches too many jobs to sort them all for one page, or an owner too many accounts; the
    message says what to do, `field` which filter it is about."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchParts:
    """The queries one list of jobs is read from (disjoint; keyset.paginate merges them), and what a person
    should know about how far a search for part of a name looked ('' when it saw every job)."""

    queries: list[Select]
    note: str = ""


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


def find_owner_ids(session: Session, owner: str) -> list[int]:
    """An owner given by id, whole e-mail, or part of an e-mail ("alice", "@example.org"): the accounts it names,
    [-1] (matches nothing) when none. Accounts are few beside jobs: reading their e-mails is cheap."""
    exact = find_owner_id(session, owner)
    if exact != -1 or owner.isdigit():
        return [exact]
    pattern = f"%{like_escape(owner.lower())}%"
    found = list(session.scalars(select(User.id).where(func.lower(User.email).like(pattern, escape="\\"))
                                 .order_by(User.id).limit(OWNER_MATCH_LIMIT + 1)))
    if len(found) > OWNER_MATCH_LIMIT:
        raise SearchTooBroad(f"More than {OWNER_MATCH_LIMIT} accounts have “{owner}” in their e-mail; "
                             "type more of the address.", field="owner")
    return found or [-1]


def search_parts(session: Session, f, ordered: bool = True) -> SearchParts:
    """The queries for the filters `f`: a page's (`ordered`) or a count's. One per account an owner filter names,
    each walking that owner's index in order (never `owner_id IN (…)`, which would sort all their jobs); and for a
    search for part of a name, beside the exact name (its index, every job), the names that contain it among the
    newest SUBSTRING_WINDOW jobs the other filters allow."""
    owner_ids = find_owner_ids(session, f.owner) if f.owner else [None]
    lead = page_lead(session, f) if ordered else count_lead(f)
    queries: list[Select] = []
    capped = False
    for owner_id in owner_ids:
        queries.append(filtered_query(session, f, lead, ordered, owner_id=owner_id))
        if is_substring_search(f.q):
            query, window_capped = substring_query(session, f, ordered, owner_id)
            queries.append(query)
            capped = capped or window_capped
    note = ""
    if capped:
        note = (f"Names containing “{f.q.strip()}” were looked for among the newest {SUBSTRING_WINDOW:,} jobs "
                f"these filters allow (an exact name among all of them). For older jobs, add a date range, "
                f"or search “{f.q.strip()}*” for names that start with it.")
    return SearchParts(queries, note)


def is_substring_search(q: str) -> bool:
    """Plain text: neither a whole id, nor a `name*` prefix, nor the start of an id (6+ hex characters)."""
    q = q.strip().lower()
    return bool(q) and not HEX_ID.match(q) and not q.endswith("*") and not HEX_PREFIX.match(q)


def substring_query(session: Session, f, ordered: bool, owner_id: int | None) -> tuple[Select, bool]:
    """Jobs whose name contains `f.q` (and is not exactly it: the exact name has its own query), among the newest
    SUBSTRING_WINDOW the other filters allow; and whether the window cut anything off. The owner's index leads
    when there is one, else the creation index: either walks at most the window, checking each name."""
    lead = "owner" if owner_id is not None else "created"
    query = filtered_query(session, f, lead, ordered, owner_id=owner_id, with_search=False)
    window = select(Job.created_at).order_by(Job.created_at.desc())
    if owner_id is not None:
        window = window.where(Job.owner_id == owner_id)
    if f.created_from:
        window = window.where(Job.created_at >= _day_start(f.created_from))
    if f.created_to:
        window = window.where(Job.created_at < _day_start(f.created_to + timedelta(days=1)))
    oldest = session.scalar(window.offset(SUBSTRING_WINDOW - 1).limit(1))
    if oldest is not None:
        # Bounded on both sides, as a date range is: SQLite (no statistics) then walks this range of the creation
        # index and sorts its matches, rather than walking a cost or duration index over every job.
        newest = session.scalar(window.limit(1))
        query = query.where(Job.created_at >= oldest, Job.created_at <= newest)
    q = f.q.strip().lower()
    name = unindexed(func.lower(Job.name))
    return query.where(name.like(f"%{like_escape(q)}%", escape="\\"), name != q), oldest is not None


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_query(session: Session, f, lead: str | None, ordered: bool = True, *, owner_id: int | None = None,
                   with_search: bool = True) -> Select:
    """Jobs matching the filters `f` (a JobFilters) with `lead`'s index usable and no other; `ordered` says
    whether it will be walked in the sort's order (a page) or not (a count). `owner_id`, when given, is the
    account `f.owner` names (search_parts resolves it); `with_search=False` leaves `f.q` out."""

    def column(name: str, attribute):
        return attribute if lead == name else unindexed(attribute)

    query = select(Job).options(load_only(*ROW_COLUMNS))
    if f.status:
        query = query.where(column("status", Job.status) == f.status)
    if f.template_id:
        query = query.where(column("template", Job.template_id) == f.template_id)
    if f.owner:
        owner = owner_id if owner_id is not None else find_owner_id(session, f.owner)
        query = query.where(column("owner", Job.owner_id) == owner)
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
    if f.q and with_search:
        query = query.where(search_condition(session, f.q))
    return query


def search_condition(session: Session, q: str):
    """Every form is served by an index: an id or its first characters (primary key), an exact name or
    `name*` for names that start with it (the lower(name) index). Part of a name is searched apart, in a bounded
    window (substring_query): it would otherwise read every row."""
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
