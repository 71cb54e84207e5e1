"""The one place that builds engines: `SessionManager` owns the engine and sessionmaker."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool
from sqlalchemy.util import await_

from tui.db.errors import (
    ConnectionProblem,
    ReadOnlyError,
    describe_connection_error,
    driver_error,
)
from tui.db.health import missing_sqlite_file
from tui.db.sql_log import SqlLog, now, pool_logger
from tui.db.sqlite_open import immutable_uri

if TYPE_CHECKING:
    from tui.config import Settings

CONNECT_TIMEOUT = 5.0
#: Seconds a PostgreSQL statement of `run_sync` (a migration) waits for a table lock.
LOCK_TIMEOUT = 30
#: Seconds a SQLite statement waits for another process's lock before failing as locked.
BUSY_TIMEOUT = 5.0
ALLOW_WRITES = "dbtui_allow_writes"
#: Execution option of read sessions on SQLite: statements run without BEGIN/COMMIT.
NO_TRANSACTION = "dbtui_no_transaction"
#: Execution option of write sessions on SQLite: BEGIN IMMEDIATE takes the write lock first,
#: so a write waits for another process's write (busy timeout) instead of failing when its
#: read turns into a write, and nobody commits between what it reads and what it writes.
WRITE_TRANSACTION = "dbtui_write_transaction"

T = TypeVar("T")

_READ_STATEMENT = re.compile(
    r"^\s*(?:SELECT|PRAGMA\s+(?:\w+\.)?(?:foreign_key_check|table_info|index_list|table_xinfo|"
    r"index_info|index_xinfo|foreign_key_list|database_list|compile_options|"
    r"\w+\s*$)|EXPLAIN|SHOW|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET\s+|"
    r"WITH\s+(?![\s\S]*\b(?:INSERT|UPDATE|DELETE)\b))",
    re.IGNORECASE,
)


def is_read_statement(statement: str) -> bool:
    """True for statements that cannot change data (SELECT, EXPLAIN, transaction control)."""
    return bool(_READ_STATEMENT.match(statement))


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a connection test learns."""

    version: str
    round_trip_ms: float
    masked_url: str


def _sqlite_path(settings: Settings) -> str | None:
    if not settings.is_sqlite or settings.is_memory:
        return None
    return settings.url().database


def build_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """Create an engine for `settings` (no connection is made here)."""
    url = settings.url()
    kwargs: dict[str, Any] = {"echo": False, "hide_parameters": True}
    if settings.is_sqlite:
        kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT}
        if settings.is_memory:
            # The database lives in its one connection: a pool of exactly that connection,
            # never recycled, handed to one user at a time (see `_keep_memory_database`).
            kwargs.update(
                poolclass=AsyncAdaptedQueuePool,
                pool_size=1,
                max_overflow=0,
                pool_timeout=settings.DB_POOL_TIMEOUT,
            )
        elif not pooled:
            kwargs["poolclass"] = NullPool
    else:
        kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT}
        kwargs["pool_pre_ping"] = True
        if pooled:
            kwargs.update(
                pool_size=settings.DB_POOL_SIZE,
                max_overflow=settings.DB_MAX_OVERFLOW,
                pool_timeout=settings.DB_POOL_TIMEOUT,
                pool_recycle=settings.DB_POOL_RECYCLE,
            )
        else:
            kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        _install_sqlite_pragmas(engine.sync_engine, wal=not settings.is_memory)
    if settings.is_memory:
        _keep_memory_database(engine.sync_engine)
    return engine


