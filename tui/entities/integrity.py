"""Integrity failures of any table as `FieldErrors` keyed by column (or ``"__root__"``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.exc import IntegrityError

from tui.entities.introspect import check_columns
from tui.schemas.errors import FieldErrors

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([^\n]+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: ([^\n]+)")
_PG_CHECK = re.compile(r'violates check constraint "([^"]+)"')
_SQLITE = re.compile(r"(UNIQUE|NOT NULL) constraint failed: (\w+)\.(\w+)")
_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")  # on expressions
_PG_CONSTRAINT = re.compile(r'violates (unique|foreign key|not-null|check) constraint "([^"]+)"')
_PG_KEY = re.compile(r"Key \(([^)]+)\)=")
_PG_NOT_NULL = re.compile(r'null value in column "(\w+)"')


def _field_of(columns: list[str], primary_key: set[str]) -> str:
    """The column to show a composite constraint's error at: the first outside the key."""
    return next((c for c in columns if c not in primary_key), columns[-1])


def _unique_sets(table: Table) -> dict[frozenset[str], str]:
    primary_key = {c.key for c in table.primary_key.columns}
    found: dict[frozenset[str], str] = {}
    groups = [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    groups += [list(i.columns) for i in table.indexes if i.unique]
    for columns in groups:
        if columns:
            found[frozenset(c.name for c in columns)] = _field_of(
                [c.key for c in columns], primary_key
            )
    return found


def _constraint_fields(table: Table) -> dict[str, str]:
    primary_key = {c.key for c in table.primary_key.columns}
    fields: dict[str, str] = dict(check_columns(table))
    for constraint in table.constraints:
        if not isinstance(constraint.name, str):
            continue
        if isinstance(constraint, UniqueConstraint | ForeignKeyConstraint):
            keys = [c.key for c in constraint.columns]
            if keys:
                fields[constraint.name] = _field_of(keys, primary_key)
    for index in table.indexes:
        keys = [c.key for c in index.columns]
        if index.unique and isinstance(index.name, str) and keys:
            fields[index.name] = _field_of(keys, primary_key)
    return fields


def _check_message(table: Table, name: str) -> str:
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint) and constraint.name == name:
            return f"is not allowed (must satisfy {constraint.sqltext})"
    return "is not allowed"


def _text(exc: IntegrityError) -> str:
    """The driver's message, its cause's and (asyncpg) the cause's detail, one per line."""
    parts = [str(exc.orig)]
    cause = getattr(exc.orig, "__cause__", None)
    if cause is not None:
        parts.append(str(cause))
        detail = getattr(cause, "detail", None)
        if detail:
            parts.append(str(detail))
    return "\n".join(parts)


def table_integrity_errors(exc: IntegrityError, table: Table) -> FieldErrors:
    """`FieldErrors` for a failed write to `table` on SQLite or PostgreSQL: unique (composite
    too), NOT NULL, CHECK and foreign key failures named by the column they concern."""
    text = _text(exc)
    constraints = _constraint_fields(table)
    if match := _SQLITE_CHECK.search(text):
        name = match.group(1).strip()
        field = constraints.get(name, "__root__")
        return FieldErrors({field: _check_message(table, name)})
    if match := _PG_CHECK.search(text):
        name = match.group(1)
        return FieldErrors({constraints.get(name, "__root__"): _check_message(table, name)})
    if match := _SQLITE_UNIQUE.search(text):
        names = frozenset(part.strip().rsplit(".", 1)[-1] for part in match.group(1).split(","))
        if len(names) > 1:
            field = _unique_sets(table).get(names, "__root__")
            return FieldErrors({field: "already taken"})
    columns = {f"{table.name}.{c.name}": c.key for c in table.columns}
    return _single_column_errors(text, columns, constraints)


def _single_column_errors(
    text: str, columns: Mapping[str, str], constraints: Mapping[str, str]
) -> FieldErrors:
    """Unique, NOT NULL and foreign key failures of one column, from the driver's `text`:
    `columns` maps ``table.column`` to a field name, `constraints` maps constraint (and unique
    index) names to field names."""

    def by_column(column: str) -> str:
        return next((f for c, f in columns.items() if c.endswith(f".{column}")), column)

    if match := _SQLITE.search(text):
        kind, table, column = match.groups()
        field = columns.get(f"{table}.{column}", column)
        return FieldErrors({field: "already taken" if kind == "UNIQUE" else "required"})
    if match := _SQLITE_INDEX.search(text):
        return FieldErrors({constraints.get(match.group(1), "__root__"): "already taken"})
    if "FOREIGN KEY constraint failed" in text:
        return FieldErrors({"__root__": "refers to a row that does not exist"})
    if match := _PG_CONSTRAINT.search(text):
        kind, name = match.groups()
        named = constraints.get(name)
        if named is None and (key := _PG_KEY.search(text)):
            named = by_column(key.group(1).split(",")[0].strip())
        if kind == "unique":
            return FieldErrors({named or "__root__": "already taken"})
        if kind == "foreign key":
            return FieldErrors({named or "__root__": "refers to a row that does not exist"})
        return FieldErrors({named or "__root__": "is not allowed"})
    if match := _PG_NOT_NULL.search(text):
        return FieldErrors({by_column(match.group(1)): "required"})
    first = text.strip().splitlines()[0] if text.strip() else "integrity error"
    return FieldErrors({"__root__": first})
