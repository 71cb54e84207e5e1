"""`short_error` on real driver errors provoked on real databases: the one line a person reads
(what went wrong, what to do; no SQL, link, newline or secret), and `driver_error`, the driver's
own words kept in the SQL log next to the statement."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from tests.conftest import _pg_admin, copy_demo_schema, create_schema, pg_settings, sqlite_settings
from tests.functional.db_trouble import free_port, read_only, tiny_disk, write_lock_held
from tests.functional.test_repo_support import demo_repository
from tui.config import load_settings
from tui.db import session as session_module
from tui.db.errors import ConnectionProblem, driver_error, rejected_search, short_error
from tui.db.session import SessionManager
from tui.entities.query import TableQuery
from tui.models import User


async def failure(manager: SessionManager, sql: str, **params: object) -> Exception:
    """The exception a write session raises for `sql` (the test fails if none is raised)."""
    try:
        async with manager.session() as session:
            await session.execute(text(sql), params)
    except Exception as exc:
        return exc
    raise AssertionError(f"no error from {sql!r}")


def assert_one_clean_line(line: str) -> None:
    assert "\n" not in line and "[SQL:" not in line and "sqlalche.me" not in line, line
    assert "Error" not in line, f"a driver class name in {line!r}"


@pytest.fixture
async def sqlite_manager(tmp_path: Path) -> AsyncIterator[SessionManager]:
    """A writable manager on a migrated SQLite file `tmp_path/app.db` with one user."""
    settings = sqlite_settings(tmp_path / "app.db")
    copy_demo_schema(settings)
    manager = SessionManager(settings)
    manager.unlock()
    await add_user(manager, "ann")
    try:
        yield manager
    finally:
        await manager.dispose()


async def add_user(manager: SessionManager, name: str) -> None:
    async with manager.session() as session:
        row = {"username": name, "email": f"{name}@example.com", "hashed_password": "x"}
        await session.execute(insert(User), [row])


async def usernames(manager: SessionManager) -> list[str]:
    async with manager.read_session() as session:
        page = await demo_repository("users", session).page(TableQuery(sort="username"))
    return [row["username"] for row in page.rows]


INSERT_BOB = (
    "insert into users (username, email, hashed_password, status, version, created_at, "
    "updated_at) values ('bob', 'bob@example.com', 'x', 'active', 1, current_timestamp, "
    "current_timestamp)"
)


# -- SQLite --------------------------------------------------------------------------------------
async def test_locked_sqlite_file(
    sqlite_manager: SessionManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "BUSY_TIMEOUT", 0.2)
    await sqlite_manager.reconnect()  # new connections take the short timeout
    path = str(tmp_path / "app.db")
    async with write_lock_held(path):
        error = await failure(sqlite_manager, INSERT_BOB)
        assert await usernames(sqlite_manager) == ["ann"]  # reading goes on meanwhile
    line = short_error(error, database=sqlite_manager.settings)
    assert line == f"another process holds a write lock on {path}; retry"
    assert driver_error(error) == "OperationalError (SQLITE_BUSY): database is locked"
    logged = next(e for e in sqlite_manager.sql_log.newest_first() if e.error)
    # a write session takes the lock first (BEGIN IMMEDIATE): that is what waited and failed
    assert logged.statement == "BEGIN IMMEDIATE" and logged.error == driver_error(error)
    async with sqlite_manager.session() as session:  # released: the write goes through
        await session.execute(text(INSERT_BOB))
    assert await usernames(sqlite_manager) == ["ann", "bob"]


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("what", ["file", "folder"])
async def test_read_only_sqlite_file_or_folder(
    sqlite_manager: SessionManager, tmp_path: Path, what: str, journal: str
) -> None:
    """dbtui's own files are in WAL mode; one from another tool may be in rollback-journal
    mode, which the connect-time ``PRAGMA journal_mode=WAL`` cannot change when read-only."""
    await sqlite_manager.dispose()  # as after a clean exit: no -wal or -shm left behind
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path)) as other_tool:
        assert other_tool.execute(f"pragma journal_mode={journal}").fetchone() == (journal,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    with read_only(path if what == "file" else tmp_path):
        manager = SessionManager(sqlite_settings(path))
        try:
            await manager.ping()  # connect-time pragmas (WAL) leave it openable
            assert await usernames(manager) == ["ann"]  # list pages
            async with manager.session() as session:  # reads through the engine
                assert (await session.execute(text("select count(*) from users"))).scalar() == 1
            error = await failure(manager, INSERT_BOB)
            line = short_error(error, database=manager.settings)
            assert line == f"{path} is read-only (file or folder permissions): nothing was written"
            assert await usernames(manager) == ["ann"]
        finally:
            await manager.dispose()


async def test_read_only_folder_with_uncheckpointed_wal_is_not_shown_without_it(
    sqlite_manager: SessionManager, tmp_path: Path
) -> None:
    """A ``-wal`` left with commits not yet in the database (and no ``-shm``): an immutable
    open would ignore those commits, so the database is not opened rather than shown stale."""
    await sqlite_manager.dispose()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    with closing(sqlite3.connect(tmp_path / "app.db", isolation_level=None)) as writer:
        writer.execute("pragma wal_autocheckpoint=0")
        writer.execute(INSERT_BOB)  # committed, in the -wal only
        for suffix in ("", "-wal"):  # what a crash leaves, without the -shm
            shutil.copyfile(tmp_path / f"app.db{suffix}", crashed / f"app.db{suffix}")
    with read_only(crashed):
        manager = SessionManager(sqlite_settings(crashed / "app.db"))
        try:
            with pytest.raises(ConnectionProblem, match="cannot open SQLite database"):
                await manager.ping()
        finally:
            await manager.dispose()


async def test_full_disk_under_a_sqlite_file() -> None:
    with tiny_disk("1m") as disk:
        path = disk / "app.db"
        with closing(sqlite3.connect(path)) as creating:
            creating.execute("create table filler (x text)")
        manager = SessionManager(sqlite_settings(path))
        try:
            rows, error = 0, None
            while error is None and rows < 100:  # 100 KB a row: full within a few rows
                error = await _failure_or_none(
                    manager, "insert into filler values (:x)", x=f"{rows}" + "x" * 100_000
                )
                rows += error is None
            assert error is not None, "the tiny disk never filled up"
            line = short_error(error, database=manager.settings)
            assert line == (
                f"the disk holding {path} is full: nothing was written; free some space and retry"
            )
            assert "SQLITE_FULL" in driver_error(error)
            assert await _count(manager, "filler") == rows  # the failed row is not there
        finally:
            await manager.dispose()


async def _failure_or_none(manager: SessionManager, sql: str, **params: object) -> Exception | None:
    try:
        async with manager.session() as session:
            await session.execute(text(sql), params)
    except Exception as exc:
        return exc
    return None


async def _count(manager: SessionManager, table: str) -> int:
    async with manager.session() as session:
        return (await session.execute(text(f"select count(*) from {table}"))).scalar_one()


async def test_search_over_sqlite_like_pattern_limit(sqlite_manager: SessionManager) -> None:
    with pytest.raises(Exception) as raised:
        async with sqlite_manager.read_session() as session:
            users = demo_repository("users", session)
            await users.page(TableQuery(sort="username", search="x" * 100_000))
    assert rejected_search(raised.value)
    line = short_error(raised.value, database=sqlite_manager.settings)
    assert line == "search text too long for the database: shorten it"
    assert not rejected_search(await failure(sqlite_manager, "select * from no_such_table"))


# -- PostgreSQL ----------------------------------------------------------------------------------
@pytest.mark.postgres
async def test_postgres_connection_refused_names_the_masked_server() -> None:
    port = free_port()
    settings = load_settings(
        None,
        {"DATABASE_URL": f"postgresql+asyncpg://postgres:s3cret-pw@127.0.0.1:{port}/appdb"},
        environ={},
    )
    manager = SessionManager(settings)
    try:
        error = await failure(manager, "select 1")
    finally:
        await manager.dispose()
    line = short_error(error, database=settings)
    assert line == (
        f"host unreachable (connection refused): postgresql+asyncpg://postgres:***@127.0.0.1:"
        f"{port}/appdb"
    )
    assert "s3cret-pw" not in line


@pytest.mark.postgres
async def test_postgres_missing_database_names_the_masked_server(pg_database: str) -> None:
    settings = pg_settings(pg_database + "_gone", POSTGRES_PASSWORD="s3cret-pw")
    manager = SessionManager(settings)
    try:
        error = await failure(manager, "select 1")
    finally:
        await manager.dispose()
    assert short_error(error, database=settings) == (
        f"database does not exist: postgresql+asyncpg://postgres:***@127.0.0.1:5432/"
        f"{pg_database}_gone"
    )


@pytest.mark.postgres
async def test_postgres_errors_carry_no_sql_link_or_newline(pg_database: str) -> None:
    settings = pg_settings(pg_database)
    manager = SessionManager(settings)
    manager.unlock()
    try:
        error = await failure(manager, "select * from no_such_table where id = :id", id=1)
        line = short_error(error, database=settings)
        assert line == 'relation "no_such_table" does not exist'
        assert_one_clean_line(line)
        logged = next(e for e in manager.sql_log.newest_first() if e.error)
        assert "no_such_table where id" in logged.statement
        assert logged.error == (
            'UndefinedTableError (42P01): relation "no_such_table" does not exist'
        )
    finally:
        await manager.dispose()


@pytest.mark.postgres
async def test_postgres_refuses_a_search_of_too_many_words(pg_database: str) -> None:
    manager = SessionManager(pg_settings(pg_database))
    await create_schema(manager)
    try:
        with pytest.raises(Exception) as raised:
            async with manager.read_session() as session:
                words = " ".join(["ab"] * 60_000)  # websearch_to_tsquery runs out of stack
                await demo_repository("posts", session).page(TableQuery(sort="id", search=words))
        assert rejected_search(raised.value)
        line = short_error(raised.value, database=manager.settings)
        assert line == (
            "too long or too complex for the database (stack depth limit exceeded): shorten it"
        )
        assert not rejected_search(await failure(manager, "select * from no_such_table"))
    finally:
        await manager.dispose()


@pytest.mark.postgres
async def test_postgres_connection_lost_mid_session(pg_database: str) -> None:
    settings = pg_settings(pg_database)
    manager = SessionManager(settings)
    manager.unlock()
    try:
        with pytest.raises(Exception) as raised:
            async with manager.session() as session:
                pid = (await session.execute(text("select pg_backend_pid()"))).scalar_one()
                await _pg_admin(f"select pg_terminate_backend({pid})")
                await session.execute(text("select 1"))
        line = short_error(raised.value, database=settings)
        assert line == f"lost the connection to {settings.masked_url}: retry once it is back"
        async with manager.session() as session:  # a new connection works at once
            assert (await session.execute(text("select 2"))).scalar_one() == 2
    finally:
        await manager.dispose()


@pytest.mark.postgres
async def test_postgres_full_disk(pg_database: str) -> None:
    space = f"dbtui_tiny_{uuid.uuid4().hex[:8]}"
    settings = pg_settings(pg_database)
    manager = SessionManager(settings)
    manager.unlock()
    with tiny_disk("1m") as disk:
        shutil.chown(disk, "postgres", "postgres")
        await _pg_admin(f"CREATE TABLESPACE {space} LOCATION '{disk}'")
        try:
            async with manager.session() as session:
                await session.execute(text(f"create table filler (x text) tablespace {space}"))
            error = await failure(
                manager,
                "insert into filler select md5(g::text) || repeat('y', 900) "
                "from generate_series(1, 20000) g",
            )
            line = short_error(error, database=settings)
            assert line == (
                f"the disk of {settings.masked_url} is full: nothing was written; "
                "free some space and retry"
            )
            assert "(53100)" in driver_error(error) and "No space left" in driver_error(error)
            assert await _count(manager, "filler") == 0
        finally:
            await manager.dispose()
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
            await _pg_admin(f"DROP TABLESPACE IF EXISTS {space}")
