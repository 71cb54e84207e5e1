"""What a downgrade drops: the tables and columns its SQL removes, found statement by statement.

`drops_in(statements, columns)` reads SQL as Alembic runs or renders it: `DROP TABLE t`,
`ALTER TABLE t DROP COLUMN c`, and SQLite's batch "move and copy" rebuild (`CREATE TABLE
_alembic_tmp_t`, `INSERT INTO _alembic_tmp_t (...) SELECT t.a, t.b FROM t`, `DROP TABLE t`,
`ALTER TABLE _alembic_tmp_t RENAME TO t`), where the columns of `t` the copy leaves out are the
dropped ones. `columns` holds the tables and columns the database has now: only what exists
(and so may hold data) is reported.

`copy_sqlite_schema(source, target)` copies a SQLite database's schema, without rows, so that
a downgrade can run on the copy to show its SQL: Alembic cannot render a batch rebuild offline
(it reflects the table first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

BATCH_PREFIX = "_alembic_tmp_"
VERSION_TABLE = "alembic_version"

_NAME = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s.,;()"`\[\]]+)'
_QUALIFIED = rf"(?:{_NAME}\s*\.\s*)?({_NAME})"
_DROP_TABLE = re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_QUALIFIED}", re.I)
_ALTER_TABLE = re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_QUALIFIED}", re.I)
_DROP_COLUMN = re.compile(rf"\bDROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?({_NAME})", re.I)
_RENAME = re.compile(rf"\s+RENAME\s+TO\s+{_QUALIFIED}", re.I)
_COPY = re.compile(
    rf"INSERT\s+INTO\s+{_QUALIFIED}\s*\((.*?)\)\s*SELECT\s+(.*)\s+FROM\s+{_QUALIFIED}\s*$",
    re.I | re.S,
)
_COLUMN_REF = re.compile(rf"({_NAME})\s*\.\s*({_NAME})")
_SQL_COMMENT = re.compile(r"^\s*--.*$", re.M)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A table, or a column of one (`column` set), that a downgrade drops; `rows` is the
    number of rows the table holds now."""

    table: str
    column: str | None = None
    rows: int = 0

    def __str__(self) -> str:
        rows = f"{self.rows:,} row{'s' * (self.rows != 1)}"
        if self.column is None:
            return f"table {self.table} ({rows})"
        return f"column {self.table}.{self.column} ({rows})"


def unquote(name: str) -> str:
    """`"order"` → `order` (also backquotes and brackets); bare names unchanged."""
    if len(name) > 1 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    if len(name) > 1 and (name[0], name[-1]) in (("`", "`"), ("[", "]")):
        return name[1:-1]
    return name


def statements_of(script: str) -> list[str]:
    """The statements of an offline SQL script (comments dropped)."""
    text = _SQL_COMMENT.sub("", script)
    return [part.strip() for part in re.split(r";\s*(?:\n|$)", text) if part.strip()]


def drops_in(
    statements: Iterable[str], columns: Mapping[str, Sequence[str]]
) -> list[tuple[str, str | None]]:
    """(table, None) for each table dropped and (table, column) for each column dropped, in
    order, among the tables and `columns` that exist now; columns of a dropped table are
    folded into the table."""
    live = {table: list(names) for table, names in columns.items() if table != VERSION_TABLE}
    found: list[tuple[str, str | None]] = []
    rebuilding: set[str] = set()
    for statement in statements:
        statement = statement.strip()
        if copy := _COPY.match(statement):
            _rebuild_copy(copy, live, rebuilding, found)
        elif drop := _DROP_TABLE.match(statement):
            table = unquote(drop.group(1))
            if table in rebuilding:
                continue  # the old copy of a rebuilt table: its rows moved to the new one
            if live.pop(table, None) is not None:
                found.append((table, None))
        elif alter := _ALTER_TABLE.match(statement):
            table = unquote(alter.group(1))
            rest = statement[alter.end() :]
            if rename := _RENAME.match(rest):
                _renamed(table, unquote(rename.group(1)), live, rebuilding)
                continue
            for dropped in _DROP_COLUMN.finditer(rest):
                column = unquote(dropped.group(1))
                if column in live.get(table, ()):
                    live[table].remove(column)
                    found.append((table, column))
    dropped_tables = {table for table, column in found if column is None}
    return [(t, c) for t, c in found if c is None or t not in dropped_tables]


def _rebuild_copy(
    copy: re.Match[str],
    live: dict[str, list[str]],
    rebuilding: set[str],
    found: list[tuple[str, str | None]],
) -> None:
    """`INSERT INTO _alembic_tmp_t (...) SELECT t.a, ... FROM t`: what the copy leaves out."""
    target, into, select, source = (copy.group(i) for i in range(1, 5))
    table = unquote(source)
    if unquote(target) != BATCH_PREFIX + table or table not in live:
        return
    copied = {
        unquote(column) for owner, column in _COLUMN_REF.findall(select) if unquote(owner) == table
    }
    for column in live[table]:
        if column not in copied:
            found.append((table, column))
    live[table] = [unquote(name.strip()) for name in into.split(",") if name.strip()]
    rebuilding.add(table)


def _renamed(old: str, new: str, live: dict[str, list[str]], rebuilding: set[str]) -> None:
    if old == BATCH_PREFIX + new:
        rebuilding.discard(new)  # the rebuilt table takes its name back
    elif old in live:
        live[new] = live.pop(old)


def copy_sqlite_schema(source: Connection, target: Connection) -> None:
    """Create on `target` every table, index, view and trigger of `source` (no rows, except
    the Alembic version table's)."""
    rows = source.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%'"
        " ESCAPE '\\' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1"
        " WHEN 'view' THEN 2 ELSE 3 END, rowid"
    ).all()
    for name, sql in rows:
        exists = target.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (name,))
        if exists.first() is None:  # a virtual table already made its shadow tables
            target.exec_driver_sql(sql)
    if any(name == VERSION_TABLE for name, _sql in rows):
        versions = source.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
        for (version,) in versions:
            target.exec_driver_sql(
                f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (?)", (version,)
            )
    target.commit()
