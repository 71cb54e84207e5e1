"""Shared repository machinery: queries, cursors, keyset pages, counts, guarded writes.

Ordering. A list is ordered by one sortable column with ``id`` as the tie-breaker. For a
nullable column the order is: non-NULL values ascending, then the NULL rows by id (ascending),
and exactly the reverse when descending (as PostgreSQL's default ``NULLS LAST`` / ``DESC NULLS
FIRST``), on both backends. Each part is read with its own index-friendly query
(``(col, id) > (:v, :id)`` on ``ix_<table>_<col>_id``; ``col IS NULL AND id > :id``), so
no ``NULLS LAST`` clause is needed and SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    bindparam,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import CursorResult, Result, Row
from sqlalchemy.exc import IntegrityError

from tui.entities.query import Cursor
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.repositories.integrity import integrity_errors

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

#: A result row of any width (SQLAlchemy 2.1's `Row` is variadic: `Row[Any]` is one column).
AnyRow = Row[*tuple[Any, ...]]


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE or DELETE matched (`Session.execute` types every result as a plain
    `Result`; for DML it is a `CursorResult`, which has `rowcount`)."""
    return cast(CursorResult[*tuple[Any, ...]], result).rowcount


R = TypeVar("R")

#: Built list statements kept for reuse (keyed by repository, dialect, query and part).
STATEMENT_CACHE_SIZE = 512
_STATEMENTS: OrderedDict[tuple[Any, ...], Select[Any]] = OrderedDict()

#: PostgreSQL tables with more rows than this (by the planner's statistics) get an estimated
#: total for unfiltered lists instead of an exact ``count(*)``.
ESTIMATE_THRESHOLD = 100_000


def cached_statement(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    """The statement `build()` made for `key`, reused while it stays among the
    `STATEMENT_CACHE_SIZE` most recent: SQLAlchemy then finds its compiled form without
    rebuilding the statement and its cache key. `key` must say everything the statement
    depends on (table, dialect, query, part of the ordering)."""
    cached = _STATEMENTS.get(key)
    if cached is not None:
        _STATEMENTS.move_to_end(key)
        return cached
    statement = _STATEMENTS[key] = build()
    if len(_STATEMENTS) > STATEMENT_CACHE_SIZE:
        _STATEMENTS.popitem(last=False)
    return statement


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """Rows of one page, in display order.

    `next_cursor` continues after the last row (``None`` at the end); `prev_cursor` continues
    before the first row (``None`` at the start). `offset` is the position of the first row
    when it is known (first page, `page_at`), else ``None``.
    """

    rows: tuple[R, ...]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    offset: int | None = None


@dataclass(frozen=True)
class Query:
    """What a list shows: sort column and direction, filters, search text."""

    sort: str = "id"
    descending: bool = False
    filters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    search: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", MappingProxyType(dict(self.filters)))

    def replace(self, **changes: Any) -> Query:
        """A copy with `changes` applied (e.g. ``query.replace(sort="email")``)."""
        return dataclasses.replace(self, **changes)

    def with_filter(self, name: str, value: Any) -> Query:
        """A copy with one filter set (``None`` removes it)."""
        filters = dict(self.filters)
        if value is None:
            filters.pop(name, None)
        else:
            filters[name] = value
        return self.replace(filters=filters)


@dataclass(frozen=True, slots=True)
class Count:
    """A row total; `estimated` when it comes from PostgreSQL's statistics."""

    value: int
    estimated: bool = False

    def __str__(self) -> str:
        return f"~{self.value:,}" if self.estimated else f"{self.value:,}"


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy", "uy")):
        return kind[:-1] + "ies"
    return kind + "s"


@dataclass(frozen=True, slots=True)
class Impact:
    """What a delete takes with it: counts per dependent kind.

    ``str(Impact("deletes", (("post", 12), ("profile", 1))))`` is ``"deletes 12 posts, 1
    profile"``; kinds with a zero count are left out; when all are zero `empty` is shown.
    """

    action: str
    counts: tuple[tuple[str, int], ...]
    empty: str = ""

    def __getitem__(self, kind: str) -> int:
        return dict(self.counts).get(kind, 0)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def __str__(self) -> str:
        parts = [f"{n:,} {_plural(kind, n)}" for kind, n in self.counts if n]
        if not parts:
            return self.empty or f"{self.action} nothing else"
        return f"{self.action} {', '.join(parts)}"


def clean_search(search: str | None) -> str | None:
    """Search text without control characters (asyncpg refuses NUL); ``None`` when blank."""
    if search is None:
        return None
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in search)
    cleaned = " ".join(cleaned.split())
    return cleaned or None