def _keep_memory_database(engine: Engine) -> None:
    """An in-memory database is gone with its connection: a cancelled query keeps the
    connection (instead of invalidating it), and should it be lost anyway, a new connection
    is refused rather than silently giving the app a new, empty database."""
    opened = False

    @event.listens_for(engine, "handle_error")
    def _keep_on_cancel(context: ExceptionContext) -> None:
        if isinstance(context.original_exception, asyncio.CancelledError):
            context.is_disconnect = False
            conn = context.connection
            driver = conn.connection.driver_connection if conn is not None else None
            if driver is not None:  # stop the statement, which goes on in aiosqlite's thread
                await_(driver.interrupt())

    @event.listens_for(engine, "do_connect")
    def _once(*_args: Any) -> None:
        nonlocal opened
        if opened:
            raise ConnectionProblem(
                "the in-memory database was closed and its data is gone: restart dbtui"
            )
        opened = True


def scratch_sqlite_engine() -> Engine:
    """An empty in-memory SQLite database (synchronous) that is nobody's data: e.g. to run a
    downgrade on a copy of a schema and see its SQL."""
    from sqlalchemy import create_engine

    return create_engine("sqlite://")


def _install_sqlite_pragmas(engine: Engine, *, wal: bool) -> None:
    """Foreign keys, busy timeout, WAL, and transactional DDL (BEGIN emitted by us). On a
    file: opened immutable where only that can read it (see `immutable_uri`)."""

    if wal:

        @event.listens_for(engine, "do_connect")
        def _open(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
            uri = immutable_uri(cargs[0])
            if uri is not None:
                cargs[0] = uri
                cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so DDL is transactional.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
            if wal:
                # A read-only file or folder cannot switch to WAL: browse it as it is (a
                # write says why it cannot happen).
                with suppress(sqlite3.OperationalError):
                    cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(WRITE_TRANSACTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get(NO_TRANSACTION):
            connection.exec_driver_sql("BEGIN")


class SessionManager:
    """Owns the one `AsyncEngine` and its `async_sessionmaker`; switches between databases."""

    def __init__(self, settings: Settings, sql_log: SqlLog | None = None) -> None:
        self.sql_log = sql_log or SqlLog()
        self.settings = settings
        self.read_only = settings.is_production
        self.healthy: bool | None = None
        self._writes_in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._use_engine(self._make_engine(settings))  # a bad URL fails here

    # -- construction ----------------------------------------------------------------------
    @property
    def engine(self) -> AsyncEngine:
        """The engine of the current database."""
        return self._engine

    def _use_engine(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Writes: on SQLite, BEGIN IMMEDIATE (see WRITE_TRANSACTION).
        writes = engine.execution_options(**{WRITE_TRANSACTION: True})
        # Reads: each statement stands alone, no BEGIN / COMMIT round trips for list pages.
        if engine.dialect.name == "sqlite":
            reads = engine.execution_options(**{NO_TRANSACTION: True})
        else:
            reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sessionmaker = async_sessionmaker(writes, expire_on_commit=False, autoflush=False)
        self._read_sessionmaker = async_sessionmaker(reads, expire_on_commit=False, autoflush=False)

    def _make_engine(self, settings: Settings, *, pooled: bool = True) -> AsyncEngine:
        engine = build_engine(settings, pooled=pooled)
        self._install_guard_and_log(engine.sync_engine)
        self._install_pool_events(engine.sync_engine)
        return engine

    async def run_sync(
        self, fn: Callable[..., T], *args: Any, allow_writes: bool = False, **kwargs: Any
    ) -> T:
        """`fn(connection, *args, **kwargs)` with a synchronous `Connection` to the current
        database (Alembic), on a pool-less engine of its own with the same SQLite pragmas,
        read-only guard and SQL log: so it can be awaited on any event loop, e.g. in
        `asyncio.run` in a worker thread. An in-memory database exists only on the manager's
        own connection: there it runs on that one (await it on the manager's loop).

        `allow_writes` lets it write while production is locked (a confirmed migration). On
        PostgreSQL a statement that waits over `LOCK_TIMEOUT` for a lock fails instead of
        hanging behind another session.
        """
        own = not self.settings.is_memory
        engine = self._make_engine(self.settings, pooled=False) if own else self.engine
        try:
            async with engine.connect() as conn:
                if allow_writes:
                    await conn.execution_options(**{ALLOW_WRITES: True})
                if conn.dialect.name == "postgresql":
                    await conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}s'")
                    await conn.commit()
                return await conn.run_sync(fn, *args, **kwargs)
        finally:
            if own:
                await engine.dispose()

    def check_writable(self, statement: str) -> None:
        """Raise `ReadOnlyError` when the database is locked read-only (production) and
        `statement` may write. Every statement the engine runs passes here; a statement run
        on the driver's own connection (the SQL console's stream) is checked by its caller."""
        if self.read_only and not is_read_statement(statement):
            raise ReadOnlyError("production is read-only: unlock it in Settings to write")

    def _install_guard_and_log(self, engine: Engine) -> None:
        log = self.sql_log

        @event.listens_for(engine, "before_cursor_execute")
        def _before(
            conn: Connection,
            cursor: Any,
            statement: str,
            parameters: Any,
            context: Any,
            executemany: bool,
        ) -> None:
            if self.read_only and not conn.get_execution_options().get(ALLOW_WRITES):
                self.check_writable(statement)
            conn.info.setdefault("dbtui_started", []).append(now())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(
            conn: Connection,
            cursor: Any,
            statement: str,
            parameters: Any,
            context: Any,
            executemany: bool,
        ) -> None:
            started = conn.info.get("dbtui_started") or [now()]
            began = started.pop()
            rowcount = getattr(cursor, "rowcount", None)
            known = rowcount if isinstance(rowcount, int) and rowcount >= 0 else None
            log.record(statement, parameters, began, rowcount=known)

        @event.listens_for(engine, "handle_error")
        def _error(context: ExceptionContext) -> None:
            conn = context.connection
            started = conn.info.get("dbtui_started") if conn is not None else None
            began = started.pop() if started else now()
            if context.statement is None or isinstance(context.original_exception, ReadOnlyError):
                return
            error = driver_error(context.original_exception, self.settings.secrets)
            log.record(context.statement, context.parameters, began, error=error)

    def _install_pool_events(self, engine: Engine) -> None:
        status = self.sql_log.pool
        pool = engine.pool

        def refresh() -> None:
            status.description = pool.status()
            status.size = getattr(pool, "size", lambda: 0)()
            status.overflow = getattr(pool, "overflow", lambda: 0)()

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            status.connects += 1
            refresh()
            pool_logger.debug("connect (%s)", self.settings.masked_url)

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            status.checked_out += 1
            refresh()
            pool_logger.debug("checkout: %s", status.description)

        @event.listens_for(engine, "checkin")
        def _checkin(dbapi_connection: Any, record: Any) -> None:
            status.checked_out = max(0, status.checked_out - 1)
            refresh()
            pool_logger.debug("checkin: %s", status.description)

        @event.listens_for(engine, "invalidate")
        def _invalidate(dbapi_connection: Any, record: Any, exception: Any) -> None:
            status.invalidated += 1
            self.healthy = False
            pool_logger.warning("connection invalidated (%s)", self.settings.masked_url)

    # -- sessions --------------------------------------------------------------------------
    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for one or a few SELECTs: autocommit, no transaction round trips.

        Never write through it (nothing is committed); use `session()` for writes.
        """
        async with self._read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error.

        On a SQLite file that is no longer at its path (deleted, or its folder moved), raises
        `ConnectionProblem` first: open connections would write into the unlinked file, and
        whatever they wrote would be lost.
        """
        gone = missing_sqlite_file(self.settings)
        if gone is not None:
            raise ConnectionProblem(f"nothing was written: {gone}")
        async with self._sessionmaker() as session:
            self._writes_in_flight += 1
            self._idle.clear()
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            finally:
                self._writes_in_flight -= 1
                if self._writes_in_flight == 0:
                    self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no session is open; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # -- connection management -------------------------------------------------------------
    async def ping(self, timeout: float = CONNECT_TIMEOUT) -> ServerInfo:
        """Connect, read the server version and measure one round trip."""
        return await ping_engine(self._engine, self.settings, timeout)

    async def switch(self, settings: Settings, timeout: float = CONNECT_TIMEOUT) -> ServerInfo:
        """Connect to `settings`' database; only when that works, dispose the old engine.

        Waits for open sessions to finish (up to `timeout`) so that no write goes to the wrong
        database. On failure the current engine stays in use and `ConnectionProblem` is raised.
        """
        new_engine = self._make_engine(settings)
        try:
            info = await ping_engine(new_engine, settings, timeout)
        except BaseException:
            await new_engine.dispose()
            raise
        if not await self.wait_idle(timeout):
            await new_engine.dispose()
            raise ConnectionProblem("a write is still running; try the switch again")
        old = self._engine
        self.settings = settings
        self._use_engine(new_engine)
        self.read_only = settings.is_production
        self.sql_log.hide_parameters = settings.is_production
        self.healthy = True
        _refuse_new_connections(old.sync_engine)
        await old.dispose()
        return info

    def unlock(self) -> None:
        """Allow writes for the rest of this run (production unlock)."""
        self.read_only = False

    def lock(self) -> None:
        self.read_only = True

    async def reconnect(self) -> None:
        """Drop every open connection; the next statement opens new ones (e.g. on a SQLite
        file that was deleted and is back)."""
        await self._engine.dispose()

    async def dispose(self) -> None:
        """Close every connection (at the end)."""
        await self.reconnect()
        await end_stranded_closes()


#: The task in which SQLAlchemy closes a connection that a cancelled query invalidated.
GRACEFUL_CLOSE = "_terminate_graceful_close"


async def end_stranded_closes(rounds: int = 5) -> None:
    """End the closes that cancelled queries left waiting forever, so the process can exit.

    A query cancelled mid-flight (a list left while loading, quit during a count) has its
    connection invalidated: SQLAlchemy stops aiosqlite's thread, and the graceful close it
    starts in a task is queued behind that stop, so it never completes; when the event loop
    ends, cancelling it makes it wait on the stopped thread once more and the process hangs.
    Cancelled here until done (the second cancel ends the second wait)."""
    for _ in range(rounds):
        stranded = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "").endswith(GRACEFUL_CLOSE)
        ]
        if not stranded:
            return
        for task in stranded:
            task.cancel()
        await asyncio.sleep(0)


