"""One repository for any table: keyset pages, counts, search, filters, guarded writes,
conflict checks, delete impact, soft delete and foreign-key labels.

Rows come out as `RowValues` (an immutable mapping of column key -> value), never ORM
objects. Build it on a session from `SessionManager.session()` for writes, or
`read_session()` for listing and reading. Every statement is built with SQLAlchemy
constructs, so reserved words and mixed-case names are quoted by the dialect.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Enum,
    Integer,
    Select,
    String,
    Table,
    and_,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from tui.entities.errors import NotFoundError, StaleRecordError
from tui.entities.impact import DeleteImpact, ImpactCount, ImpactDetail
from tui.entities.integrity import table_integrity_errors
from tui.entities.introspect import entity_label, humanize, is_text_type, singular
from tui.entities.keyset import LabelSort, Ordering, offset_order, sortable
from tui.entities.query import Count, Cursor, Filter, Page, TableQuery
from tui.entities.search import clean_search, like_pattern
from tui.entities.spec import EntitySpec, ManyToMany, RowValues, key_text
from tui.entities.statement_cache import cached_statement

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult, Dialect, Result, Row
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.admin import TableAdmin

__all__ = ["EntityRepository", "FrozenRow", "RowValues", "sortable"]

#: PostgreSQL tables with more rows than this (by the planner's statistics) get an estimated
#: total for unfiltered lists instead of an exact ``count(*)``.
ESTIMATE_THRESHOLD = 100_000


class FrozenRow(Mapping[str, Any]):
    """A row's values (column key -> value), immutable. `position` is the row's index in its
    list for tables without a key (their cursors are positions), else ``None``."""

    __slots__ = ("_values", "position")

    def __init__(self, values: Mapping[str, Any], position: int | None = None) -> None:
        self._values = MappingProxyType(dict(values))
        self.position = position

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"FrozenRow({dict(self._values)!r})"


def row_values(row: Row[*tuple[Any, ...]], position: int | None = None) -> FrozenRow:
    """A raw row (of any width) as an immutable mapping of column key -> value."""
    return FrozenRow(dict(zip(row._fields, row, strict=True)), position)


def affected_rows(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (`AsyncSession.execute` types every result as a
    plain `Result`; for DML it is a `CursorResult`, which has `rowcount`)."""
    return typing.cast("CursorResult[Any]", result).rowcount


def find_table(anchor: Table, name: str) -> Table:
    """The table of entity `name` in `anchor`'s metadata (``table`` or ``schema.table``)."""
    tables = anchor.metadata.tables
    if name in tables:
        return tables[name]
    for table in tables.values():
        if table.name == name and table.schema in (None, anchor.schema):
            return table
        if table.schema is not None and f"{table.schema}.{table.name}" == name:
            return table
    raise KeyError(f"no table {name!r} is known")


def _comparable(column: ColumnElement[Any], dialect: Dialect) -> bool:
    """Whether `column` can be compared for equality in SQL (PostgreSQL's json cannot)."""
    if dialect.name != "postgresql":
        return True
    type_ = column.type.dialect_impl(dialect)
    return not (isinstance(type_, JSON) and type(type_).__name__ != "JSONB")


