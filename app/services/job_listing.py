"""Lists of jobs: a person's jobs (the browser's "My jobs" and `GET /api/jobs`), and the admin's table of
every job with its filters, sort orders, one page of rows and what each row shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Job, JobStatus, Team, User
from app.services.access import visible_jobs
from app.services.job_search import SearchTooBroad, search_parts, unindexed
from app.services.keyset import COUNT_CAP, Ordering, Page, TimeIdOrdering, Total, capped_count, count_rows, paginate

PAGE_SIZES = (10, 25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
STATUSES = tuple(s.value for s in JobStatus)
SORTS = ("created", "duration", "cost")
ORDERS = ("desc", "asc")

_SORT_KEYS = {
    "created": (Job.created_at, "datetime"),
    "duration": (Job.duration_ms, "int"),
    "cost": (Job.cost_usd, "decimal"),
}


NEWEST_FIRST = TimeIdOrdering(name="created", key=Job.created_at, key_codec="datetime", tiebreak=Job.id,
                              tiebreak_codec="str")


def list_visible_jobs(session: Session, user: User, *, status: str | None = None, template_id: str | None = None,
                      cursor: str | None = None, limit: int = 20, name_contains: str | None = None) -> Page:
    """One page of the jobs `user` may see, newest first, after `cursor` (a keyset.TimeIdOrdering cursor):
    the browser's "My jobs" and `GET /api/jobs` both. Raises keyset.CursorError for a malformed cursor."""
    # A person's own jobs (or their teams') are few beside every job of a status or project template: their
    # index leads, and the filters are checked along it. Only an admin's list of every job walks the filter's.
    column = (lambda attribute: attribute) if user.is_admin else unindexed

    def filtered(query):
        if status:
            query = query.where(column(Job.status) == status)
        if template_id:
            query = query.where(column(Job.template_id) == template_id)
        if name_contains:  # checked along the walk of the person's own jobs, as the filters above
            query = query.where(unindexed(Job.name).ilike(f"%{_escape_like(name_contains)}%", escape="\\"))
        return query

    return paginate(session, [filtered(query) for query in visible_jobs(user)], NEWEST_FIRST, limit, cursor)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ordering(sort: str, order: str) -> Ordering:
    key, codec = _SORT_KEYS[sort]
    return Ordering(name=sort, key=key, key_codec=codec, tiebreak=Job.id, tiebreak_codec="str",
                    descending=order == "desc")


@dataclass
class JobFilters:
    status: str = ""
    template_id: str = ""
    owner: str = ""
    q: str = ""
    created_from: date | None = None
    created_to: date | None = None
    sort: str = "created"
    order: str = "desc"
    limit: int = DEFAULT_PAGE_SIZE
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, args: Mapping[str, str], template_ids: Iterable[str]) -> JobFilters:
        """Read query parameters; a bad value is dropped and explained in `errors`."""
        f = cls(owner=(args.get("owner") or "").strip()[:254], q=(args.get("q") or "").strip()[:100])
        f.status = f._choice(args, "status", STATUSES, "")
        f.template_id = f._choice(args, "template_id", tuple(template_ids), "")
        f.sort = f._choice(args, "sort", SORTS, "created")
        f.order = f._choice(args, "order", ORDERS, "desc")
        f.created_from = f._date(args, "from")
        f.created_to = f._date(args, "to")
        if f.created_from and f.created_to and f.created_from > f.created_to:
            f.errors["to"] = "The end date is before the start date."
            f.created_to = None
        raw_limit = args.get("limit") or ""
        if raw_limit:
            if raw_limit.isdigit() and 1 <= int(raw_limit) <= max(PAGE_SIZES):
                f.limit = int(raw_limit)
            else:
                f.errors["limit"] = f"Page size must be between 1 and {max(PAGE_SIZES)}."
        return f

    def _choice(self, args: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            self.errors[name] = f"Unknown {name.replace('_', ' ')} {value[:40]!r}; choose one of {', '.join(allowed)}."
            return default
        return value or default

    def _date(self, args: Mapping[str, str], name: str) -> date | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.errors[name] = f"{value[:40]!r} is not a date (YYYY-MM-DD)."
            return None

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.template_id or self.owner or self.q or self.created_from or self.created_to
                    or self.sort == "duration")

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL parameters, defaults left out, so links stay short and stable."""
        values = {
            "status": self.status, "template_id": self.template_id, "owner": self.owner, "q": self.q,
            "from": self.created_from.isoformat() if self.created_from else "",
            "to": self.created_to.isoformat() if self.created_to else "",
            "sort": "" if self.sort == "created" else self.sort, "order": "" if self.order == "desc" else self.order,
            "limit": "" if self.limit == DEFAULT_PAGE_SIZE else self.limit,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("errors", "created_from", "created_to")}
        data["from"] = self.created_from.isoformat() if self.created_from else None
        data["to"] = self.created_to.isoformat() if self.created_to else None
        return data


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    next: str | None
    prev: str | None
    total: Total
    owners: dict[int, str]
    teams: dict[int, str]
    search_note: str = ""  # how far a search for part of a name looked, when it did not see every job


def list_jobs(session: Session, f: JobFilters, cursor: str | None) -> JobPage:
    """One page of jobs. Raises keyset.CursorError for a cursor that does not fit the filters' order, and
    SearchTooBroad for a name prefix that matches too many jobs (or an owner too many accounts)."""
    order = ordering(f.sort, f.order)
    parts = search_parts(session, f)
    page: Page = paginate(session, parts.queries, order, f.limit, cursor)
    counted = search_parts(session, f, ordered=False).queries
    if len(counted) == 1:
        total = count_rows(session, counted[0], order, filtered=f.is_filtered)
    else:  # disjoint parts: their capped counts add up, still capped
        found, more = 0, False
        for query in counted:
            part = capped_count(session, query, order, cap=COUNT_CAP - found)
            found += part.value
            if part.relation == "gte":
                more = True
                break
        total = Total(found, "gte" if more else "eq")
    owners, teams = labels_for(session, page.rows)
    return JobPage(list(page.rows), page.next, page.prev, total, owners, teams, parts.note)


def jobs_newer_than(session: Session, f: JobFilters, newest_id: str) -> list[Job]:
    """The jobs the filters allow that are newer than the job `newest_id` (every one on the first page when it is
    ''), newest first: what a table sorted newest first has gained since it was shown. At most one page of them;
    none when that job is gone (nothing to compare with) or the search is too broad."""
    after = session.get(Job, newest_id) if newest_id else None
    if newest_id and after is None:
        return []
    try:
        rows = paginate(session, search_parts(session, f).queries, ordering("created", "desc"), f.limit, None).rows
    except SearchTooBroad:
        return []
    if after is None:
        return list(rows)
    return [job for job in rows if (job.created_at, job.id) > (after.created_at, after.id)]


def labels_for(session: Session, jobs: Iterable[Job]) -> tuple[dict[int, str], dict[int, str]]:
    """Owner e-mails and team names for a page of jobs, in two small queries instead of one join per row."""
    jobs = list(jobs)
    owner_ids = {j.owner_id for j in jobs if j.owner_id is not None}
    team_ids = {j.team_id for j in jobs if j.team_id is not None}
    owners = dict(session.execute(select(User.id, User.email).where(User.id.in_(owner_ids))).all()) \
        if owner_ids else {}
    teams = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all()) \
        if team_ids else {}
    return owners, teams
