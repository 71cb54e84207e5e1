"""Keyset ordering for any table: ``(sort column, *primary key)`` compared as row values.

NULLs sort last ascending and first descending on both backends (PostgreSQL's default). A
nullable sort column splits the ordering into parts read by their own index-friendly queries:
the non-NULL rows (``(col, *pk) > (:v, *:pk)``) and the NULL rows (``col IS NULL AND (*pk) >
(*:pk)``), so no ``NULLS LAST`` clause is needed.

A single-column foreign key sorts by the label of the row it references (`LabelSort`: a join
to that table, keyset over ``(label, *pk)``; a NULL key or label, or a key whose row is
missing, is a NULL sort value) when
both the foreign key and the referenced label column lead an index, so each page is read
along the two indexes; otherwise it sorts by the key it holds and `sortable` says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Integer, Label, Select, Table, bindparam, tuple_

from tui.entities.introspect import humanize, is_unsortable_type, label_column_of
from tui.entities.query import Cursor, TableQuery
from tui.entities.spec import ColumnSpec, EntitySpec


def sortable(spec: EntitySpec, column: str) -> tuple[bool, str]:
    """Whether lists of `spec` can be sorted by `column`, and a note for the user (why not,
    or that the sort scans the table because no index leads with the column)."""
    try:
        column_spec = spec.column(column)
    except KeyError:
        return False, f"{spec.label} has no column {column}"
    why_not = is_unsortable_type(column_spec.column.type)
    if why_not is not None:
        return False, f"{column_spec.label} cannot be sorted: {why_not}"
    by_label = label_sort(spec, column)
    if isinstance(by_label, str):
        return True, f"{column_spec.label}: sorted by the key it holds — {by_label}"
    if by_label is not None:
        return True, ""
    if not column_spec.indexed:
        return True, f"no index on {column_spec.label}: sorting scans the table"
    return True, ""


@dataclass(frozen=True, slots=True)
class LabelSort:
    """A foreign key column sorted by the label of the row it references: `target` (an alias
    of the referenced table: it may be this one) joined on `onclause`, its label column
    selected as `expression` (named `key` in the rows).

    A NULL key, a NULL label and a key whose row is missing (a foreign key the database did
    not enforce) all sort as NULL: the NULL part of the ordering is read with a LEFT JOIN, so
    no row drops out of the list."""

    label: ColumnSpec
    target: FromClause
    onclause: ColumnElement[bool]
    expression: Label[Any]
    nullable: bool  # the foreign key or the label may be NULL

    @property
    def key(self) -> str:
        return self.expression.key

    def joined(self, base: Select[Any], *, outer: bool) -> Select[Any]:
        """`base` with the label: a LEFT JOIN where NULL labels are listed (`outer`)."""
        if outer:
            return base.outerjoin(self.target, self.onclause).add_columns(self.expression)
        return base.join(self.target, self.onclause).add_columns(self.expression)


@lru_cache(maxsize=256)
def referenced(
    table: Table, column: str, label: str | None = None
) -> tuple[Any, ColumnSpec | None]:
    """The column `table`'s single-column foreign key `column` refers to, and the label
    column of its table (`label` when an override chose it, else the metadata's choice)."""
    element = next(
        fk
        for fk in table.c[column].foreign_keys
        if fk.constraint is not None and len(fk.constraint.elements) == 1
    )
    return element.column, label_column_of(element.column.table, label)


@lru_cache(maxsize=256)
def _label_join(table: Table, column: str, label_name: str | None, nullable: bool) -> LabelSort:
    target_column, label = referenced(table, column, label_name)
    assert label is not None
    target = target_column.table.alias()
    key = f"{column}__label"
    while key in table.c:
        key += "_"
    return LabelSort(
        label=label,
        target=target,
        onclause=table.c[column] == target.c[target_column.key],
        expression=target.c[label.name].label(key),
        nullable=nullable or label.nullable,
    )


def label_sort(spec: EntitySpec, column: str) -> LabelSort | str | None:
    """How lists of `spec` sort by its single-column foreign key `column`: by the label of
    the referenced row (a `LabelSort`), or by the key it holds and why, in column labels
    ("no index on author id"). ``None`` for other columns: a composite foreign key, the
    primary key itself and tables without a key sort by their values."""
    column_spec = spec.column(column)
    if column_spec.foreign_key is None or spec.primary_key in ((), (column_spec.name,)):
        return None
    chosen = spec.target_label(column_spec.name)
    target_column, label = referenced(spec.table, column_spec.name, chosen)
    target = humanize(target_column.table.name)
    if label is None:
        return f"{target} has no text column to sort by"
    missing = [] if column_spec.indexed else [column_spec.label]
    if not label.indexed:
        missing.append(f"the {label.label} of {target}")
    if missing:
        return "no index on " + " nor on ".join(missing)
    return _label_join(spec.table, column_spec.name, chosen, column_spec.nullable)


def _combine(columns: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    return columns[0] if len(columns) == 1 else tuple_(*columns)


@dataclass(frozen=True, slots=True)
class Ordering:
    """The ordering of `query` over a keyed table: its sort column (``None``: the key alone).

    `computed` names sortable computed columns (label -> labelled expression, never NULL)
    that `query.sort` may name besides the table's columns. `dangling`: a foreign key may
    hold a key whose row is missing (SQLite enforces foreign keys per connection, and other
    programs leave it off), so a label sort reads its NULL part even where neither the key nor
    the label can be NULL; that part is a scan of the table (read at the end of an ascending
    list, first in a descending one)."""

    spec: EntitySpec
    query: TableQuery
    computed: Mapping[str, ColumnElement[Any]] | None = None
    dangling: bool = False

    @property
    def by_label(self) -> LabelSort | None:
        """The referenced rows' label this foreign key ordering sorts by, if it does."""
        sort = self.query.sort
        if sort is None or (self.computed and sort in self.computed):
            return None
        try:
            found = label_sort(self.spec, sort)
        except KeyError:
            return None
        return found if isinstance(found, LabelSort) else None

    @property
    def sort_column(self) -> ColumnElement[Any] | None:
        sort = self.query.sort
        if sort is None or self.spec.primary_key == (sort,):
            return None
        if self.computed and sort in self.computed:
            return self.computed[sort]
        ok, why = sortable(self.spec, sort)
        if not ok:
            raise ValueError(why)
        by_label = self.by_label
        return by_label.expression if by_label is not None else self.spec.table.c[sort]

    @property
    def key_columns(self) -> list[ColumnElement[Any]]:
        return [self.spec.table.c[name] for name in self.spec.primary_key]

    def segments(self) -> list[bool | None]:
        """Parts in forward order: ``None`` whole list; ``False`` non-NULL; ``True`` NULL."""
        sort = self.query.sort
        if sort is None or self.sort_column is None or (self.computed and sort in self.computed):
            return [None]
        by_label = self.by_label
        if by_label is not None:
            nullable = by_label.nullable or self.dangling
        else:
            nullable = self.spec.column(sort).nullable
        if not nullable:
            return [None]
        return [True, False] if self.query.descending else [False, True]

    def cursor_width(self) -> int:
        return len(self.spec.primary_key) + (0 if self.sort_column is None else 1)

    def cursor_of(self, row: Any) -> Cursor:
        key = tuple(row[name] for name in self.spec.primary_key)
        column = self.sort_column
        return Cursor(key if column is None else (row[column.key], *key))

    def start_segment(self, segments: list[bool | None], cursor: Cursor) -> int:
        if len(cursor.values) != self.cursor_width():
            raise ValueError(f"this cursor does not belong to an ordering by {self.query.sort}")
        if segments == [None]:
            return 0
        return segments.index(cursor.values[0] is None)

    def params(self, cursor: Cursor) -> dict[str, Any]:
        return {f"cursor_{index}": value for index, value in enumerate(cursor.values)}

    def statement(
        self,
        base: Select[Any],
        segment: bool | None,
        descending: bool,
        *,
        keyset: bool,
        offset: bool,
        limited: bool = True,
    ) -> Select[Any]:
        """One part of the ordering, with named parameters ``cursor_<i>``, ``page_limit``
        and ``page_offset``."""
        column = self.sort_column
        keys = self.key_columns
        by_label = self.by_label
        if by_label is not None:  # a NULL label is listed only in the NULL part
            base = by_label.joined(base, outer=segment is not None)
        if segment is not None:  # the NULL or non-NULL part of a nullable sort column
            assert column is not None, "a list ordered by its key alone has one part"
            base = base.where(column.is_(None) if segment else column.is_not(None))
        if keyset:
            width = self.cursor_width()
            binds = [
                bindparam(f"cursor_{index}", type_=col.type)
                for index, col in enumerate(([column] if column is not None else []) + keys)
            ]
            if column is not None and segment is not True:
                left, right = _combine([column, *keys]), _combine(binds)
            else:
                left, right = _combine(keys), _combine(binds[width - len(keys) :])
            base = base.where(left < right if descending else left > right)
        ordered = keys if column is None else [column, *keys]
        base = base.order_by(*(key.desc() if descending else key.asc() for key in ordered))
        if limited:
            base = base.limit(bindparam("page_limit", type_=Integer))
        if offset:
            base = base.offset(bindparam("page_offset", type_=Integer))
        return base


def offset_order(spec: EntitySpec, query: TableQuery) -> list[ColumnElement[Any]]:
    """ORDER BY for a table without a key: the sort column (NULLs last ascending, first
    descending), then every sortable column, so OFFSET pages are repeatable."""
    columns = [
        spec.table.c[c.name]
        for c in spec.columns
        if is_unsortable_type(c.column.type) is None and c.name != query.sort
    ]
    if query.sort is not None:
        ok, why = sortable(spec, query.sort)
        if not ok:
            raise ValueError(why)
        sort = spec.table.c[query.sort]
        columns.insert(0, sort)
        nulls = [sort.is_(None)] if spec.column(query.sort).nullable else []
    else:
        nulls = []
    if query.descending:
        return [n.desc() for n in nulls] + [c.desc() for c in columns]
    return [n.asc() for n in nulls] + [c.asc() for c in columns]
