"""Integrity failures of any table as `FieldErrors` keyed by column (or ``"__root__"``)."""

from __future__ import annotations

import re

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.exc import IntegrityError

from tui.entities.introspect import check_columns
from tui.repositories.errors import FieldErrors
from tui.repositories.integrity import integrity_errors

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([^\n]+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: ([^\n]+)")
_PG_CHECK = re.compile(r'violates check constraint "([^"]+)"')


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


def table_integrity_errors(exc: IntegrityError, table: Table) -> FieldErrors:
    """`FieldErrors` for a failed write to `table` on SQLite or PostgreSQL: unique (composite
    too), NOT NULL, CHECK and foreign key failures named by the column they concern."""
    text = str(exc.orig)
    cause = getattr(exc.orig, "__cause__", None)
    if cause is not None:
        text += "\n" + str(cause)
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
    return integrity_errors(
        exc,
        columns={f"{table.name}.{c.name}": c.key for c in table.columns},
        constraints=constraints,
    )