def _refuse_new_connections(engine: Engine) -> None:
    """A session opened before a switch must not reopen the old database (on SQLite that would
    create the file again if it was removed): its engine refuses new connections."""

    @event.listens_for(engine, "do_connect")
    def _refuse(*_args: Any) -> None:
        raise ConnectionProblem("the database was switched while this list was loading")


async def ping_engine(engine: AsyncEngine, settings: Settings, timeout: float) -> ServerInfo:
    """Open a connection on `engine` and ask for the server version, within `timeout`."""
    sqlite_path = _sqlite_path(settings)
    if sqlite_path is not None and not Path(sqlite_path).expanduser().resolve().parent.is_dir():
        raise ConnectionProblem(
            describe_connection_error(FileNotFoundError(), settings.masked_url, sqlite_path)
        )

    async def probe() -> ServerInfo:
        async with engine.connect() as conn:
            started = time.perf_counter()
            if settings.is_sqlite:
                version = (await conn.execute(text("select sqlite_version()"))).scalar_one()
                await conn.execute(text("select count(*) from sqlite_master"))
                version = f"SQLite {version}"
            else:
                version = (await conn.execute(text("show server_version"))).scalar_one()
                version = f"PostgreSQL {version}"
            elapsed = (time.perf_counter() - started) * 1000
            return ServerInfo(version, elapsed, settings.masked_url)

    try:
        return await asyncio.wait_for(probe(), timeout)
    except ConnectionProblem:
        raise
    except (Exception, TimeoutError) as exc:
        message = describe_connection_error(exc, settings.masked_url, sqlite_path)
        raise ConnectionProblem(message) from None
