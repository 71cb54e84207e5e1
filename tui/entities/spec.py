"""What dbtui knows about one table: plain frozen descriptions, built by `introspect`, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table

#: A row as the data layer hands it out: column key -> value, immutable.
RowValues = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ForeignKeySpec:
    """A foreign key of a table: its `columns` refer to `target_columns` of entity `target`."""

    name: str
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]
    ondelete: str | None = None  # "CASCADE", "SET NULL", "RESTRICT", "NO ACTION" or None


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column: its key in the `Table`, a human label and what the form and lists need."""

    name: str
    label: str
    column: Column[Any]
    primary_key: bool = False
    nullable: bool = True
    indexed: bool = False  # leads an index, a unique constraint or the primary key
    unique: bool = False
    generated: bool = False  # left to the database (or a column default) on insert
    computed: bool = False  # never written
    max_length: int | None = None
    foreign_key: ForeignKeySpec | None = None  # the single-column foreign key it belongs to


@dataclass(frozen=True, slots=True)
class Backlink:
    """A foreign key of entity `source` (possibly this one: a self-reference) pointing here."""

    source: str
    foreign_key: ForeignKeySpec


@dataclass(frozen=True, slots=True)
class ManyToMany:
    """Rows of `target` linked to this table's rows through the association entity `via`."""

    name: str
    via: str
    local: ForeignKeySpec  # association -> this table
    remote: ForeignKeySpec  # association -> target
    target: str


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One table (or view) as dbtui shows it. An empty `primary_key` means read-only."""

    name: str
    label: str
    table: Table
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    read_only_reason: str | None = None
    label_column: str | None = None
    version_column: str | None = None
    soft_delete_column: str | None = None
    search_columns: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    backlinks: tuple[Backlink, ...] = ()
    many_to_many: tuple[ManyToMany, ...] = ()
    is_view: bool = False
    #: Label columns of referenced tables that their overrides chose: (foreign key column,
    #: label column of the table it references). The others use the metadata's choice.
    target_labels: tuple[tuple[str, str], ...] = ()

    @property
    def read_only(self) -> bool:
        """True when rows cannot be written (no primary key, or a view)."""
        return self.read_only_reason is not None

    def column(self, name: str) -> ColumnSpec:
        """The column called `name` (its key in the table); `KeyError` when there is none."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no column {name!r}")

    def target_label(self, column: str) -> str | None:
        """The label column an override chose for the table foreign key `column` references."""
        return dict(self.target_labels).get(column)

    def key_of(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The primary key values of `row`."""
        return tuple(row[name] for name in self.primary_key)

    def label_of(self, row: Mapping[str, Any]) -> str:
        """The row's label column value, else its key as ``"1"`` or ``"(1, 2)"``."""
        if self.label_column is not None:
            value = row.get(self.label_column)
            if value is not None:
                return str(value)
        return key_text(self.key_of(row)) if self.primary_key else ""


def key_text(key: tuple[Any, ...]) -> str:
    """A key as text: ``"1"`` for one column, ``"(1, 2)"`` for several."""
    if len(key) == 1:
        return str(key[0])
    return "(" + ", ".join(str(value) for value in key) + ")"