class EntityRepository:
    """Reads and writes the rows of one entity (`spec`) through `session`; `admin` adds
    its computed columns to list pages and may replace the search."""

    def __init__(
        self, spec: EntitySpec, session: AsyncSession, admin: TableAdmin | None = None
    ) -> None:
        self.spec = spec
        self.session = session
        self.table = spec.table
        self.admin = admin

    # -- helpers ------------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        bind = self.session.bind
        assert bind is not None, "the session must be bound to an engine"
        return bind.dialect.name

    @property
    def _dialect(self) -> Dialect:
        bind = self.session.bind
        assert bind is not None, "the session must be bound to an engine"
        return bind.dialect

    @property
    def keyed(self) -> bool:
        """True when rows have a primary key (keyset paging, writes)."""
        return bool(self.spec.primary_key)

    def _require_key(self) -> None:
        if not self.keyed or self.spec.is_view:
            raise ValueError(f"{self.spec.label} is read-only: {self.spec.read_only_reason}")

    def _key_condition(self, key: Sequence[Any]) -> ColumnElement[bool]:
        if len(key) != len(self.spec.primary_key):
            raise ValueError(f"a key of {self.spec.label} has {len(self.spec.primary_key)} values")
        return and_(
            *(self.table.c[n] == v for n, v in zip(self.spec.primary_key, key, strict=True))
        )

    def _kind(self) -> str:
        """What a row is called in messages ("user 3 does not exist")."""
        if self.admin is not None:
            return self.admin.noun(self.spec)
        return singular(self.table.name)

    # -- conditions ---------------------------------------------------------------------
    def conditions(self, query: TableQuery) -> list[ColumnElement[bool]]:
        """The WHERE clauses of `query`: trash, search and filters."""
        found: list[ColumnElement[bool]] = []
        if self.spec.soft_delete_column is not None:
            column = self.table.c[self.spec.soft_delete_column]
            found.append(column.is_not(None) if query.trash else column.is_(None))
        search = clean_search(query.search)
        if search is not None:
            found.append(self._search(search))
        found.extend(self._filter(f) for f in query.filters)
        return found

    def _search(self, term: str) -> ColumnElement[bool]:
        if self.admin is not None:
            condition = self.admin.search(self.table, term)
            if condition is not None:
                return condition
        pattern = like_pattern(term.lower())
        columns = [self.table.c[name] for name in self.spec.search_columns]
        if not columns:
            return false()
        return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))

    def _filter(self, item: Filter) -> ColumnElement[bool]:
        if item.op == "linked":
            return self._linked(item)
        try:
            column = self.table.c[self.spec.column(item.column).name]
        except KeyError:
            raise ValueError(f"{self.spec.label} has no column {item.column!r}") from None
        value = item.value
        if item.op in ("eq", "ne", "in"):
            for one in value if item.op == "in" else (value,):
                self._check_choice(item.column, column, one)
        if item.op == "eq":
            return column.is_(None) if value is None else column == value
        if item.op == "ne":
            return column.is_distinct_from(value)
        if item.op == "contains":
            target = column if isinstance(column.type, String) else cast(column, String)
            return func.lower(target).like(like_pattern(str(value).lower()), escape="\\")
        if item.op == "is_null":
            return column.is_(None)
        if item.op == "not_null":
            return column.is_not(None)
        if item.op == "gte":
            return column >= value
        if item.op == "lte":
            return column <= value
        if item.op == "between":
            low, high = value
            return column.between(low, high)
        if item.op == "in":
            return column.in_(tuple(value))
        raise ValueError(f"unknown filter operation {item.op!r}")

    def _check_choice(self, name: str, column: ColumnElement[Any], value: Any) -> None:
        """`ValueError` for a value an enum column cannot hold (before the driver refuses it,
        or matches nothing without saying why)."""
        type_ = column.type
        if value is None or not isinstance(type_, Enum):
            return
        if type_.enum_class is not None and isinstance(value, type_.enum_class):
            return
        if value not in type_.enums:
            choices = ", ".join(type_.enums)
            raise ValueError(f"{self.spec.column(name).label} has no value {value!r}: {choices}")

    def many_to_many(self, name: str) -> ManyToMany:
        """The many-to-many relation called `name`."""
        for link in self.spec.many_to_many:
            if link.name == name:
                return link
        raise ValueError(f"{self.spec.label} has no many-to-many {name!r}")

    def _linked(self, item: Filter) -> ColumnElement[bool]:
        link = self.many_to_many(item.column)
        via = find_table(self.table, link.via)
        key = item.value if isinstance(item.value, tuple) else (item.value,)
        joins = [
            via.c[local] == self.table.c[target]
            for local, target in zip(link.local.columns, link.local.target_columns, strict=True)
        ]
        chosen = [via.c[remote] == v for remote, v in zip(link.remote.columns, key, strict=True)]
        return exists(select(literal(1)).select_from(via).where(*joins, *chosen))

    def _ordering(self, query: TableQuery) -> Ordering:
        extra = self.admin.extra_columns if self.admin is not None else ()
        computed = {c.name: c.expression(self.table).label(c.name) for c in extra if c.sortable}
        return Ordering(self.spec, query, computed or None, dangling=self.dialect == "sqlite")

    def label_sorted(self, query: TableQuery) -> LabelSort | None:
        """The label `query`'s pages are sorted by (a foreign key's; its rows hold it)."""
        return self._ordering(query).by_label if self.keyed else None

    def _selected(self) -> Select[Any]:
        extra = self.admin.extra_columns if self.admin is not None else ()
        computed = [column.expression(self.table).label(column.name) for column in extra]
        return select(self.table, *computed)

    def _filtered(self, query: TableQuery) -> Select[Any]:
        return self._selected().where(*self.conditions(query))

    def _statement(
        self,
        ordering: Ordering,
        segment: bool | None,
        descending: bool,
        *,
        keyset: bool,
        offset: bool,
        limited: bool = True,
    ) -> Select[Any]:
        """One part of `ordering` as a statement, built once per query shape and reused
        (`cached_statement`) when the query's values can be hashed."""
        query = ordering.query

        def build() -> Select[Any]:
            return ordering.statement(
                self._filtered(query),
                segment,
                descending,
                keyset=keyset,
                offset=offset,
                limited=limited,
            )

        key: tuple[Any, ...] = (self.table, self.admin, self.dialect, query, segment)
        key += (descending, keyset, offset, limited, self.spec.target_labels)
        try:
            hash(key)
        except TypeError:  # e.g. a filter value that is a dict
            return build()
        return cached_statement(key, build)

    # -- listing --------------------------------------------------------------------------
    def cursor_of(self, row: Mapping[str, Any], query: TableQuery) -> Cursor:
        """The cursor of `row` (a row of a page) in `query`'s ordering: its sort value and
        key; for a table without a key, its position (`FrozenRow.position`)."""
        if not self.keyed:
            position = getattr(row, "position", None)
            if position is None:
                raise ValueError(f"{self.spec.label} has no key: use rows of a page")
            return Cursor((position,))
        return self._ordering(query).cursor_of(row)

    async def cursor_at(self, key: tuple[Any, ...], query: TableQuery) -> Cursor:
        """The cursor of the row with primary key `key` in `query`'s ordering (what
        `position` takes); `NotFoundError` when there is no such row."""
        self._require_key()
        ordering = self._ordering(query)
        statement = self._selected().where(self._key_condition(key))
        by_label = ordering.by_label
        if by_label is not None:
            statement = by_label.joined(statement, outer=True)
        row = (await self.session.execute(statement)).first()
        if row is None:
            raise NotFoundError(self._kind(), key_text(tuple(key)))
        return ordering.cursor_of(row_values(row))

    async def _walk(
        self, query: TableQuery, cursor: Cursor | None, want: int, *, reverse: bool
    ) -> list[Row[Any]]:
        ordering = self._ordering(query)
        descending = query.descending != reverse
        segments = ordering.segments()
        if reverse:
            segments.reverse()
        start = 0 if cursor is None else ordering.start_segment(segments, cursor)
        rows: list[Row[Any]] = []
        for index in range(start, len(segments)):
            keyset = cursor is not None and index == start
            statement = self._statement(
                ordering, segments[index], descending, keyset=keyset, offset=False
            )
            params: dict[str, Any] = {"page_limit": want - len(rows)}
            if keyset:
                assert cursor is not None
                params.update(ordering.params(cursor))
            rows.extend((await self.session.execute(statement, params)).all())
            if len(rows) >= want:
                break
        return rows

    def _page(
        self,
        query: TableQuery,
        raw: Sequence[Row[Any]],
        *,
        more_after: bool,
        more_before: bool,
        offset: int | None,
    ) -> Page[RowValues]:
        if self.keyed:
            rows = tuple(row_values(r) for r in raw)
            ordering = self._ordering(query)
            next_cursor = ordering.cursor_of(rows[-1]) if more_after and rows else None
            prev_cursor = ordering.cursor_of(rows[0]) if more_before and rows else None
        else:  # by position: a row's cursor is its index in the list
            assert offset is not None
            rows = tuple(row_values(r, offset + i) for i, r in enumerate(raw))
            next_cursor = Cursor((offset + len(rows) - 1,)) if more_after and rows else None
            prev_cursor = Cursor((offset,)) if more_before and rows else None
        return Page(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, offset=offset)

    async def _offset_rows(self, query: TableQuery, offset: int, limit: int) -> list[Row[Any]]:
        statement = (
            self._filtered(query).order_by(*offset_order(self.spec, query)).limit(limit)
        ).offset(offset)
        return list((await self.session.execute(statement)).all())

    async def page(
        self, query: TableQuery, after: Cursor | None = None, limit: int = 50
    ) -> Page[RowValues]:
        """The `limit` rows following `after` (from the start when ``None``)."""
        if not self.keyed:
            offset = 0 if after is None else int(after.values[0]) + 1
            return await self.page_at(query, offset, limit)
        raw = await self._walk(query, after, limit + 1, reverse=False)
        return self._page(
            query,
            raw[:limit],
            more_after=len(raw) > limit,
            more_before=after is not None,
            offset=0 if after is None else None,
        )

    async def page_before(
        self, query: TableQuery, before: Cursor | None = None, limit: int = 50
    ) -> Page[RowValues]:
        """The `limit` rows just before `before` (the last rows when ``None``), in display
        order."""
        if not self.keyed:
            if before is None:
                total = (await self.count(query, exact=True)).value
                return await self.page_at(query, max(0, total - limit), limit)
            end = int(before.values[0])
            return await self.page_at(query, max(0, end - limit), min(limit, end))
        raw = await self._walk(query, before, limit + 1, reverse=True)
        more_before = len(raw) > limit
        return self._page(
            query,
            list(reversed(raw[:limit])),
            more_after=before is not None,
            more_before=more_before,
            offset=0 if not more_before else None,
        )

    async def page_at(self, query: TableQuery, offset: int, limit: int = 50) -> Page[RowValues]:
        """The `limit` rows from position `offset` (``OFFSET``: for far jumps, and every page
        of a table without a key)."""
        offset = max(0, offset)
        want = limit + 1
        if not self.keyed:
            rows = await self._offset_rows(query, offset, want)
            return self._page(
                query,
                rows[:limit],
                more_after=len(rows) > limit,
                more_before=offset > 0,
                offset=offset,
            )
        ordering = self._ordering(query)
        segments = ordering.segments()
        skip = offset
        found: list[Row[Any]] = []
        for index, segment in enumerate(segments):
            if skip and index < len(segments) - 1:
                part = self._statement(
                    ordering, segment, query.descending, keyset=False, offset=False, limited=False
                )
                size = await self._count_statement(part)
                if skip >= size:
                    skip -= size
                    continue
            statement = self._statement(
                ordering, segment, query.descending, keyset=False, offset=True
            )
            params = {"page_limit": want - len(found), "page_offset": skip}
            skip = 0
            found.extend((await self.session.execute(statement, params)).all())
            if len(found) >= want:
                break
        return self._page(
            query,
            found[:limit],
            more_after=len(found) > limit,
            more_before=offset > 0,
            offset=offset,
        )

    async def _count_statement(
        self, statement: Select[Any], params: Mapping[str, Any] | None = None
    ) -> int:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        return int((await self.session.execute(counted, dict(params or {}))).scalar_one())

    async def position(self, query: TableQuery, cursor: Cursor) -> int:
        """How many rows of `query` come before the row at `cursor` (its 0-based index), by
        counting backwards from it: O(position), so call it rarely, never per page."""
        if not self.keyed:
            return int(cursor.values[0])
        ordering = self._ordering(query)
        segments = ordering.segments()
        segments.reverse()
        start = ordering.start_segment(segments, cursor)
        base = self._filtered(query)
        total = 0
        for index in range(start, len(segments)):
            keyset = index == start
            statement = ordering.statement(
                base,
                segments[index],
                not query.descending,
                keyset=keyset,
                offset=False,
                limited=False,
            )
            total += await self._count_statement(
                statement, ordering.params(cursor) if keyset else None
            )
        return total

    async def count(self, query: TableQuery, *, exact: bool = False) -> Count:
        """Rows in `query`; on PostgreSQL an estimate for big tables without search or
        filters (unless `exact`)."""
        if (
            not exact
            and self.dialect == "postgresql"
            and not query.filters
            and clean_search(query.search) is None
            and not query.trash
        ):
            estimate = await self._estimate()
            if estimate is not None and estimate > ESTIMATE_THRESHOLD:
                return Count(estimate, estimated=True)
        statement = select(func.count()).select_from(self.table).where(*self.conditions(query))
        return Count(int((await self.session.execute(statement)).scalar_one()))

    async def _estimate(self) -> int | None:
        statement = text(
            "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())"
        )
        params = {"name": self.table.name, "schema": self.table.schema}
        value = (await self.session.execute(statement, params)).scalar()
        if value is None or value < 0:
            return None
        return int(value)

    # -- one row --------------------------------------------------------------------------
    async def get(self, key: tuple[Any, ...]) -> RowValues:
        """The row with primary key `key`; `NotFoundError` when there is none."""
        self._require_key()
        statement = select(self.table).where(self._key_condition(key))
        row = (await self.session.execute(statement)).first()
        if row is None:
            raise NotFoundError(self._kind(), key_text(tuple(key)))
        return row_values(row)

    async def _current(self, key: tuple[Any, ...]) -> RowValues | None:
        try:
            return await self.get(key)
        except NotFoundError:
            return None

    # -- writes ---------------------------------------------------------------------------
    @asynccontextmanager
    async def guarded(self) -> AsyncIterator[None]:
        """Run the block in a SAVEPOINT; an integrity error rolls back to it (the session
        stays usable) and becomes `FieldErrors` keyed by column."""
        try:
            async with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            raise table_integrity_errors(exc, self.table) from None

    def _writable(self, values: Mapping[str, Any]) -> dict[str, Any]:
        written = {}
        for name, value in values.items():
            column = self.spec.column(name)
            if column.computed:
                raise ValueError(f"{column.label} is computed by the database")
            written[name] = value
        return written

    async def insert(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """Insert a row; columns not in `values` are left to the database (server defaults,
        identity, computed) or the column's default. Returns the new key."""
        self._require_key()
        written = self._writable(values)
        keys = [self.table.c[n] for n in self.spec.primary_key]
        statement = insert(self.table).values(written).returning(*keys)
        async with self.guarded():
            row = (await self.session.execute(statement)).one()
        return tuple(row)

    async def update(
        self, key: tuple[Any, ...], changes: Mapping[str, Any], original: Mapping[str, Any]
    ) -> None:
        """Write only `changes` to row `key` if it still holds what was read (`original`):
        its version (bumped) where the table has a version column, else the original values
        of the changed columns. `StaleRecordError` (nothing written) when it does not."""
        self._require_key()
        written = self._writable(changes)
        if not written:
            return
        version = self.spec.version_column
        if version is not None and original.get(version) is not None:
            current_version = original[version]
            if version not in written and isinstance(current_version, int):
                written[version] = current_version + 1  # a counter; others the DB sets
            condition = self.table.c[version] == original[version]
            statement = update(self.table).where(self._key_condition(key), condition)
            async with self.guarded():
                result = await self.session.execute(statement.values(written))
            if affected_rows(result) == 0:
                raise StaleRecordError(await self._current(key), self._kind())
            return
        await self._checked_write(
            key,
            original,
            list(written),
            lambda where: update(self.table).where(*where).values(written),
        )

    async def delete(self, key: tuple[Any, ...], original: Mapping[str, Any]) -> None:
        """Delete row `key` if it still holds `original` (its version, else every column
        given but computed ones); `StaleRecordError` when it changed or is gone, `FieldErrors`
        when a reference forbids it."""
        self._require_key()
        version = self.spec.version_column
        if version is not None and version in original:
            checked = [version]
        else:
            checked = [c.name for c in self.spec.columns if not c.computed and c.name in original]
        await self._checked_write(
            key, original, checked, lambda where: delete(self.table).where(*where)
        )

    async def _checked_write(
        self,
        key: tuple[Any, ...],
        original: Mapping[str, Any],
        checked: Sequence[str],
        build: Callable[[list[ColumnElement[bool]]], Any],
    ) -> None:
        """Run the statement `build(where)` on row `key` only while the columns `checked`
        still hold their `original` values (``IS NOT DISTINCT FROM`` in the WHERE clause).

        When that matches no row, the row is read again under a lock (``FOR UPDATE`` on
        PostgreSQL; a SQLite write session holds the write lock already) and compared in
        Python: the same values stored in another text form (a date another program wrote
        without microseconds, say) are not a conflict, and the statement then runs by key.
        Columns SQL cannot compare (PostgreSQL ``json``) are compared that way first.
        """
        checked = [name for name in checked if name in original]
        in_sql = [n for n in checked if _comparable(self.table.c[n], self._dialect)]
        if len(in_sql) < len(checked):
            self._same_or_stale(await self._locked(key), original, checked, key)
        conditions = [self.table.c[n].is_not_distinct_from(original[n]) for n in in_sql]
        async with self.guarded():
            result = await self.session.execute(build([self._key_condition(key), *conditions]))
        if affected_rows(result):
            return
        self._same_or_stale(await self._locked(key), original, checked, key)
        async with self.guarded():
            result = await self.session.execute(build([self._key_condition(key)]))
        if not affected_rows(result):
            raise StaleRecordError(await self._current(key), self._kind())

    async def _locked(self, key: tuple[Any, ...]) -> RowValues | None:
        statement = select(self.table).where(self._key_condition(key)).with_for_update()
        row = (await self.session.execute(statement)).first()
        return None if row is None else row_values(row)

    def _same_or_stale(
        self,
        current: RowValues | None,
        original: Mapping[str, Any],
        checked: Sequence[str],
        key: tuple[Any, ...],
    ) -> None:
        if current is None or any(current[n] != original[n] for n in checked):
            raise StaleRecordError(current, self._kind())

    async def _set_deleted(
        self, key: tuple[Any, ...], deleted: bool, original: Mapping[str, Any] | None
    ) -> None:
        self._require_key()
        name = self.spec.soft_delete_column
        if name is None:
            raise ValueError(f"{self.spec.label} has no {humanize('deleted_at')} column")
        column = self.table.c[name]
        now = datetime.now(UTC)
        if isinstance(column.type, DateTime) and not column.type.timezone:
            now = now.replace(tzinfo=None)
        values: dict[str, Any] = {name: now if deleted else None}
        state = column.is_(None) if deleted else column.is_not(None)
        conditions = [self._key_condition(key), state]
        version = self.spec.version_column
        if version is not None and isinstance(self.table.c[version].type, Integer):
            values[version] = self.table.c[version] + 1  # a write like any other: bump it
            if original is not None and original.get(version) is not None:
                conditions.append(self.table.c[version] == original[version])
        statement = update(self.table).where(*conditions).values(values)
        async with self.guarded():
            result = await self.session.execute(statement)
        if affected_rows(result) == 0:
            current = await self.get(key)  # NotFoundError when gone
            read = original.get(version) if original is not None and version else None
            if read is not None and current[version] != read:  # type: ignore[index]
                raise StaleRecordError(current, self._kind())
            # else it already was in that state

    async def soft_delete(
        self, key: tuple[Any, ...], original: Mapping[str, Any] | None = None
    ) -> None:
        """Move row `key` to the trash (set ``deleted_at``); with `original` (the row as
        read), only while its version counter still holds the value read
        (`StaleRecordError` when it moved)."""
        await self._set_deleted(key, True, original)

    async def restore(self, key: tuple[Any, ...]) -> None:
        """Take row `key` out of the trash."""
        await self._set_deleted(key, False, None)

    # -- delete impact --------------------------------------------------------------------
    async def delete_impact(self, key: tuple[Any, ...]) -> DeleteImpact:
        """What deleting row `key` takes with it, counted per referencing foreign key."""
        row = await self.get(key)
        cascades: list[ImpactCount] = []
        set_null: list[ImpactCount] = []
        refusals: list[ImpactCount] = []
        details: dict[str, ImpactDetail] = {}
        for backlink in self.spec.backlinks:
            fk = backlink.foreign_key
            source = find_table(self.table, backlink.source)
            values = [row[target] for target in fk.target_columns]
            if any(v is None for v in values):
                continue
            condition = and_(*(source.c[c] == v for c, v in zip(fk.columns, values, strict=True)))
            statement = select(func.count()).select_from(source).where(condition)
            count = int((await self.session.execute(statement)).scalar_one())
            item = ImpactCount(entity_label(source.name), fk.name, count)
            ondelete = fk.ondelete or "NO ACTION"
            label = (
                humanize(fk.columns[0].removesuffix("_id"))
                if len(fk.columns) == 1
                else (", ".join(humanize(c) for c in fk.columns))
            )
            details[fk.name] = ImpactDetail(source.name, ", ".join(fk.columns), label, ondelete)
            if ondelete == "CASCADE":
                cascades.append(item)
            elif ondelete in ("SET NULL", "SET DEFAULT"):
                set_null.append(item)
            else:
                refusals.append(item)
        return DeleteImpact(tuple(cascades), tuple(set_null), tuple(refusals), details)

    # -- foreign-key pickers --------------------------------------------------------------
    async def choices(self, search: str, limit: int = 20) -> list[tuple[tuple[Any, ...], str]]:
        """Rows matching `search` for a foreign-key picker: ``(key, label)`` pairs, by the
        label column (case-insensitive), else by the key's text."""
        self._require_key()
        keys = [self.table.c[n] for n in self.spec.primary_key]
        label = self.spec.label_column
        label_column = self.table.c[label] if label is not None else None
        columns = [*keys] + ([label_column] if label_column is not None else [])
        statement = select(*columns)
        if self.spec.soft_delete_column is not None:
            statement = statement.where(self.table.c[self.spec.soft_delete_column].is_(None))
        term = clean_search(search)
        target = label_column if label_column is not None else keys[0]
        if term is not None:
            searched = target if is_text_type(target.type) else cast(target, String)
            pattern = like_pattern(term.lower())
            statement = statement.where(func.lower(searched).like(pattern, escape="\\"))
        statement = statement.order_by(target, *keys).limit(limit)
        found = []
        for row in (await self.session.execute(statement)).all():
            values = row_values(row)
            found.append((self.spec.key_of(values), self.spec.label_of(values)))
        return found

    async def labels(self, keys: Collection[tuple[Any, ...]]) -> dict[tuple[Any, ...], str]:
        """Labels of the rows with `keys`, in one ``IN (...)`` query (keys not found are
        left out); without a label column the key's own text, without a query."""
        self._require_key()
        wanted = list(dict.fromkeys(tuple(k) for k in keys))
        if not wanted:
            return {}
        if self.spec.label_column is None:
            return {key: key_text(key) for key in wanted}
        key_columns = [self.table.c[n] for n in self.spec.primary_key]
        label_column = self.table.c[self.spec.label_column]
        if len(key_columns) == 1:
            condition = key_columns[0].in_([k[0] for k in wanted])
        else:
            condition = tuple_(*key_columns).in_(wanted)
        statement = select(*key_columns, label_column).where(condition)
        found = {}
        for row in (await self.session.execute(statement)).all():
            values = row_values(row)
            found[self.spec.key_of(values)] = self.spec.label_of(values)
        return found