def like_pattern(term: str) -> str:
    """``%term%`` with ``\\``, ``%`` and ``_`` escaped (use ``escape="\\\\"``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Repository(Generic[R]):
    """Keyset-paged listing on one table. Subclasses declare:

    - `table`, `kind` (a word for messages), `sortable` (name → column; names are row
      attributes), `nullable_sorts`, `unique_sorts` (NOT NULL UNIQUE columns: ordered
      without the id tie-breaker, straight off their unique index), `filter_names`;
    - `_select()` (the list columns, labelled as the row fields) and `_conditions(query)`
      (filters and search, on `table` only);
    - `_to_rows(raw)` (row values from raw rows; at most one extra grouped query per page).

    Build it on a session from `SessionManager.session()` for writes, or `read_session()` for
    listing and reading.
    """

    table: ClassVar[Table]
    kind: ClassVar[str] = "record"
    sortable: ClassVar[Mapping[str, ColumnElement[Any]]]
    nullable_sorts: ClassVar[frozenset[str]] = frozenset()
    unique_sorts: ClassVar[frozenset[str]] = frozenset()
    filter_names: ClassVar[frozenset[str]] = frozenset()
    integrity_columns: ClassVar[Mapping[str, str]] = {}
    integrity_constraints: ClassVar[Mapping[str, str]] = {}
    integrity_messages: ClassVar[Mapping[str, str]] = {}
    foreign_key_field: ClassVar[str] = "__root__"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- hooks ----------------------------------------------------------------------------
    def _select(self) -> Select[Any]:
        raise NotImplementedError

    def _conditions(self, query: Query) -> list[ColumnElement[bool]]:
        raise NotImplementedError

    async def _to_rows(self, raw: Sequence[AnyRow]) -> tuple[R, ...]:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        bind = self.session.bind
        assert bind is not None, "the session must be bound to an engine"
        return bind.dialect.name

    @property
    def id_column(self) -> ColumnElement[int]:
        return self.table.c.id

    def check_query(self, query: Query) -> None:
        """Raise `ValueError` for an unknown sort or filter name."""
        if query.sort not in self.sortable:
            raise ValueError(
                f"cannot sort {self.kind}s by {query.sort!r}; "
                f"choose one of {', '.join(sorted(self.sortable))}"
            )
        unknown = set(query.filters) - self.filter_names
        if unknown:
            raise ValueError(
                f"unknown {self.kind} filter {', '.join(sorted(unknown))!r}; "
                f"known: {', '.join(sorted(self.filter_names)) or 'none'}"
            )

    def _filtered(self, query: Query) -> Select[Any]:
        self.check_query(query)
        return self._select().where(*self._conditions(query))

    def cursor_of(self, row: Any, query: Query) -> Cursor:
        """The cursor of `row` (a row value, such as `Page.rows` hold) in `query`'s ordering."""
        if query.sort == "id":
            return Cursor((row.id,))
        return Cursor((getattr(row, query.sort), row.id))

    def _segments(self, query: Query) -> list[bool | None]:
        """Parts of the ordering in forward order: ``None`` = the whole list; ``False`` = the
        non-NULL part; ``True`` = the NULL part."""
        if query.sort not in self.nullable_sorts:
            return [None]
        return [True, False] if query.descending else [False, True]

    def _segment_statement(
        self, query: Query, segment: bool | None, descending: bool, keyset: bool, offset: bool
    ) -> Select[Any]:
        """One part of the ordering as a statement with named parameters (``cursor_value``,
        ``cursor_id``, ``page_limit``, ``page_offset``), built once per query shape and
        reused: SQLAlchemy then finds its compiled form without rebuilding a cache key."""
        key = (query, segment, descending, keyset, offset)
        return self._cached(key, lambda: self._build_segment(*key))

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
        """The statement built by `build` for `key` (within this repository class and
        dialect), reused while it stays among the `STATEMENT_CACHE_SIZE` most recent."""
        return cached_statement((type(self), self.dialect, *key), build)

    def _build_segment(
        self,
        query: Query,
        segment: bool | None,
        descending: bool,
        keyset: bool,
        offset: bool,
        limited: bool = True,
    ) -> Select[Any]:
        base = self._filtered(query)
        column = self.sortable[query.sort]
        ident = self.id_column
        by_id = query.sort == "id"
        # a unique column orders by itself: `col > :v` on its unique index, no tie-breaker
        unique = query.sort in self.unique_sorts
        if segment is True:
            base = base.where(column.is_(None))
        elif segment is False:
            base = base.where(column.is_not(None))
        if keyset:
            last_id = bindparam("cursor_id", type_=ident.type)
            if by_id or segment is True:
                base = base.where(ident < last_id if descending else ident > last_id)
            else:
                value = bindparam("cursor_value", type_=column.type)
                left: ColumnElement[Any]
                right: ColumnElement[Any]
                if unique:
                    left, right = column, value
                else:
                    left, right = tuple_(column, ident), tuple_(value, last_id)
                base = base.where(left < right if descending else left > right)
        # in the NULL part the column is constant; ordering by it too keeps the
        # (col, id) index order usable on PostgreSQL
        keys = [ident] if by_id else [column] if unique else [column, ident]
        base = base.order_by(*(key.desc() if descending else key.asc() for key in keys))
        if limited:
            base = base.limit(bindparam("page_limit", type_=Integer))
        if offset:
            base = base.offset(bindparam("page_offset", type_=Integer))
        return base

    @staticmethod
    def _start_segment(query: Query, segments: list[bool | None], cursor: Cursor) -> int:
        """Index of the part of the ordering that holds the cursor's row."""
        if len(cursor.values) != (1 if query.sort == "id" else 2):
            raise ValueError(f"this cursor does not belong to an ordering by {query.sort}")
        if segments == [None]:
            return 0
        return segments.index(cursor.values[0] is None)

    async def _walk(
        self, query: Query, cursor: Cursor | None, want: int, *, reverse: bool
    ) -> list[AnyRow]:
        """Up to `want` raw rows strictly after (`reverse`: before) `cursor`, in walking order."""
        self.check_query(query)
        descending = query.descending != reverse
        segments = self._segments(query)
        if reverse:
            segments.reverse()
        start = 0 if cursor is None else self._start_segment(query, segments, cursor)
        rows: list[AnyRow] = []
        for index in range(start, len(segments)):
            keyset = cursor is not None and index == start
            statement = self._segment_statement(
                query, segments[index], descending, keyset, offset=False
            )
            params: dict[str, Any] = {"page_limit": want - len(rows)}
            if keyset:
                assert cursor is not None
                params.update(_cursor_params(cursor))
            rows.extend((await self.session.execute(statement, params)).all())
            if len(rows) >= want:
                break
        return rows

    # -- listing --------------------------------------------------------------------------
    async def page(self, query: Query, after: Cursor | None = None, limit: int = 50) -> Page[R]:
        """The `limit` rows following `after` (from the start when ``None``)."""
        raw = await self._walk(query, after, limit + 1, reverse=False)
        return await self._page(
            query,
            raw[:limit],
            more_after=len(raw) > limit,
            more_before=after is not None,
            offset=0 if after is None else None,
        )

    async def page_before(
        self, query: Query, before: Cursor | None = None, limit: int = 50
    ) -> Page[R]:
        """The `limit` rows just before `before` (the last rows when ``None``), in normal
        order: the reverse keyset walk used for `end` and scrolling up."""
        raw = await self._walk(query, before, limit + 1, reverse=True)
        more_before = len(raw) > limit
        return await self._page(
            query,
            list(reversed(raw[:limit])),
            more_after=before is not None,
            more_before=more_before,
            offset=0 if not more_before else None,
        )

    async def page_at(self, query: Query, offset: int, limit: int = 50) -> Page[R]:
        """The `limit` rows from position `offset` (``OFFSET``; for far jumps only)."""
        self.check_query(query)
        offset = max(0, offset)
        want = limit + 1
        segments = self._segments(query)
        skip = offset
        rows: list[AnyRow] = []
        for index, segment in enumerate(segments):
            if skip and index < len(segments) - 1:
                part = self._build_segment(
                    query, segment, query.descending, keyset=False, offset=False, limited=False
                )
                size = await self._count_statement(part)
                if skip >= size:
                    skip -= size
                    continue
            statement = self._segment_statement(
                query, segment, query.descending, keyset=False, offset=True
            )
            params = {"page_limit": want - len(rows), "page_offset": skip}
            skip = 0
            rows.extend((await self.session.execute(statement, params)).all())
            if len(rows) >= want:
                break
        return await self._page(
            query, rows[:limit], more_after=len(rows) > limit, more_before=offset > 0, offset=offset
        )

    async def _page(
        self,
        query: Query,
        raw: Sequence[Any],
        *,
        more_after: bool,
        more_before: bool,
        offset: int | None,
    ) -> Page[R]:
        """A `Page` of the raw rows `raw` (in display order), with cursors to the rows around."""
        rows = await self._to_rows(raw)
        return Page(
            rows=rows,
            next_cursor=self.cursor_of(rows[-1], query) if more_after and rows else None,
            prev_cursor=self.cursor_of(rows[0], query) if more_before and rows else None,
            offset=offset,
        )

    async def _count_statement(
        self, statement: Select[Any], params: Mapping[str, Any] | None = None
    ) -> int:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        return int((await self.session.execute(counted, dict(params or {}))).scalar_one())

    async def position(self, query: Query, cursor: Cursor) -> int:
        """How many rows of `query` come before the row at `cursor` (its 0-based index), by
        counting backwards from it: an index range count, for "row 1,204 of 1,000,000"
        after a keyset jump. Costs O(position) (at row 900,000 of 1M: ~60-100 ms on SQLite,
        0.1-1.5 s on PostgreSQL), so call it rarely and off the UI path, never per page."""
        self.check_query(query)
        segments = self._segments(query)
        segments.reverse()
        start = self._start_segment(query, segments, cursor)
        total = 0
        for index in range(start, len(segments)):
            keyset = index == start
            statement = self._build_segment(
                query, segments[index], not query.descending, keyset, False, limited=False
            )
            total += await self._count_statement(
                statement, _cursor_params(cursor) if keyset else None
            )
        return total

    def _is_unfiltered(self, query: Query) -> bool:
        return not query.filters and clean_search(query.search) is None

    async def count(self, query: Query) -> Count:
        """Rows in `query`; on PostgreSQL an estimate for big unfiltered tables."""
        self.check_query(query)
        if self.dialect == "postgresql" and self._is_unfiltered(query):
            estimate = await self._estimate()
            if estimate is not None and estimate > ESTIMATE_THRESHOLD:
                return Count(estimate, estimated=True)
        statement = self._cached(
            (query, "count"),
            lambda: select(func.count()).select_from(self.table).where(*self._conditions(query)),
        )
        return Count(int((await self.session.execute(statement)).scalar_one()))

    async def _estimate(self) -> int | None:
        statement = text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)")
        value = (await self.session.execute(statement, {"name": self.table.name})).scalar()
        if value is None or value < 0:
            return None
        return int(value)

    # -- writes ---------------------------------------------------------------------------
    @asynccontextmanager
    async def guarded(self) -> AsyncIterator[None]:
        """Run the writes of the block in a SAVEPOINT and flush them; an integrity error
        rolls back to it (the session stays usable) and becomes `FieldErrors`."""
        try:
            async with self.session.begin_nested():
                yield
                await self.session.flush()
        except IntegrityError as exc:
            raise integrity_errors(
                exc,
                columns=self.integrity_columns,
                constraints=self.integrity_constraints,
                foreign_key_field=self.foreign_key_field,
                messages=self.integrity_messages,
            ) from None

    def _for_update(self, statement: Select[Any]) -> Select[Any]:
        """A fresh load of the row to change, locked until commit (``FOR UPDATE`` on
        PostgreSQL; on SQLite a write session holds the database write lock from its BEGIN
        IMMEDIATE)."""
        return statement.with_for_update().execution_options(populate_existing=True)

    async def _stale(self, id: int) -> StaleRecordError:
        try:
            current = await self.get(id)
        except NotFoundError:
            current = None
        return StaleRecordError(current, self.kind)

    async def get(self, id: int) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    async def _write(self, id: int, block: Any) -> None:
        """Run `block()` (an async callable doing ORM writes) guarded; a concurrent change
        detected at flush (`StaleDataError`) becomes `StaleRecordError`."""
        from sqlalchemy.orm.exc import StaleDataError

        try:
            async with self.guarded():
                await block()
        except StaleDataError:
            raise await self._stale(id) from None


def _cursor_params(cursor: Cursor) -> dict[str, Any]:
    params = {"cursor_id": cursor.values[-1]}
    if len(cursor.values) > 1:
        params["cursor_value"] = cursor.values[0]
    return params


def field_errors(**errors: str) -> FieldErrors:
    """Shorthand: ``field_errors(email="already taken")``."""
    return FieldErrors(errors)
