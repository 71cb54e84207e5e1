"""A tiny `FieldColumn` adapter for tests: what the entity layer tells forms, from a `Table`.

The real entity spec lives elsewhere; forms only rely on the `tui.entities.forms.FieldColumn`
protocol, which this satisfies from SQLAlchemy's metadata alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, types


@dataclass(frozen=True)
class TableColumn:
    """One column of a real table, described as `FieldColumn` asks."""

    column: Column[Any]

    @property
    def name(self) -> str:
        return self.column.key

    @property
    def label(self) -> str:
        return self.column.key.replace("_", " ").capitalize()

    @property
    def nullable(self) -> bool:
        return bool(self.column.nullable)

    @property
    def primary_key(self) -> bool:
        return bool(self.column.primary_key)

    @property
    def generated(self) -> bool:
        column = self.column
        return (
            column.server_default is not None
            or column.default is not None
            or column.identity is not None
            or column.computed is not None
            or column.table.autoincrement_column is column
        )

    @property
    def computed(self) -> bool:
        return self.column.computed is not None

    @property
    def max_length(self) -> int | None:
        length = getattr(self.column.type, "length", None)
        return length if isinstance(self.column.type, types.String) else None


def columns_of(table: Table, *names: str) -> list[TableColumn]:
    """The table's columns (only `names`, in that order, when given)."""
    if names:
        return [TableColumn(table.c[name]) for name in names]
    return [TableColumn(column) for column in table.columns]
