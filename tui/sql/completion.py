"""Completion of table and column names from the connected database's metadata.

`load_names` reads the tables (and views) with their columns through SQLAlchemy's inspector on
one connection; `complete` answers for the word before the cursor: `us` → tables and columns
starting with it, `users.em` → the columns of `users` starting with `em`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.db.session import SessionManager

_ALIAS = re.compile(
    r"\b(?:from|join)\s+([A-Za-z_][\w$]*)\s+(?:as\s+)?([A-Za-z_][\w$]*)", re.IGNORECASE
)
#: Words that may follow a table name and are not its alias.
_NOT_ALIASES = {
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "limit",
    "offset",
    "union",
    "except",
    "intersect",
    "window",
    "having",
    "fetch",
    "for",
    "returning",
    "set",
    "values",
    "lateral",
}
_WORD_BEFORE = re.compile(r"([A-Za-z_][\w$]*\.)?([A-Za-z_][\w$]*)?$")


@dataclass(frozen=True, slots=True)
class Names:
    """Table (and view) names with their columns."""

    tables: dict[str, list[str]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return sorted({c for columns in self.tables.values() for c in columns})


@dataclass(frozen=True, slots=True)
class Completion:
    """What to insert at the cursor (`insert`) and the names that matched."""

    insert: str
    candidates: list[str]


def _read_names(connection: Any) -> Names:
    from sqlalchemy import inspect

    inspector = inspect(connection)
    tables: dict[str, list[str]] = {}
    for name in [*inspector.get_table_names(), *inspector.get_view_names()]:
        try:
            tables[name] = [column["name"] for column in inspector.get_columns(name)]
        except Exception:  # a table that cannot be reflected still completes by name
            tables[name] = []
    return Names(tables)


async def load_names(manager: SessionManager) -> Names:
    """The current database's tables and columns (one connection, read-only)."""
    async with manager.read_session() as session:
        connection = await session.connection()
        return await connection.run_sync(_read_names)


def complete(before_cursor: str, names: Names, statement: str = "") -> Completion | None:
    """The completion of the word that ends `before_cursor`, or None when nothing matches.
    A qualifier may be an alias given in `statement` (`select p.ti` of `… from posts p`)."""
    match = _WORD_BEFORE.search(before_cursor)
    if match is None:
        return None
    qualifier, word = match.group(1), match.group(2) or ""
    if qualifier:
        name = qualifier[:-1]
        table = _lookup(names, name) or _lookup(names, aliases(statement).get(name.lower(), ""))
        pool = names.tables.get(table, []) if table is not None else []
    else:
        if not word:
            return None
        pool = sorted(set(names.tables) | set(names.columns))
    lowered = word.lower()
    candidates = [name for name in pool if name.lower().startswith(lowered)]
    if not candidates:
        return None
    shared = len(_common_start([c.lower() for c in candidates]))
    common = candidates[0] if len(candidates) == 1 else candidates[0][:shared]
    return Completion(common[len(word) :], candidates)


def partial_word(before_cursor: str) -> str:
    """The part of a name typed before the cursor (`users.em` → `em`), "" after a dot."""
    match = _WORD_BEFORE.search(before_cursor)
    return (match.group(2) or "") if match is not None else ""


def aliases(statement: str) -> dict[str, str]:
    """Alias (lower case) → table name, from `FROM`/`JOIN t [AS] a` in `statement`."""
    found: dict[str, str] = {}
    for table, alias in _ALIAS.findall(statement):
        if alias.lower() not in _NOT_ALIASES:
            found[alias.lower()] = table
    return found


def _common_start(words: list[str]) -> str:
    """The longest start all `words` share."""
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def _lookup(names: Names, table: str) -> str | None:
    if table in names.tables:
        return table
    lowered = table.lower()
    return next((name for name in names.tables if name.lower() == lowered), None)
