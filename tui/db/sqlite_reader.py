"""List reads on a SQLite file over a connection of their own, one thread hop per statement.

SQLAlchemy's aiosqlite adapter hops to the driver's thread five times for one SELECT (open a
cursor, execute, fetch, close it, reset the connection on check-in); a hop costs more than the
query itself for a keyset page. `SqliteReader` runs a repository's list statements with
aiosqlite's `execute_fetchall` instead (one hop). The SQL is still SQLAlchemy's: each statement
is compiled once with the aiosqlite dialect (no engine is needed), and its bind and result
processors are applied, so rows hold the same values (datetimes, enums, booleans) as through a
session. Statements and failures go to the same `SqlLog`, and a driver error is raised as
SQLAlchemy's `DBAPIError`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from tui.db.errors import ConnectionProblem, driver_error
from tui.db.sql_log import SqlLog, now
from tui.db.sqlite_open import immutable_uri

#: Key of the `info` under which read sessions on a SQLite file carry the manager's
#: `SqliteReader` (repositories run list pages through it).
READER = "dbtui_reader"
#: Compiled statements kept (the repositories reuse one statement object per list shape).
COMPILED_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...]
    defaults: Mapping[str, Any]
    bind_processors: Mapping[str, Callable[[Any], Any]]
    #: (column index, processor) of the result columns that have one
    result_processors: tuple[tuple[int, Callable[[Any], Any]], ...]


class SqliteReader:
    """Runs SELECT statements on read-only aiosqlite connections of its own to `path`."""

    def __init__(self, path: str, dialect: Dialect, sql_log: SqlLog, timeout: float) -> None:
        self.path = path
        self.dialect = dialect
        self.sql_log = sql_log
        self.timeout = timeout
        self._connections: dict[str, Any] = {}
        self._retired = False
        self._opening = asyncio.Lock()
        self._compiled: OrderedDict[Select[Any], _Compiled | None] = OrderedDict()

    # -- statements ------------------------------------------------------------------------
    def _compile(self, statement: Select[Any]) -> _Compiled | None:
        """The statement's SQL and processors; None when it needs SQLAlchemy at execution
        (parameters expanded at run time, such as ``IN`` lists)."""
        compiled = statement.compile(dialect=self.dialect)
        expanded = compiled.post_compile_params or compiled.literal_execute_params
        if expanded or compiled.positiontup is None:
            return None
        binds = {name: compiled.binds[name] for name in compiled.positiontup}
        bind_processors = {
            name: processor
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(self.dialect).bind_processor(self.dialect))
        }
        result_processors = tuple(
            (index, processor)
            for index, column in enumerate(statement.selected_columns)
            if (
                processor := column.type.dialect_impl(self.dialect).result_processor(
                    self.dialect, None
                )
            )
        )
        return _Compiled(
            sql=compiled.string,
            positions=tuple(compiled.positiontup),
            defaults={
                name: bind.effective_value for name, bind in binds.items() if not bind.required
            },
            bind_processors=bind_processors,
            result_processors=result_processors,
        )

    def compiled(self, statement: Select[Any]) -> _Compiled | None:
        """The cached compiled form of `statement` (see `_compile`)."""
        try:
            found = self._compiled[statement]
        except KeyError:
            found = self._compiled[statement] = self._compile(statement)
            if len(self._compiled) > COMPILED_CACHE_SIZE:
                self._compiled.popitem(last=False)
            return found
        self._compiled.move_to_end(statement)
        return found

    # -- execution -------------------------------------------------------------------------
    async def _open(self, lane: str) -> Any:
        async with self._opening:
            if self._retired:
                raise ConnectionProblem("the database was switched while this list was loading")
            if lane not in self._connections:
                import aiosqlite

                uri = immutable_uri(self.path)
                pending = aiosqlite.connect(uri or self.path, timeout=self.timeout, uri=bool(uri))
                # As SQLAlchemy does for its own aiosqlite connections: a connection left
                # open (a crash) must not keep the process alive at exit.
                pending._thread.daemon = True
                connection = await pending
                try:
                    await connection.execute("PRAGMA query_only=ON")
                    await connection.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
                except BaseException:
                    await connection.close()
                    raise
                self._connections[lane] = connection
        return self._connections[lane]

    async def rows(
        self, statement: Select[Any], params: Mapping[str, Any], *, lane: str = "pages"
    ) -> list[tuple[Any, ...]] | None:
        """The rows of `statement` with `params` (tuples in SELECT order), or None when this
        statement must go through a session instead. Each `lane` has its own connection
        (statements of one lane run one after the other): counts, which can take a while on
        a big table, go on their own lane so that no page waits behind one."""
        compiled = self.compiled(statement)
        if compiled is None:
            return None
        values = {**compiled.defaults, **params}
        processors = compiled.bind_processors
        arguments = tuple(
            processors[name](values[name]) if name in processors else values[name]
            for name in compiled.positions
        )
        started = now()
        try:
            connection = self._connections.get(lane) or await self._open(lane)
            raw = await connection.execute_fetchall(compiled.sql, arguments)
        except sqlite3.Error as exc:
            self.sql_log.record(compiled.sql, arguments, started, error=driver_error(exc))
            raise DBAPIError.instance(compiled.sql, arguments, exc, sqlite3.Error) from None
        self.sql_log.record(compiled.sql, arguments, started)
        if not compiled.result_processors:
            return raw
        return [self._processed(row, compiled.result_processors) for row in raw]

    @staticmethod
    def _processed(
        row: tuple[Any, ...], processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    ) -> tuple[Any, ...]:
        values = list(row)
        for index, process in processors:
            values[index] = process(values[index])
        return tuple(values)

    async def close(self, *, final: bool = False) -> None:
        """Close the connection: the next read opens a new one, unless `final` (the manager
        moved to another database: a read still holding this reader fails instead)."""
        async with self._opening:
            self._retired = self._retired or final
            connections, self._connections = self._connections, {}
            for connection in connections.values():
                await connection.close()
