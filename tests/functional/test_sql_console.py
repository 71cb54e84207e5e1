"""The SQL console (key 6) through the pilot, on a SQLite file and on PostgreSQL: statements
of a buffer, results streamed past the first pages, `G` to the end, cancel (no transaction
left open), EXPLAIN as a tree, the production and row-count guards, error positions, history
kept across runs, export of a streamed result, values shown literally."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Tree

from tests.conftest import pg_settings, require_postgres
from tests.functional.pilot_waits import press_while_busy, wait_for_screen, wait_until
from tests.functional.test_screen_common import (
    add_users,
    database,
    local_sqlite,
    rows,
    running,
    scalar,
    settle,
    table_lines,
)
from tui.app import DbTuiApp
from tui.config import Settings, load_settings
from tui.screens.export_dialog import ExportScreen
from tui.screens.modals import ConfirmScreen, TypeToConfirmScreen
from tui.screens.sql import SqlEditor, SqlScreen
from tui.screens.sql_history import SqlHistoryScreen
from tui.sql.history import DATA_DIR_VARIABLE
from tui.sql.stream import WINDOW
from tui.widgets.sql_log_panel import SqlLogPanel

ROWS = 5000  # more than the window of rows a stream holds


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """History and buffer go to a temporary data directory, never the user's."""
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, pg_database_lazy: Any) -> Iterator[Settings]:
    """A development database on each backend (PostgreSQL through DATABASE_URL)."""
    if request.param == "sqlite":
        yield local_sqlite()
        return
    name = pg_database_lazy()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    yield load_settings(None, {"DATABASE_URL": url, "SQL_CONFIRM_ROWS": "2"}, environ={})


@pytest.fixture
def pg_database_lazy() -> Iterator[Any]:
    """Creates a PostgreSQL database only when asked (dropped after the test)."""
    from tests.conftest import create_pg_database, drop_pg_database

    created: list[str] = []

    def make() -> str:
        require_postgres()
        created.append(create_pg_database())
        return created[-1]

    yield make
    for name in created:
        drop_pg_database(name)


def numbers(settings: Settings, count: int = ROWS) -> str:
    """A query of `count` numbered rows (1…count) with a text column."""
    if settings.is_sqlite:
        return (
            f"with recursive n(x) as (select 1 union all select x + 1 from n where x < {count})"
            " select x, 'row ' || x as label from n"
        )
    # generate_series in the select list streams (in FROM it is materialised first)
    return f"select x, 'row ' || x as label from (select generate_series(1, {count}) as x) s"


def endless(settings: Settings) -> str:
    """A query that would run for minutes (on PostgreSQL without keeping a core busy)."""
    if settings.is_sqlite:
        return (
            "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"
        )
    return "select pg_sleep(600)"


def console(app: DbTuiApp) -> SqlScreen:
    screen = app.screen
    assert isinstance(screen, SqlScreen)
    return screen


async def open_console(app: DbTuiApp, pilot: Pilot) -> SqlScreen:
    await pilot.press("6")
    await wait_for_screen(app, pilot, SqlScreen)
    await settle(app, pilot)
    return console(app)


async def type_sql(app: DbTuiApp, pilot: Pilot, sql: str, *, cursor: tuple[int, int] | None = None):
    editor = app.screen.query_one(SqlEditor)
    editor.load_text(sql)
    editor.move_cursor(cursor if cursor is not None else editor.document.end)
    editor.focus()
    await pilot.pause()


async def run(app: DbTuiApp, pilot: Pilot, key: str = "ctrl+j") -> None:
    await pilot.press(key)
    await settle(app, pilot)


def lines(app: DbTuiApp) -> str:
    return "\n".join(table_lines(app))


