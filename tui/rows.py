"""What a table shows, as plain values both sides share: the data side builds them, the
`RecordTable` widget draws them (no Textual here).

`Column` describes a displayed column, `TableRow` one row, and `RowSource` is where a table
gets its rows from (a table's keyset pages, a streamed SQL result).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tui.cells import Align

#: Blank cells on each side of a column's text.
CELL_PADDING = 1


@dataclass(frozen=True, slots=True)
class Column:
    """A displayed column: `key` names it in sort requests, `width` is in terminal cells."""

    key: str
    label: str
    width: int
    sortable: bool = True
    align: Align = "left"
    #: Why it cannot be sorted by (added to the message when someone tries).
    unsortable_reason: str = ""

    @property
    def render_width(self) -> int:
        """Width including the padding on both sides."""
        return self.width + 2 * CELL_PADDING


@dataclass(frozen=True, slots=True)
class TableRow:
    """One displayed row: an opaque keyset cursor, the row's identity (a table's primary key
    tuple, a result's position), and its cell values."""

    key: Any
    id: Hashable
    cells: tuple[object, ...]


@runtime_checkable
class RowSource(Protocol):
    """Where a `RecordTable` gets its rows; implementations run one query per call.

    All methods return rows in display order. `key` values are the `TableRow.key` of a row
    returned earlier by the same source. A source may set `count_on_demand = True` when
    counting means reading every row (a streamed query): the table then counts only for `G`.
    """

    async def count(self) -> tuple[int, bool]:
        """Total number of rows and whether that number is an estimate."""
        ...

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        """Up to `limit` rows following the row with `key` (`None`: the first rows)."""
        ...

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        """Up to `limit` rows preceding the row with `key` (`None`: the last rows)."""
        ...

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        """Up to `limit` rows starting at position `offset` (used for far jumps only)."""
        ...
