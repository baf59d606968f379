"""Keyset (cursor) pagination: a page costs the same at any depth, and rows added meanwhile never shift it."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from sqlalchemy import Select, bindparam, func, select, text, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

# Counting stops here: "more than 1,000" tells a person to narrow the filters as well as an exact figure would,
# and costs at most a short index walk (an exact count of a million rows costs tens of milliseconds).
COUNT_CAP = 1_000


class CursorError(ValueError):
    """The cursor is malformed, or belongs to another ordering."""


def _datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)


def _decimal(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


# How each kind of sort key travels inside a cursor: (to JSON, from JSON).
CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "datetime": (lambda v: v.isoformat(), _datetime),
    "decimal": (lambda v: format(Decimal(str(v)), "f"), _decimal),
    "int": (int, int),
    "str": (str, str),
}


@dataclass(frozen=True)
class Ordering:
    """A total order: a sort key, then a unique tie-breaker, both covered by one index."""

    name: str
    key: InstrumentedAttribute
    key_codec: str
    tiebreak: InstrumentedAttribute
    tiebreak_codec: str
    descending: bool = True
    # Whether a cursor can point backwards (a "previous page" link).
    backward: ClassVar[bool] = True

    def encode(self, row: Any, before: bool = False) -> str:
        to_json = CODECS[self.key_codec][0], CODECS[self.tiebreak_codec][0]
        values = [to_json[0](getattr(row, self.key.key)), to_json[1](getattr(row, self.tiebreak.key))]
        body = {"o": self.signature, "k": values, **({"b": 1} if before else {})}
        raw = json.dumps(body, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> tuple[list[Any], bool]:
        """The cursor's (key, tiebreak) and whether it points backwards; CursorError when it does not fit."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(raw)
            if body["o"] != self.signature:
                raise CursorError("this cursor belongs to another sort order; start from the first page")
            key, tiebreak = body["k"]
            values = [CODECS[self.key_codec][1](key), CODECS[self.tiebreak_codec][1](tiebreak)]
        except CursorError:
            raise
        except (ValueError, KeyError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError) as exc:
            raise CursorError("the cursor is not valid; start from the first page") from exc
        return values, bool(body.get("b"))

    @property
    def signature(self) -> str:
        return f"{self.name}:{'desc' if self.descending else 'asc'}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIME_ID_CURSOR = re.compile(r"^([0-9]{1,16})_([0-9a-f]{1,32})$")


@dataclass(frozen=True)
class TimeIdOrdering(Ordering):
    """A datetime key and an id, with the short cursor `<microseconds since the epoch>_<id>` that the JSON
    API documents (any string of that shape is a valid place to start a page); forwards only."""

    backward: ClassVar[bool] = False

    def encode(self, row: Any, before: bool = False) -> str:
        micros = (getattr(row, self.key.key) - EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{getattr(row, self.tiebreak.key)}"

    def decode(self, token: str) -> tuple[list[Any], bool]:
        found = TIME_ID_CURSOR.match(token)
        if found is None:
            raise CursorError("the cursor is not valid; start from the first page")
        try:
            moment = EPOCH + timedelta(microseconds=int(found[1]))
        except OverflowError as exc:
            raise CursorError("the cursor is not valid; start from the first page") from exc
        return [moment, found[2]], False


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    next: str | None
    prev: str | None


def paginate(session: Session, query: Select | Sequence[Select], ordering: Ordering, limit: int,
             cursor: str | None) -> Page:
    """One page of `query` in `ordering`, after (or, for a backward cursor, before) the cursor's row.

    `query` may be several queries matching disjoint rows (one visibility rule split by the index each part
    walks): each is read up to the page's end in order, and the short lists are merged.
    """
    queries = [query] if isinstance(query, Select) else list(query)
    values, backward = ordering.decode(cursor) if cursor else (None, False)
    # Walking backwards is walking forwards in the reverse order, then flipping the rows back.
    descending = ordering.descending != backward
    columns = (ordering.key, ordering.tiebreak)
    order = [c.desc() if descending else c.asc() for c in columns]
    rows: list[Any] = []
    for part in queries:
        if values is not None:
            bound = tuple_(*(bindparam(None, value, type_=column.type) for column, value in zip(columns, values,
                                                                                                strict=True)))
            part = part.where(tuple_(*columns) < bound if descending else tuple_(*columns) > bound)
        rows += session.scalars(part.order_by(*order).limit(limit + 1))
    if len(queries) > 1:
        rows.sort(key=lambda row: (getattr(row, columns[0].key), getattr(row, columns[1].key)), reverse=descending)
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()
    if not rows:
        return Page(rows, None, None)
    has_next = more if not backward else True
    has_prev = ordering.backward and ((values is not None) if not backward else more)
    return Page(
        rows,
        next=ordering.encode(rows[-1]) if has_next else None,
        prev=ordering.encode(rows[0], before=True) if has_prev else None,
    )


@dataclass(frozen=True)
class Total:
    """How many rows match: exact (`eq`), at least (`gte`), or an estimate from table statistics (`approx`)."""

    value: int
    relation: str = "eq"

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.value, "total_relation": self.relation}


def capped_count(session: Session, query: Select, ordering: Ordering, cap: int | None = None) -> Total:
    """Count at most `cap` (default COUNT_CAP) + 1 matching rows, so that a count reads at most a short
    stretch of the index the query's conditions lead to."""
    cap = COUNT_CAP if cap is None else cap
    limited = query.with_only_columns(ordering.tiebreak, maintain_column_froms=True).order_by(None).limit(cap + 1)
    counted = session.scalar(select(func.count()).select_from(limited.subquery())) or 0
    return Total(counted) if counted <= cap else Total(cap, "gte")


def estimate_rows(session: Session, table: str) -> int | None:
    """The database's own idea of a table's size, free to read; None when it has none."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # reltuples is kept by VACUUM and ANALYZE (autovacuum runs them); -1 means never measured.
        estimate = session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table})
    elif dialect == "sqlite":
        # Rows get ever-growing rowids, so the largest counts every row ever added (deleted ones too).
        estimate = session.scalar(text(f'SELECT max(rowid) FROM "{table}"'))  # noqa: S608 - our own table name
    else:
        estimate = None
    return int(estimate) if estimate is not None and estimate >= 0 else None


def count_rows(session: Session, query: Select, ordering: Ordering, filtered: bool) -> Total:
    """An exact count up to COUNT_CAP; past it, "about N" for a whole table or "more than N" for a filter."""
    total = capped_count(session, query, ordering)
    if total.relation == "eq" or filtered:
        return total
    estimate = estimate_rows(session, ordering.tiebreak.class_.__tablename__)
    return Total(estimate, "approx") if estimate and estimate > total.value else total