async def test_runs_the_statement_under_the_cursor_and_streams_past_the_first_pages(
    settings: Settings,
) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        buffer = f"select 'first' as which;\n{numbers(settings)};\nselect 'third' as which"
        await type_sql(app, pilot, buffer, cursor=(0, 3))
        await run(app, pilot)
        assert "first" in lines(app) and "third" not in lines(app)
        assert screen.status_text.startswith("1 row in")

        await type_sql(app, pilot, buffer, cursor=(1, 5))  # the second statement
        await run(app, pilot)
        table = screen.table
        assert table_lines(app)[1].split() == ["1", "row", "1"]
        assert "rows read so far, more remain" in screen.status_text
        assert not table.count_known  # nothing counted: the rest is not read yet
        stream = screen.result
        assert stream is not None and stream.rows_read < ROWS  # type: ignore[union-attr]

        table.focus()
        while table.cursor_row < 3210:  # past the first pages: fetched as the cursor goes
            table.move_cursor(row=min(3210, table.cursor_row + 700))
            await wait_until(pilot, lambda: table.current_row is not None, "the next rows")
        await settle(app, pilot)
        assert table.current_row.cells == (3211, "row 3211")  # type: ignore[union-attr]
        assert table.cached_row_count <= table.max_cached_rows
        assert stream.rows_read < ROWS  # type: ignore[union-attr]

        await pilot.press("G")
        await wait_until(pilot, lambda: table.count_known, "the end of the result")
        await settle(app, pilot)
        assert table.row_count == ROWS
        assert table.current_row.cells == (ROWS, f"row {ROWS}")  # type: ignore[union-attr]
        assert screen.status_text.startswith(f"{ROWS:,} rows")
        assert f"row {ROWS:,} of {ROWS:,}" in str(table.border_subtitle)
        assert len(stream.held_rows()) <= WINDOW  # type: ignore[union-attr]  # memory bounded

        await pilot.press("g")  # back to the top: the statement runs again, skips to it
        await wait_until(pilot, lambda: table.current_row is not None, "the first row")
        assert table.current_row.cells == (1, "row 1")  # type: ignore[union-attr]


async def test_cancel_stops_a_long_query_and_leaves_no_transaction(settings: Settings) -> None:
    async with database(settings) as manager:
        await add_users(manager, ["ann"])
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, endless(settings))
        await press_while_busy(app, pilot, "ctrl+j", lambda: screen.running, "the query to start")
        await pilot.pause(0.3)
        assert screen.running and app.is_running
        assert "ctrl+c or escape cancels" in screen.status_text
        started = time.perf_counter()
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not screen.running, "the query to stop")
        assert time.perf_counter() - started < 2.0  # bench/ measures the 200 ms target
        await settle(app, pilot)
        assert screen.status_text.startswith("Cancelled")
        assert app.manager.sql_log.pool.checked_out == 0  # the connection went back
        if not settings.is_sqlite:
            open_transactions = await scalar(
                app.manager,
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and state like 'idle in transaction%'",
            )
            assert open_transactions == 0
        # the database is free: a write goes through at once
        await type_sql(app, pilot, "update users set full_name = 'after cancel'")
        await run(app, pilot)
        assert await rows(app.manager, "select full_name from users") == [("after cancel",)]


async def test_explain_shows_the_plan_as_a_tree(settings: Settings) -> None:
    async with database(settings) as manager:
        await add_users(manager, ["ann"])
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, "select * from users where id = 1")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        tree = screen.query_one("#sql-plan", Tree)
        assert tree.display and screen.plan is not None
        labels = [str(node.label) for node in _walk(tree.root)]
        expected = "SEARCH users" if settings.is_sqlite else "Scan"
        assert any(expected in label for label in labels), labels
        assert "Plan of the statement" in screen.status_text


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from _walk(child)


async def test_error_position_is_marked_in_the_buffer(settings: Settings) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, "select 1;\nselect nope from users", cursor=(1, 2))
        await run(app, pilot)
        assert "Error at line 2, column 8" in screen.status_text
        assert "nope" in screen.status_text
        assert "     |        ^" in screen.status_text  # the caret under "nope"
        assert screen.editor.selected_text == "nope"


