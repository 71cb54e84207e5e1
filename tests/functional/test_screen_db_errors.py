"""Database failures as a person meets them: one line at the place they acted, with what to do,
never the driver's text; what they typed is kept; the driver's words stay in the SQL log.

Real trouble only: another process holding SQLite's write lock, a file or folder root cannot
write (`chattr +i`), a search the database refuses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.functional.db_trouble import free_port, read_only, write_lock_held
from tests.functional.test_screen_common import (
    add_users,
    column_values,
    confirm,
    database,
    fill,
    form,
    local_sqlite,
    notifications,
    rows,
    running,
    save,
    screen_text,
    search,
    settle,
)
from tui.app import DbTuiApp
from tui.config import load_settings
from tui.db import session as session_module
from tui.screens.modals import FormScreen

LOCKED = "another process holds a write lock on app.db; retry"
READ_ONLY = "app.db is read-only (file or folder permissions): nothing was written"
SEARCH_REFUSED = "search text too long or too complex for the database: shorten it"
DRIVER_WORDS = ("OperationalError", "[SQL:", "sqlalche.me", "database is locked", "readonly")


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait 0.3 s (not 5) for another process's lock: the test stays short."""
    monkeypatch.setattr(session_module, "BUSY_TIMEOUT", 0.3)


def form_problem(app: DbTuiApp) -> str:
    """The line at the top of the open form (a failure that belongs to no single field)."""
    assert isinstance(app.screen, FormScreen), app.screen
    return str(app.screen.query_one(".form-error", Static).content)


def assert_no_driver_text(shown: str) -> None:
    for words in DRIVER_WORDS:
        assert words not in shown, f"driver text {words!r} on screen:\n{shown}"


async def test_save_while_another_process_holds_the_write_lock(short_busy_timeout: None) -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["bob"])
    async with running(settings) as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, username="carol", email="carol@example.com", password="long-enough")
        async with write_lock_held("app.db"):
            await save(app, pilot)
            assert isinstance(app.screen, FormScreen)
            assert form_problem(app) == LOCKED, screen_text(app)
            assert_no_driver_text(screen_text(app))
            assert form(app).values()["username"] == "carol"
            assert form(app).values()["email"] == "carol@example.com"
        await save(app, pilot)  # released: the same form saves
        assert not isinstance(app.screen, FormScreen)
        assert column_values(app, 1) == ["bob", "carol"]

        failed = [entry for entry in app.manager.sql_log.newest_first() if entry.error]
        assert any(  # the SQL log (ctrl+l) keeps the driver's words next to the statement
            entry.statement == "BEGIN IMMEDIATE"  # a write session waits for the lock first
            and entry.error == "OperationalError (SQLITE_BUSY): database is locked"
            for entry in failed
        ), failed
    assert await rows(manager, "select username from users order by id") == [("bob",), ("carol",)]


async def test_delete_while_another_process_holds_the_write_lock(short_busy_timeout: None) -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["alice", "bob"])
    async with running(settings) as (app, pilot):
        async with write_lock_held("app.db"):
            await pilot.press("d")  # to the trash: a write too
            await settle(app, pilot)
            await confirm(app, pilot)
            shown = "\n".join(notifications(app))
            assert LOCKED in shown, shown
            assert_no_driver_text(shown)
            assert column_values(app, 1) == ["alice", "bob"]
        await pilot.press("d")
        await settle(app, pilot)
        await confirm(app, pilot)
        assert column_values(app, 1) == ["bob"]
    trashed = await rows(manager, "select username from users where deleted_at is not null")
    assert trashed == [("alice",)]


@pytest.mark.parametrize("what", ["file", "folder"])
async def test_a_read_only_database_is_browsed_and_saves_say_why_not(what: str) -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["alice", "bob"])
    target = Path("app.db") if what == "file" else Path.cwd()
    with read_only(target):
        async with running(settings) as (app, pilot):
            assert column_values(app, 1) == ["alice", "bob"]  # browsing works
            await search(app, pilot, "bo")
            assert column_values(app, 1) == ["bob"]
            await pilot.press("enter")
            await settle(app, pilot)
            fill(app, full_name="Robert")
            await save(app, pilot)
            assert isinstance(app.screen, FormScreen)
            assert form_problem(app) == READ_ONLY
            assert_no_driver_text(screen_text(app))
            assert form(app).values()["full_name"] == "Robert"
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("y")  # discard the edit
            await settle(app, pilot)

            await pilot.press("n")  # a new record: the same line, the values kept
            await settle(app, pilot)
            fill(app, username="carol", email="carol@example.com", password="long-enough")
            await save(app, pilot)
            assert form_problem(app) == READ_ONLY
            assert form(app).values()["username"] == "carol"
    assert await rows(manager, "select username, full_name from users order by id") == [
        ("alice", None),
        ("bob", None),
    ]


async def test_a_search_the_database_refuses_is_answered_at_the_search() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["alice", "bob"])
    async with running(settings) as (app, pilot):
        await search(app, pilot, "x" * 100_000)  # over SQLite's 50,000-byte LIKE pattern
        shown = screen_text(app)
        assert SEARCH_REFUSED in shown
        assert "LIKE or GLOB" not in shown and "LIKE or GLOB" not in "\n".join(notifications(app))
        assert column_values(app, 1) == ["alice", "bob"]  # the list stays usable
        assert app.screen.query_one("#search", Input).value == "x" * 100_000  # kept to edit
        await search(app, pilot, "ali")
        assert column_values(app, 1) == ["alice"]
        assert SEARCH_REFUSED not in screen_text(app)


async def test_a_save_to_an_unreachable_postgres_server_names_it() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://postgres:s3cret-pw@127.0.0.1:{port}/appdb"
    settings = load_settings(None, {"DATABASE_URL": url}, environ={})
    async with running(settings) as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, username="carol", email="carol@example.com", password="long-enough")
        await save(app, pilot)
        masked = f"postgresql+asyncpg://postgres:***@127.0.0.1:{port}/appdb"
        assert form_problem(app) == f"host unreachable (connection refused): {masked}"
        assert form(app).values()["username"] == "carol"
        shown = screen_text(app)
        assert "s3cret-pw" not in shown and "Errno" not in shown and "Connect call" not in shown
