"""A statement's result read forward as the user scrolls: a `RowSource` for `RecordTable`.

The statement runs on a pooled connection of its own, through the driver's cursor (aiosqlite
stepping through `fetchmany`; asyncpg's cursor, a portal inside the connection's transaction):
SQLAlchemy's result layer would cost 0.4x (SQLite) to 0.7x (PostgreSQL) of the driver's own
time per row, and a result read to the end is all rows. The engine's other duties are kept:
the read-only guard checks the statement, the SQL log records it, the pool hands out and
takes back the connection, and SQLAlchemy owns the transaction (PostgreSQL) that closing rolls
back. Rows are read in batches only when the table asks for them; the last `window` rows read
stay in memory, so a result of any size costs the same. A page before the window (a far jump
back) runs the statement again and skips to it. `count()` reads to the end (the table calls
it for `G`).

Reading to the end (`G`, counting) reads in spans of about `SPAN_SECONDS`: on SQLite one span
is one call on the driver's thread that steps through its rows and keeps only the last `window`
of them (`tui.sql.driver_thread`), so no row crosses threads and none is freed on the UI's
thread; between spans the progress is reported and a cancel is seen.

`cancel()` stops a running statement from outside its task: SQLite through the connection's
`interrupt()`, PostgreSQL through `pg_cancel_backend` on another pooled connection. Closing
rolls back, so no transaction stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from tui.db.errors import driver_error
from tui.db.sql_log import now
from tui.rows import TableRow
from tui.sql.driver_thread import sqlite_span, tail

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.session import SessionManager

#: Rows read from the cursor per round trip.
BATCH = 500
#: Rows read by `open`: one page, so that the first rows show as soon as they exist.
FIRST_BATCH = 100
#: Rows per round trip while reading to the end (`G`, counting) on PostgreSQL: as many as a
#: bare loop would take. With 5,000 more rows outlive gen-0 collections: six full collections
#: of the app's heap per 1M rows (1.1 s), none at 500-2,000.
END_BATCH = 1000
#: Seconds of reading to the end between two progress reports (and cancel checks).
SPAN_SECONDS = 0.25
#: Rows kept after reading (the table itself caches 8 pages of 100).
WINDOW = 2000


class QueryCancelled(Exception):
    """The statement was cancelled by the user."""


def literal_sql(sql: str) -> Any:
    """`sql` as a `text()` construct that binds nothing: every `:` stays a colon."""
    return text(sql.replace("\\", "\\\\").replace(":", "\\:"))


async def driver_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection (aiosqlite or asyncpg) behind `conn`."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


#: `span(keep, seconds)`: read on for about `seconds` or to the end; (rows read, the last `keep`
#: of them, whether the end was reached).
Span = Callable[[int, float], Awaitable[tuple[int, list[Any], bool]]]


class DriverCursor:
    """The driver's cursor over one statement's rows: `fetch(n)` reads up to n rows (one
    round trip); `span(keep, seconds)` reads on for a while keeping only the last rows;
    `close()` ends it (PostgreSQL: rolls its transaction back) and raises when that failed
    (then the connection must be dropped, not pooled)."""

    def __init__(
        self,
        columns: list[str],
        fetch: Callable[[int], Awaitable[list[Any]]],
        close: Callable[[], Awaitable[None]],
        span: Span | None = None,
    ) -> None:
        self.columns = columns
        self.fetch = fetch
        self.close = close
        self.span: Span = span or self._fetch_span

    async def _fetch_span(self, keep: int, seconds: float) -> tuple[int, list[Any], bool]:
        """`span` by round trips of `END_BATCH` rows (asyncpg reads on the event loop)."""
        deadline = time.perf_counter() + seconds
        kept: list[Any] = []
        read = 0
        while True:
            rows = await self.fetch(END_BATCH)
            got = len(rows)
            read += got
            kept = tail(kept, rows, keep)
            del rows  # each batch dies young: no row lives on into the next fetch
            if got < END_BATCH:
                return read, kept, True
            if time.perf_counter() >= deadline:
                return read, kept, False

    @classmethod
    async def open(cls, conn: AsyncConnection, sql: str, read_only: bool) -> DriverCursor:
        """Run `sql` exactly as typed (nothing is bound) on `conn`'s driver connection;
        PostgreSQL: in a transaction of its own, READ ONLY when `read_only`."""
        driver = await driver_connection(conn)
        if conn.dialect.name == "sqlite":  # no BEGIN: the statement is its own read
            cursor = await driver.execute(sql)
            names = [column[0] for column in cursor.description or ()]
            return cls(names, cursor.fetchmany, cursor.close, sqlite_span(cursor))
        transaction = driver.transaction(readonly=read_only)
        await transaction.start()
        try:
            statement = await driver.prepare(sql)
            portal = await statement.cursor()
        except BaseException:
            with contextlib.suppress(Exception):  # the caller drops a connection left in it
                await transaction.rollback()
            raise
        names = [attribute.name for attribute in statement.get_attributes()]
        return cls(names, portal.fetch, transaction.rollback)


class Canceller:
    """Cancels whatever runs on one connection, from another task."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self.cancelled = False
        self._driver: Any = None
        self._pid: int | None = None

    async def attach(self, conn: AsyncConnection) -> None:
        """Remember `conn`'s driver connection (and its PostgreSQL backend)."""
        self._driver = await driver_connection(conn)
        if conn.dialect.name == "postgresql":
            self._pid = self._driver.get_server_pid()

    def detach(self) -> None:
        """The connection went back to the pool: never cancel what runs on it now."""
        self._driver = None
        self._pid = None

    async def cancel(self) -> None:
        """Stop the running statement (no-op when nothing runs)."""
        self.cancelled = True
        driver, pid = self._driver, self._pid
        if driver is None:
            return
        if pid is None:  # SQLite: thread-safe, takes effect at the next step
            await driver.interrupt()
            return
        engine = self.manager.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as other:
            mine = (await driver_connection(other)).get_server_pid()
            if mine != pid and self._pid == pid:  # still attached, and not ourselves
                await other.execute(text("select pg_cancel_backend(:pid)"), {"pid": pid})