async def test_row_count_guard_asks_before_changing_many_rows(settings: Settings) -> None:
    if settings.is_sqlite:
        settings = load_settings(
            None, {"SQLITE_DATABASE": settings.SQLITE_DATABASE, "SQL_CONFIRM_ROWS": "2"}, {}
        )
    async with database(settings) as manager:
        await add_users(manager, ["ann", "ben", "cleo"])
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, "update users set full_name = 'x' where username = 'ann'")
        await run(app, pilot)  # one row: under the limit, no question
        assert not isinstance(app.screen, ConfirmScreen)
        assert screen.status_text.startswith("1 row changed")

        await type_sql(app, pilot, "update users set full_name = 'all'")
        await pilot.press("ctrl+j")
        await wait_for_screen(app, pilot, ConfirmScreen)
        assert "would change 3 rows (more than 2)" in str(app.screen.query_one("#body").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Not run" in screen.status_text
        assert await scalar(app.manager, "select count(*) from users where full_name = 'all'") == 0
        await pilot.press("ctrl+j")
        await wait_for_screen(app, pilot, ConfirmScreen)
        await pilot.click("#confirm")
        await settle(app, pilot)
        assert await scalar(app.manager, "select count(*) from users where full_name = 'all'") == 3


async def test_history_is_kept_per_database_and_runs_again(
    settings: Settings, data_dir: Path
) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        await open_console(app, pilot)
        await type_sql(app, pilot, "select 'apples' as fruit;\nselect 'pears' as fruit")
        await run(app, pilot)
        await type_sql(
            app, pilot, "select 'apples' as fruit;\nselect 'pears' as fruit", cursor=(0, 1)
        )
        await run(app, pilot)
    assert list(data_dir.glob("sql/*.history.jsonl"))
    async with running(settings) as (app, pilot):  # a new run of the app
        screen = await open_console(app, pilot)
        assert "select 'pears'" in screen.editor.text  # the buffer was kept
        await pilot.press("ctrl+r")
        await wait_for_screen(app, pilot, SqlHistoryScreen)
        history = app.screen
        assert isinstance(history, SqlHistoryScreen)
        assert [e.sql for e in history.shown] == [
            "select 'apples' as fruit",
            "select 'pears' as fruit",
        ]
        history.query_one(Input).value = "pear"
        await pilot.pause()
        assert [e.sql for e in history.shown] == ["select 'pears' as fruit"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SqlScreen)
        assert "pears" in lines(app)


async def test_export_writes_every_row_of_a_streamed_result(settings: Settings) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, numbers(settings, 2500))
        await run(app, pilot)
        screen.table.focus()
        await pilot.press("e")
        await wait_for_screen(app, pilot, ExportScreen)
        app.screen.query_one("#answer", Input).value = "result.csv"
        await pilot.press("enter")
        await settle(app, pilot)
        with open("result.csv", newline="", encoding="utf-8") as handle:
            exported = list(csv.reader(handle))
        assert exported[0] == ["x", "label"]
        assert len(exported) == 2501 and exported[-1] == ["2500", "row 2500"]
        assert "Exported 2,500 rows" in screen.status_text


async def test_values_are_shown_literally(settings: Settings) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        await open_console(app, pilot)
        escape = "char(27)" if settings.is_sqlite else "chr(27)"
        await type_sql(
            app,
            pilot,
            f"select '[bold]x[/]' as \"[red]name[/]\", 'a' || {escape} || '[31mb' as esc",
        )
        await run(app, pilot)
        shown = lines(app)
        assert "[red]name[/]" in shown
        assert "[bold]x[/]" in shown
        assert "a\\x1b[31mb" in shown


@pytest.mark.postgres
async def test_production_refuses_writes_until_unlocked_then_asks_for_the_name(
    pg_database: str,
) -> None:
    settings = pg_settings(pg_database)
    async with database(settings) as manager:
        await add_users(manager, ["ann", "ben"])
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, "delete from users where username = 'ann'")
        await run(app, pilot)
        assert "Production is read-only" in screen.status_text
        assert await scalar(app.manager, "select count(*) from users") == 2
        await type_sql(app, pilot, "explain analyze delete from users")  # it would run it
        await run(app, pilot)
        assert "Production is read-only" in screen.status_text
        await type_sql(app, pilot, "select username from users order by username")
        await run(app, pilot)  # reading works
        assert "ann" in lines(app) and "ben" in lines(app)

        app.manager.unlock()  # as Settings does after the name was typed
        await type_sql(app, pilot, "delete from users where username = 'ann'")
        await pilot.press("ctrl+j")
        await wait_for_screen(app, pilot, TypeToConfirmScreen)
        answer = app.screen.query_one("#answer", Input)
        answer.value = "prod"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TypeToConfirmScreen)  # the exact name is needed
        answer.value = "production"
        await pilot.press("enter")
        await settle(app, pilot)
        assert await rows(app.manager, "select username from users") == [("ben",)]
        assert screen.status_text.startswith("1 row changed")

        # a read that writes underneath (a function) is refused: reads are READ ONLY there
        await type_sql(app, pilot, "select nextval('users_id_seq')")
        await run(app, pilot)
        assert "read-only transaction" in screen.status_text


