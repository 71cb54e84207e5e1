"""Map a database `IntegrityError` (unique, foreign key, not null) to `FieldErrors`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from tui.schemas.errors import FieldErrors

_SQLITE = re.compile(r"(UNIQUE|NOT NULL) constraint failed: (\w+)\.(\w+)")
_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")  # on expressions
_PG_CONSTRAINT = re.compile(r'violates (unique|foreign key|not-null|check) constraint "([^"]+)"')
_PG_KEY = re.compile(r"Key \(([^)]+)\)=")
_PG_NOT_NULL = re.compile(r'null value in column "(\w+)"')


def _text(exc: IntegrityError) -> str:
    parts = [str(exc.orig)]
    cause = getattr(exc.orig, "__cause__", None)
    if cause is not None:
        parts.append(str(cause))
        detail = getattr(cause, "detail", None)
        if detail:
            parts.append(str(detail))
    return "\n".join(parts)


def integrity_errors(
    exc: IntegrityError,
    *,
    columns: Mapping[str, str],
    constraints: Mapping[str, str] | None = None,
    foreign_key_field: str = "__root__",
    messages: Mapping[str, str] | None = None,
) -> FieldErrors:
    """`FieldErrors` naming the field behind `exc`.

    `columns` maps ``table.column`` to a field name; `constraints` maps constraint (and unique
    index) names to field names; `messages` gives the text per field (default "already taken").
    """
    text = _text(exc)
    messages = messages or {}
    constraints = constraints or {}

    def field_error(field: str, default: str) -> FieldErrors:
        return FieldErrors({field: messages.get(field, default)})

    if match := _SQLITE.search(text):
        kind, table, column = match.groups()
        field = columns.get(f"{table}.{column}", column)
        return field_error(field, "already taken" if kind == "UNIQUE" else "required")
    if match := _SQLITE_INDEX.search(text):
        return field_error(constraints.get(match.group(1), "__root__"), "already taken")
    if "FOREIGN KEY constraint failed" in text:
        return field_error(foreign_key_field, "refers to a row that does not exist")
    if match := _PG_CONSTRAINT.search(text):
        kind, name = match.groups()
        named = constraints.get(name)
        if named is None and (key := _PG_KEY.search(text)):
            column = key.group(1).split(",")[0].strip()
            named = next((f for c, f in columns.items() if c.endswith(f".{column}")), column)
        if kind == "unique":
            return field_error(named or "__root__", "already taken")
        if kind == "foreign key":
            return field_error(named or foreign_key_field, "refers to a row that does not exist")
        return field_error(named or "__root__", "is not allowed")
    if match := _PG_NOT_NULL.search(text):
        column = match.group(1)
        field = next((f for c, f in columns.items() if c.endswith(f".{column}")), column)
        return field_error(field, "required")
    first = text.strip().splitlines()[0] if text.strip() else "integrity error"
    return FieldErrors({"__root__": first})