class QueryStream:
    """The rows of one read statement, fetched on demand; implements `RowSource`."""

    #: Tells `RecordTable` not to count on its own: counting means reading to the end.
    count_on_demand = True

    def __init__(
        self,
        manager: SessionManager,
        sql: str,
        *,
        batch: int = BATCH,
        window: int = WINDOW,
    ) -> None:
        self.manager = manager
        self.sql = sql
        self.batch = batch
        self.read_only = manager.settings.is_production
        """PostgreSQL: read in a READ ONLY transaction (production: writes must be asked)."""
        self.columns: list[str] = []
        self.rows_read = 0
        """Rows read from the cursor so far (the position of the cursor)."""
        self.done = False
        """True once the cursor reached the end (then `rows_read` is the total)."""
        self.closed = False
        self.on_progress: Callable[[QueryStream], None] | None = None
        """Called after each batch read (e.g. to show "12,000 rows read")."""
        self.whole = manager.settings.is_memory
        """An in-memory database has one connection, handed to one user at a time: its result
        is read whole at once, so that the connection is not held while the user scrolls."""
        self._window: deque[tuple[Any, ...]] = deque(maxlen=None if self.whole else window)
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        self._cursor: DriverCursor | None = None
        self._canceller = Canceller(manager)

    # -- life cycle ------------------------------------------------------------------------
    async def open(self) -> None:
        """Run the statement and read its first batch (the first rows show at once)."""
        async with self._lock:
            await self._execute()
            await self._read(FIRST_BATCH)
            while self.whole and not self.done:
                await self._read(END_BATCH, END_BATCH)

    async def _execute(self) -> None:
        await self._close_cursor()
        manager = self.manager
        manager.check_writable(self.sql)
        conn = await manager.engine.connect()
        began = now()
        try:
            await self._canceller.attach(conn)
            self._check_cancelled()
            cursor = await DriverCursor.open(conn, self.sql, self.read_only)
        except BaseException as error:
            self._canceller.detach()
            await _close(conn, drop=await _in_transaction(conn))
            self._raise_if_cancelled()
            if isinstance(error, Exception):
                message = driver_error(error, manager.settings.secrets)
                manager.sql_log.record(self.sql, (), began, error=message)
            raise
        manager.sql_log.record(self.sql, (), began)
        self._conn = conn
        self._cursor = cursor
        self.columns = cursor.columns
        self.rows_read = 0
        self.done = False
        self._window.clear()

    def held_rows(self) -> list[tuple[Any, ...]]:
        """The rows read and still held (the first batch right after `open`)."""
        return [tuple(row) for row in self._window]

    async def cancel(self) -> None:
        """Stop a running fetch; the stream is closed afterwards."""
        await self._canceller.cancel()

    @property
    def cancelled(self) -> bool:
        return self._canceller.cancelled

    async def close(self) -> None:
        """Close the cursor and give the connection back (rolled back)."""
        self.closed = True
        await self._close_cursor()

    async def _close_cursor(self) -> None:
        cursor, conn = self._cursor, self._conn
        self._cursor = self._conn = None
        self._canceller.detach()  # its backend may serve someone else next
        closed = True
        if cursor is not None:
            try:
                await cursor.close()
            except Exception:  # e.g. the connection broke: never pool it
                closed = False
        if conn is not None:
            await _close(conn, drop=not closed)

    # -- reading ---------------------------------------------------------------------------
    def _check_cancelled(self) -> None:
        if self._canceller.cancelled:
            raise QueryCancelled("cancelled")

    def _raise_if_cancelled(self) -> None:
        if self._canceller.cancelled:
            raise QueryCancelled("cancelled") from None

    async def _read(self, count: int, batch: int | None = None) -> None:
        """Read up to `count` rows from the cursor into the window (`batch` per round trip)."""
        size = batch or self.batch
        while count > 0 and not self.done:
            if self._canceller.cancelled:  # asked between two fetches
                await self._close_cursor()
                raise QueryCancelled("cancelled")
            if self._cursor is None:
                raise QueryCancelled("the result was closed")
            asked = min(count, size)
            try:
                rows = await self._cursor.fetch(asked)
            except BaseException:
                await self._close_cursor()
                self._raise_if_cancelled()
                raise
            # the driver's rows (tuples, asyncpg records): made tuples only when shown
            self._window.extend(rows[-self._window.maxlen :] if self._window.maxlen else rows)
            self.rows_read += len(rows)
            count -= len(rows)
            if len(rows) < asked:
                self.done = True
                await self._close_cursor()
            if self.on_progress is not None:
                self.on_progress(self)

    async def _rows(self, start: int, limit: int) -> list[TableRow]:
        async with self._lock:
            if self.closed:
                raise QueryCancelled("the result was closed")
            first_held = self.rows_read - len(self._window)
            if start < first_held:  # before what is held: run again, skip to it
                await self._execute()
                first_held = 0
            wanted_end = start + limit
            if self.rows_read < wanted_end:
                await self._read(max(wanted_end - self.rows_read, self.batch))
            first_held = self.rows_read - len(self._window)
            end = min(wanted_end, self.rows_read)
            return [
                TableRow(index, index, tuple(self._window[index - first_held]))
                for index in range(max(start, first_held), end)
            ]

    async def read_to_end(self) -> int:
        """Read every remaining row (keeping only the window); returns the total."""
        async with self._lock:
            if self.closed:
                raise QueryCancelled("the result was closed")
            while not self.done:
                await self._read_span()
            return self.rows_read

    async def _read_span(self) -> None:
        """Read on for `SPAN_SECONDS` (or to the end), keeping the last rows in the window."""
        if self._canceller.cancelled:
            await self._close_cursor()
            raise QueryCancelled("cancelled")
        if self._cursor is None:
            raise QueryCancelled("the result was closed")
        try:
            read, last, done = await self._cursor.span(self._window.maxlen or 0, SPAN_SECONDS)
        except BaseException:
            await self._close_cursor()
            self._raise_if_cancelled()
            raise
        self._window.extend(last)
        self.rows_read += read
        if done:
            self.done = True
            await self._close_cursor()
        if self.on_progress is not None:
            self.on_progress(self)

    # -- RowSource ---------------------------------------------------------------------------
    async def count(self) -> tuple[int, bool]:
        return await self.read_to_end(), False

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        return await self._rows(0 if key is None else int(key) + 1, limit)

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        end = await self.read_to_end() if key is None else int(key)
        start = max(0, end - limit)
        return await self._rows(start, end - start)

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        return await self._rows(offset, limit)

    async def all_rows(self) -> Any:
        """Every row from the start, page by page, on a fresh cursor (for export)."""
        again = QueryStream(self.manager, self.sql, batch=self.batch, window=self.batch)
        try:
            await again.open()
            while True:
                rows = again.held_rows()
                again._window.clear()
                if rows:
                    yield rows
                if again.done:
                    return
                async with again._lock:
                    await again._read(again.batch)
        finally:
            await again.close()