async def test_completion_of_table_and_column_names(settings: Settings) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await wait_until(pilot, lambda: screen.names is not None, "the names")
        await type_sql(app, pilot, "select * from user_pro")
        await pilot.press("ctrl+n")
        assert screen.editor.text == "select * from user_profiles"
        await type_sql(app, pilot, "select users.hashed")
        await pilot.press("ctrl+n")
        assert screen.editor.text == "select users.hashed_password"
        # an alias given after the cursor, in the same statement
        await type_sql(app, pilot, "select p.ti from posts p; select 1", cursor=(0, 11))
        await pilot.press("ctrl+n")
        assert screen.editor.text == "select p.title from posts p; select 1"
        await type_sql(app, pilot, "select * from us")  # several: the common start, a menu
        await pilot.press("ctrl+n")
        assert screen.editor.text == "select * from user"
        assert {"user_profiles", "users"} <= set(screen.completion_menu.candidates)
        await pilot.press("escape")
        await type_sql(app, pilot, "create table zebra (stripes integer)")
        await run(app, pilot)  # a new table completes at once
        await wait_until(pilot, lambda: "zebra" in screen.names.tables, "the new table")
        await type_sql(app, pilot, "select stri")
        await pilot.press("ctrl+n")
        assert screen.editor.text == "select stripes"


async def test_completion_menu_opens_under_the_cursor_and_is_driven_by_keys() -> None:
    from tests.functional.test_screen_common import screen_text

    async with database(local_sqlite()):
        pass
    async with running(local_sqlite()) as (app, pilot):
        screen = await open_console(app, pilot)
        await wait_until(pilot, lambda: screen.names is not None, "the names")
        menu = screen.completion_menu
        await type_sql(app, pilot, "select * from us")
        await pilot.press("tab")  # several names: their common start, and the menu
        await pilot.pause()
        assert screen.editor.text == "select * from user"
        assert menu.is_open and menu.candidates == ["user_profiles", "users"]  # after from: tables
        x, y = screen.editor.cursor_screen_offset
        shown = screen_text(app).splitlines()
        assert shown[y + 1][x - len("user") :].startswith("user_profiles"), shown[y : y + 3]
        assert shown[y + 2][x - len("user") :].startswith("users")
        await pilot.press("down", "up", "enter")  # the name chosen replaces what was typed
        await pilot.pause()
        assert screen.editor.text == "select * from user_profiles" and not menu.is_open
        await pilot.press("space", "u", "s", "e", "r", "s", "full_stop")  # a dot opens it
        await pilot.pause()
        assert menu.is_open and "email" in menu.candidates and "bio" not in menu.candidates
        await pilot.press("e", "m")  # typing narrows it
        await pilot.pause()
        assert menu.candidates == ["email"]
        await pilot.press("escape")  # closes the menu, and nothing else
        await pilot.pause()
        assert not menu.is_open and screen.editor.has_focus and app.screen is screen
        assert screen.editor.text == "select * from user_profiles users.em"
        await pilot.press("tab")  # one name: typed in at once
        await pilot.pause()
        assert screen.editor.text == "select * from user_profiles users.email"
        assert not menu.is_open
        await type_sql(app, pilot, "select 1 as one")
        await run(app, pilot)
        await type_sql(app, pilot, "select 1 as one ")
        await pilot.press("tab")  # nothing to complete: tab moves on
        await pilot.pause()
        assert app.focused is screen.table
        await type_sql(app, pilot, endless(local_sqlite()))
        await press_while_busy(app, pilot, "ctrl+j", lambda: screen.running, "the endless query")
        screen.editor.load_text("select * from us")
        screen.editor.move_cursor(screen.editor.document.end)
        await press_while_busy(app, pilot, "tab", lambda: menu.is_open, "the menu")
        assert screen.running
        # while a query runs: escape only closes the menu
        await press_while_busy(app, pilot, "escape", lambda: not menu.is_open, "the menu to close")
        await pilot.pause(0.2)  # a cancel by that escape would have begun by now
        assert screen.running and app.screen is screen
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not screen.running, "the cancel")


async def test_reading_to_the_end_shows_progress_and_can_be_cancelled(settings: Settings) -> None:
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, numbers(settings, 20_000_000))
        await run(app, pilot)
        stream = screen.result
        table = screen.table
        table.focus()
        await press_while_busy(
            app,
            pilot,
            "G",
            lambda: stream.rows_read > 20_000,  # type: ignore[union-attr]
            "rows being read",
        )
        assert "rows read so far, more remain" in screen.status_text  # progress
        assert screen.running
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: not screen.running, "reading to stop")
        await settle(app, pilot)
        assert screen.status_text.startswith("Cancelled (")
        assert not table.count_known
        assert app.manager.sql_log.pool.checked_out == 0
        await type_sql(app, pilot, "select 'still fine' as answer")
        await run(app, pilot)
        assert "still fine" in lines(app)


