"""The SQLite reader: list pages of a read session on a SQLite file skip SQLAlchemy's engine,
are logged like any statement, see committed writes, and follow switches and disposal."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from tests.conftest import create_schema, sqlite_settings
from tests.functional.test_repo_support import FAST_HASHER
from tui.db.errors import ConnectionProblem
from tui.db.session import SessionManager
from tui.models import User
from tui.repositories import Query, UserRepository

users = User.__table__


async def add_user(manager: SessionManager, name: str) -> None:
    async with manager.session() as session:
        await UserRepository(session, FAST_HASHER).create(
            {"username": name, "email": f"{name}@example.com", "password": "password1"}
        )


async def listed(manager: SessionManager, query: Query | None = None) -> list[str]:
    async with manager.read_session() as session:
        page = await UserRepository(session).page(query or Query(sort="username"))
    return [row.username for row in page.rows]


async def open_manager(path: Path) -> SessionManager:
    manager = SessionManager(sqlite_settings(path))
    await create_schema(manager)
    return manager


@pytest.fixture
async def sqlite_manager(tmp_path: Path) -> AsyncIterator[SessionManager]:
    manager = await open_manager(tmp_path / "reader.db")
    try:
        yield manager
    finally:
        await manager.dispose()


def aiosqlite_threads() -> list[threading.Thread]:
    """Driver threads still running (each open aiosqlite connection has one)."""
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


async def test_pages_and_counts_skip_the_engine_and_are_logged(
    sqlite_manager: SessionManager,
) -> None:
    await add_user(sqlite_manager, "ann")
    engine_statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        engine_statements.append(statement)

    event.listen(sqlite_manager.engine.sync_engine, "before_cursor_execute", record)
    sqlite_manager.sql_log.clear()
    threads = len(aiosqlite_threads())
    try:
        assert await listed(sqlite_manager, Query(sort="created_at", descending=True)) == ["ann"]
        async with sqlite_manager.read_session() as session:
            assert (await UserRepository(session).count(Query())).value == 1
    finally:
        event.remove(sqlite_manager.engine.sync_engine, "before_cursor_execute", record)
    assert engine_statements == []
    page, count = sqlite_manager.sql_log.entries
    assert page.statement.startswith("SELECT users.id") and "ORDER BY" in page.statement
    assert page.error is None and page.duration_ms >= 0
    assert "51" in page.parameters  # the page size (50) plus one, as bound
    assert count.statement.startswith("SELECT count(*)")
    assert len(aiosqlite_threads()) == threads + 2  # pages and counts: a connection each


async def test_committed_writes_show_on_the_next_page(sqlite_manager: SessionManager) -> None:
    assert await listed(sqlite_manager) == []
    await add_user(sqlite_manager, "bob")
    assert await listed(sqlite_manager) == ["bob"]
    async with sqlite_manager.session() as session:
        await UserRepository(session).soft_delete(1)
    assert await listed(sqlite_manager) == []
    assert await listed(sqlite_manager, Query(filters={"trash": True})) == ["bob"]


async def test_driver_errors_are_sqlalchemy_errors_and_logged(
    sqlite_manager: SessionManager, tmp_path: Path
) -> None:
    await add_user(sqlite_manager, "cy")
    assert await listed(sqlite_manager) == ["cy"]
    with sqlite3.connect(tmp_path / "reader.db") as other:  # someone else drops the table
        other.execute("PRAGMA foreign_keys=OFF")
        other.execute("ALTER TABLE users RENAME TO people")
    with pytest.raises(OperationalError, match="no such table: users"):
        await listed(sqlite_manager)
    failed = sqlite_manager.sql_log.newest_first()[0]
    assert failed.error is not None and "no such table: users" in failed.error


async def test_switch_and_dispose_close_the_reader(tmp_path: Path) -> None:
    before = len(aiosqlite_threads())
    first = await open_manager(tmp_path / "first.db")
    second = await open_manager(tmp_path / "second.db")
    await add_user(first, "in_first")
    await add_user(second, "in_second")
    await second.dispose()
    try:
        assert await listed(first) == ["in_first"]
        async with first.read_session() as opened_before:
            await first.switch(second.settings)
            with pytest.raises(ConnectionProblem, match="switched"):  # never the old file
                await UserRepository(opened_before).page(Query())
        assert await listed(first) == ["in_second"]
    finally:
        await first.dispose()
    for _ in range(100):  # a closed connection's thread ends just after `close()` returns
        if len(aiosqlite_threads()) == before:
            break
        await asyncio.sleep(0.01)
    assert len(aiosqlite_threads()) == before


async def test_statements_expanded_at_run_time_are_left_to_the_session(
    sqlite_manager: SessionManager,
) -> None:
    await add_user(sqlite_manager, "dee")
    reader = sqlite_manager.reader
    assert reader is not None
    expanding = select(users.c.id).where(users.c.id.in_([1, 2]))
    assert await reader.rows(expanding, {}) is None
    plain = select(users.c.id, users.c.username).where(users.c.id == 1)
    assert await reader.rows(plain, {}) == [(1, "dee")]


async def test_memory_database_has_no_reader(tmp_path: Path) -> None:
    manager = SessionManager(sqlite_settings(tmp_path / "x.db", ENVIRONMENT="testing"))
    try:
        assert manager.reader is None  # its data lives in the engine's one connection
    finally:
        await manager.dispose()
