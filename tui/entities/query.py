"""What a table list shows: sort, direction, search, filters, trash (frozen and hashable); a
position in it (`Cursor`); what it gives back (`Page`, `Count`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

FilterOp = Literal[
    "eq", "ne", "contains", "is_null", "not_null", "gte", "lte", "between", "in", "linked"
]
FILTER_OPS: tuple[str, ...] = (
    "eq",
    "ne",
    "contains",
    "is_null",
    "not_null",
    "gte",
    "lte",
    "between",
    "in",
    "linked",
)


@dataclass(frozen=True, slots=True)
class Filter:
    """One condition on `column`.

    ``between`` takes ``(low, high)``; ``in`` a tuple of values; ``linked`` names a
    `ManyToMany` in `column` and takes the linked row's key tuple: rows linked to that row.
    """

    column: str
    op: FilterOp
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in FILTER_OPS:
            raise ValueError(f"unknown filter operation {self.op!r}")
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))


@dataclass(frozen=True, slots=True)
class TableQuery:
    """A list's query: `sort` ``None`` orders by the primary key; `trash` shows only
    soft-deleted rows (where the table has ``deleted_at``)."""

    sort: str | None = None
    descending: bool = False
    search: str | None = None
    filters: tuple[Filter, ...] = ()
    trash: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.filters, tuple):
            object.__setattr__(self, "filters", tuple(self.filters))

    def replace(self, **changes: Any) -> TableQuery:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a list's ordering: the sort value(s) and key of one row (for a table
    without a key, the row's position)."""

    values: tuple[Any, ...]


R = TypeVar("R")


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


@dataclass(frozen=True, slots=True)
class Count:
    """A row total; `estimated` when it comes from PostgreSQL's statistics."""

    value: int
    estimated: bool = False

    def __str__(self) -> str:
        return f"~{self.value:,}" if self.estimated else f"{self.value:,}"