async def test_a_query_is_sent_as_typed_and_logged_with_its_outcome(settings: Settings) -> None:
    """The stream runs on the driver's own cursor: nothing in the text is taken for a bind
    parameter or an escape, and the SQL log panel (ctrl+l) still lists the statement, a failed
    one with the database's reason; the connection goes back to the pool with no transaction
    left open."""
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, "select ':name' as colon, '50%' as percent, 'a\\b' as slash")
        await run(app, pilot)
        shown = lines(app)
        assert ":name" in shown and "50%" in shown and "a\\b" in shown
        await type_sql(app, pilot, "select * from no_such_table_here")
        await run(app, pilot)
        assert screen.status_text.startswith("Error")

        await pilot.press("ctrl+l")
        log = app.screen.query_one(SqlLogPanel).query_one(DataTable)

        def logged() -> list[tuple[str, str, str]]:
            return [
                (
                    str(log.get_row_at(i)[2]),
                    str(log.get_row_at(i)[3]),
                    str(log.get_row_at(i)[4]),
                )
                for i in range(log.row_count)
            ]

        await wait_until(
            pilot, lambda: any("no_such_table_here" in row[1] for row in logged()), "the log"
        )
        failed = next(row for row in logged() if "no_such_table_here" in row[1])
        assert failed[0] == "error" and "no_such_table_here" in failed[2]
        assert any("':name' as colon" in row[1] and row[0] != "error" for row in logged())
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.manager.sql_log.pool.checked_out <= 1  # only the result being browsed
        if not settings.is_sqlite:
            open_transactions = await scalar(
                app.manager,
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and state like 'idle in transaction%' and pid <> pg_backend_pid()",
            )
            assert open_transactions <= 1  # the browsed result's cursor, nothing else


async def test_vacuum_runs_outside_a_transaction(settings: Settings) -> None:
    """VACUUM is refused inside a transaction block on both backends: the console runs it on
    its own, and on SQLite the file gives back the pages freed by a delete."""
    async with database(settings) as manager:
        await add_users(manager, [f"user{i}" for i in range(300)], full_name="x" * 100)
        async with manager.session() as session:
            await session.execute(text("delete from users"))
    async with running(settings) as (app, pilot):
        screen = await open_console(app, pilot)
        if settings.is_sqlite:
            assert (await rows(app.manager, "pragma freelist_count"))[0][0] > 0
        await type_sql(app, pilot, "VACUUM")
        await run(app, pilot)
        assert screen.status_text.startswith("done in"), screen.status_text
        if settings.is_sqlite:
            assert await rows(app.manager, "pragma freelist_count") == [(0,)]
        await type_sql(app, pilot, "select count(*) as n from users")
        await run(app, pilot)
        assert "0" in lines(app)  # the database is fine afterwards


async def test_another_database_drops_the_result_and_has_its_own_history(tmp_path: Path) -> None:
    first, second = local_sqlite(), load_settings(None, {"SQLITE_DATABASE": "other.db"}, {})
    for settings in (first, second):
        async with database(settings):
            pass
    async with running(first) as (app, pilot):
        screen = await open_console(app, pilot)
        await type_sql(app, pilot, numbers(first, 3000))
        await run(app, pilot)
        assert screen.result is not None
        await app.switch_database(second)
        await settle(app, pilot)
        assert screen.result is None  # its cursor read the old database
        assert "another database" in screen.status_text
        await pilot.press("ctrl+r")
        await wait_for_screen(app, pilot, SqlHistoryScreen)
        assert app.screen.shown == []  # type: ignore[attr-defined]


async def test_palette_opens_the_console_and_help_lists_its_keys() -> None:
    from tests.functional.test_screen_common import run_command, screen_text
    from tui.screens.modals import HelpScreen

    async with database(local_sqlite()):
        pass
    async with running(local_sqlite()) as (app, pilot):
        await run_command(app, pilot, "SQL")
        screen = console(app)
        assert screen.editor.has_focus
        await pilot.press("f1")  # in the editor, ? is typed
        await wait_for_screen(app, pilot, HelpScreen)
        shown = screen_text(app)
        for words in (
            "Run the statement under the cursor",
            "Search the statements run on this database",
            "Complete the table or column name",
        ):
            assert words in shown, words