class RowsResult:
    """A small result held in memory (a write's RETURNING rows, a plan): a `RowSource`."""

    count_on_demand = False

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        self.rows = rows

    async def count(self) -> tuple[int, bool]:
        return len(self.rows), False

    def _slice(self, start: int, end: int) -> list[TableRow]:
        start = max(0, start)
        return [TableRow(i, i, self.rows[i]) for i in range(start, min(end, len(self.rows)))]

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        start = 0 if key is None else int(key) + 1
        return self._slice(start, start + limit)

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        end = len(self.rows) if key is None else int(key)
        return self._slice(end - limit, end)

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        return self._slice(offset, offset + limit)

    async def all_rows(self) -> Any:
        yield self.rows


async def _close(conn: AsyncConnection, *, drop: bool = False) -> None:
    """Roll back and return `conn` to the pool; a broken connection (or `drop`) is dropped
    instead."""
    try:
        if drop:
            raise ConnectionError("not reusable")
        await conn.rollback()
        await conn.close()
    except Exception:
        try:
            await conn.invalidate()
        finally:
            await conn.close()


async def _in_transaction(conn: AsyncConnection) -> bool:
    """True when `conn`'s driver connection still has a transaction of its own open
    (asyncpg), or cannot tell."""
    try:
        check = getattr(await driver_connection(conn), "is_in_transaction", None)
        return bool(check()) if check is not None else False
    except Exception:
        return True
