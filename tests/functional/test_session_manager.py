"""SessionManager on real databases: transactions, switching, read-only guard, SQL log."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.util import await_

from tests.conftest import create_schema, pg_settings, sqlite_settings
from tests.functional.test_repo_support import demo_repository
from tui.config import load_settings
from tui.db.errors import ConnectionProblem, ReadOnlyError
from tui.db.session import SessionManager
from tui.entities.query import TableQuery
from tui.models import User
from tui.sql.stream import QueryStream


def _user(name: str) -> User:
    return User(email=f"{name}@example.com", username=name, hashed_password="x")


async def _usernames(manager: SessionManager) -> list[str]:
    async with manager.session() as session:
        return list((await session.scalars(select(User.username).order_by(User.id))).all())


async def test_session_commits_on_success_and_rolls_back_on_error(manager: SessionManager):
    async with manager.session() as session:
        session.add(_user("kept"))
    with pytest.raises(RuntimeError):
        async with manager.session() as session:
            session.add(_user("dropped"))
            await session.flush()
            raise RuntimeError("boom")
    assert await _usernames(manager) == ["kept"]


async def test_version_counter_increments_on_update(manager: SessionManager):
    async with manager.session() as session:
        user = _user("v")
        session.add(user)
    assert user.version == 1
    async with manager.session() as session:
        loaded = await session.get(User, user.id)
        loaded.full_name = "Changed"
    assert loaded.version == 2


async def test_read_only_refuses_writes_but_allows_reads(manager: SessionManager):
    async with manager.session() as session:
        session.add(_user("before"))
    manager.lock()
    with pytest.raises(ReadOnlyError):
        async with manager.session() as session:
            session.add(_user("during"))
    with pytest.raises(ReadOnlyError):
        async with manager.session() as session:
            await session.execute(text("delete from users"))
    assert await _usernames(manager) == ["before"]
    manager.unlock()
    async with manager.session() as session:
        session.add(_user("after"))
    assert await _usernames(manager) == ["before", "after"]


async def test_sqlite_pragmas_are_on(tmp_path: Path):
    manager = SessionManager(sqlite_settings(tmp_path / "p.db"))
    try:
        async with manager.engine.connect() as conn:
            assert (await conn.execute(text("pragma foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("pragma journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("pragma busy_timeout"))).scalar_one() == 5000
    finally:
        await manager.dispose()


async def test_no_write_goes_to_a_sqlite_file_that_is_gone(tmp_path: Path):
    (tmp_path / "data").mkdir()
    manager = SessionManager(sqlite_settings(tmp_path / "data" / "app.db"))
    await create_schema(manager)
    try:
        async with manager.session() as session:
            session.add(_user("kept"))
        (tmp_path / "data").rename(tmp_path / "moved")  # the open connection still works
        with pytest.raises(ConnectionProblem, match="nothing was written: SQLite folder is gone"):
            async with manager.session() as session:
                session.add(_user("lost"))
        (tmp_path / "moved").rename(tmp_path / "data")
        await manager.reconnect()
        assert await _usernames(manager) == ["kept"]
    finally:
        await manager.dispose()


async def test_sql_log_records_statements_and_prints_nothing(
    manager: SessionManager, capsys: pytest.CaptureFixture[str]
):
    manager.sql_log.clear()
    async with manager.session() as session:
        await session.scalar(select(func.count()).select_from(User))
    entries = manager.sql_log.newest_first()
    assert entries and "count" in entries[0].statement.lower()
    assert entries[0].duration_ms >= 0
    assert capsys.readouterr().out == ""
    assert manager.sql_log.pool.connects >= 1


async def test_hidden_parameters_in_the_log(manager: SessionManager):
    manager.sql_log.hide_parameters = True
    async with manager.session() as session:
        await session.scalar(select(User.id).where(User.username == "secret-value"))
    assert all("secret-value" not in e.parameters for e in manager.sql_log.newest_first())


async def test_switch_to_a_broken_target_keeps_the_old_connection(tmp_path: Path):
    manager = SessionManager(sqlite_settings(tmp_path / "a.db"))
    try:
        not_sqlite = tmp_path / "notes.txt"
        not_sqlite.write_bytes(b"just some text, not a database" * 10)
        before = not_sqlite.read_bytes()
        targets = [
            (sqlite_settings(not_sqlite), "not a SQLite database"),
            (sqlite_settings(tmp_path / "missing" / "x.db"), "folder does not exist"),
            (pg_settings("db", POSTGRES_PORT="1"), "unreachable"),
        ]
        for target, reason in targets:
            with pytest.raises(ConnectionProblem, match=reason):
                await manager.switch(target, timeout=3)
            assert manager.settings.SQLITE_DATABASE == str(tmp_path / "a.db")
            assert (await manager.ping()).version.startswith("SQLite")
        assert not_sqlite.read_bytes() == before
    finally:
        await manager.dispose()


async def test_switch_between_sqlite_and_postgres(tmp_path: Path, pg_database: str):
    manager = SessionManager(sqlite_settings(tmp_path / "a.db"))
    try:
        # trust authentication: the server never asks for the password, dbtui never shows it
        info = await manager.switch(pg_settings(pg_database, POSTGRES_PASSWORD="s3cr3t"))
        assert info.version.startswith("PostgreSQL")
        assert manager.read_only  # production opens read-only
        assert info.masked_url == f"postgresql+asyncpg://postgres:***@127.0.0.1:5432/{pg_database}"
        back = await manager.switch(sqlite_settings(tmp_path / "a.db"))
        assert back.version.startswith("SQLite")
        assert not manager.read_only
    finally:
        await manager.dispose()


async def test_missing_postgres_database_is_named(pg_database: str):
    manager = SessionManager(pg_settings(pg_database))
    try:
        with pytest.raises(ConnectionProblem, match="database does not exist"):
            await manager.switch(pg_settings(pg_database + "_nope"))
    finally:
        await manager.dispose()


async def test_read_session_reads_without_transaction_round_trips(manager: SessionManager):
    async with manager.session() as session:
        session.add(_user("reader"))
    manager.lock()
    manager.sql_log.clear()
    async with manager.read_session() as session:
        names = (await session.execute(select(User.username))).scalars().all()
    assert names == ["reader"]
    statements = [e.statement.strip().upper() for e in manager.sql_log.newest_first()]
    assert statements and all(s.startswith("SELECT") for s in statements), statements


async def test_failed_statements_are_logged_with_their_reason(manager: SessionManager):
    manager.sql_log.clear()
    with pytest.raises(Exception, match="no_such_table"):
        async with manager.session() as session:
            await session.execute(text("select * from no_such_table"))
    failed = [e for e in manager.sql_log.newest_first() if e.error]
    assert len(failed) == 1
    assert "no_such_table" in failed[0].statement and "no_such_table" in failed[0].error


async def _listed(manager: SessionManager, query: TableQuery | None = None) -> list[str]:
    async with manager.read_session() as session:
        page = await demo_repository("users", session).page(query or TableQuery(sort="username"))
    return [row["username"] for row in page.rows]


async def test_list_pages_show_committed_writes(manager: SessionManager):
    assert await _listed(manager) == []
    async with manager.session() as session:
        session.add(_user("bob"))
    assert await _listed(manager) == ["bob"]
    async with manager.session() as session:
        await session.execute(text("update users set deleted_at = current_timestamp where id = 1"))
    assert await _listed(manager) == []
    assert await _listed(manager, TableQuery(sort="username", trash=True)) == ["bob"]


async def test_a_read_opened_before_a_switch_never_reopens_the_old_file(tmp_path: Path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    manager = SessionManager(sqlite_settings(first))
    other = SessionManager(sqlite_settings(second))
    try:
        await create_schema(manager)
        await create_schema(other)
        await other.dispose()
        async with manager.read_session() as opened_before:
            await manager.switch(other.settings)
            first.unlink()  # the user removes the file they switched away from
            with pytest.raises(ConnectionProblem, match="switched"):
                await demo_repository("users", opened_before).page(TableQuery())
        assert not first.exists()
        assert await _listed(manager) == []  # the new database answers
    finally:
        await manager.dispose()


def _memory_manager() -> SessionManager:
    return SessionManager(load_settings(None, {"ENVIRONMENT": "testing"}, environ={}))


async def test_in_memory_database_serves_one_user_at_a_time():
    """Testing's in-memory database is one connection: writers and readers running at the same
    time take turns on it (no "transaction within a transaction", no reader rolling back a
    writer's transaction)."""
    manager = _memory_manager()
    try:
        async with manager.session() as session:
            await session.execute(text("create table notes (body text)"))

        async def write(body: str) -> None:
            async with manager.session() as session:
                await session.execute(text("insert into notes values (:b)"), {"b": body})
                await asyncio.sleep(0.01)  # the others run meanwhile

        async def read() -> int:
            async with manager.read_session() as session:
                return (await session.execute(text("select count(*) from notes"))).scalar_one()

        await asyncio.wait_for(asyncio.gather(write("a"), read(), write("b"), read()), 10)
        assert await read() == 2
    finally:
        await manager.dispose()


async def test_a_cancelled_query_keeps_the_in_memory_database():
    manager = _memory_manager()
    try:
        async with manager.session() as session:
            await session.execute(text("create table notes (body text)"))
            await session.execute(text("insert into notes values ('kept')"))
        slow = (
            "with recursive c(i) as (select 1 union all select i + 1 from c where i < 50000000)"
            " select count(*) from c"
        )

        async def long_read() -> None:
            async with manager.read_session() as session:
                await session.execute(text(slow))

        task = asyncio.create_task(long_read())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with manager.read_session() as session:
            rows = (await session.execute(text("select body from notes"))).scalars().all()
        assert rows == ["kept"]
    finally:
        await manager.dispose()


async def test_a_lost_in_memory_database_is_not_replaced_by_an_empty_one():
    manager = _memory_manager()
    try:
        async with manager.session() as session:
            await session.execute(text("create table notes (body text)"))
        await manager.reconnect()  # the one connection is closed: its data is gone
        with pytest.raises(ConnectionProblem, match="in-memory database was closed"):
            async with manager.read_session() as session:
                await session.execute(text("select 1"))
    finally:
        await manager.dispose()


async def test_migration_reads_on_an_in_memory_database_take_turns():
    """The clash seen in the Migrations screen: the start-up revision check and the panel's
    status read both ran `run_sync` on the one connection, each in a transaction of its own."""
    manager = _memory_manager()
    try:
        async with manager.session() as session:
            await session.execute(text("create table notes (body text)"))

        def read(connection: Any) -> int:
            with connection.begin():
                count = connection.execute(text("select count(*) from notes")).scalar_one()
                await_(asyncio.sleep(0.05))  # still in its transaction while the other starts
            return int(count)

        reads = asyncio.gather(manager.run_sync(read), manager.run_sync(read))
        assert await asyncio.wait_for(reads, 10) == [0, 0]
    finally:
        await manager.dispose()


async def test_a_console_result_does_not_hold_the_in_memory_database():
    """The SQL console reads an in-memory database's result whole, so list pages need not wait
    while the user scrolls it."""
    manager = _memory_manager()
    try:
        async with manager.session() as session:
            await session.execute(text("create table notes (n int)"))
            await session.execute(
                text(
                    "insert into notes with recursive c(i) as"
                    " (select 1 union all select i + 1 from c where i < 1000) select i from c"
                )
            )
        stream = QueryStream(manager, "select n from notes order by n")
        await stream.open()
        try:
            async with asyncio.timeout(5):
                async with manager.read_session() as session:
                    total = (await session.execute(text("select count(*) from notes"))).scalar()
            assert total == 1000
            rows = await stream.fetch_at(990, 10)
            assert [row.cells[0] for row in rows] == list(range(991, 1001))
        finally:
            await stream.close()
    finally:
        await manager.dispose()
