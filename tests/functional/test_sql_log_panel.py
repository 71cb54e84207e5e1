"""The SQL log panel (ctrl+l): statements newest first, timings, rows, parameters, pool, copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.conftest import sqlite_settings
from tests.functional.test_settings_screen import prepare, screen_text, settings_app
from tui.app import DbTuiApp
from tui.models import User
from tui.widgets.sql_log_panel import SHOWN, SqlLogPanel


def panel(app: DbTuiApp) -> SqlLogPanel:
    return app.screen.query_one(SqlLogPanel)


async def until(pilot: Pilot, condition, attempts: int = 400) -> None:
    """Repaint until `condition()` holds (the panel refreshes at 4 Hz while visible)."""
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met")


def rows_of(log_panel: SqlLogPanel) -> list[list[str]]:
    """The cells the panel's table shows (time, ms, rows, statement, parameters), newest
    first."""
    table = log_panel.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


def statements_of(log_panel: SqlLogPanel) -> list[str]:
    return [cells[3] for cells in rows_of(log_panel)]


def shown_statements(app: DbTuiApp) -> list[str]:
    """Statements in the current screen's panel, newest first."""
    return statements_of(panel(app))


def shows(app: DbTuiApp, fragment: str) -> bool:
    return any(fragment in statement for statement in shown_statements(app))


async def run(app: DbTuiApp, sql: str, **params: object) -> None:
    async with app.manager.session() as session:
        await session.execute(text(sql), params)


async def test_panel_lists_statements_newest_first(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        log_panel = panel(app)
        assert not log_panel.display and "statement" not in screen_text(app)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: log_panel.display and rows_of(log_panel))

        await run(app, "select :value as first_one", value="[bold]not markup[/]")
        await run(app, "select 2 as second_one")
        await until(pilot, lambda: shows(app, "second_one"))
        statements = shown_statements(app)
        first = statements.index("select ? as first_one")
        assert statements.index("select 2 as second_one") < first  # newest first
        assert rows_of(log_panel)[first][4] == "('[bold]not markup[/]',)"
        table = log_panel.query_one(DataTable)
        table.move_cursor(row=first)  # scrolled into view
        await pilot.pause()
        shown = screen_text(app)
        assert "[bold]not markup[/]" in shown  # shown literally, never as markup
        assert "pool: size 5 · checked out" in shown
        assert table.get_row_at(0)[1].plain.replace(".", "").isdigit()  # duration in ms

        async with app.manager.session() as session:
            session.add(User(email="a@example.com", username="logged", hashed_password="x"))
        await until(pilot, lambda: shows(app, "INSERT INTO users"))
        insert = next(i for i, s in enumerate(shown_statements(app)) if "INSERT INTO" in s)
        assert table.get_row_at(insert)[2].plain == "1"  # rows changed

        table.focus()
        table.move_cursor(row=insert)
        await pilot.press("c")
        assert app.clipboard.startswith("INSERT INTO users")

        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not log_panel.display


async def test_panel_stays_bounded(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await pilot.press("ctrl+l")
        async with app.manager.session() as session:
            for i in range(SHOWN + 50):
                await session.execute(text(f"select {i} as n{i}"))
        last = f"n{SHOWN + 49}"
        await until(pilot, lambda: shows(app, last))
        assert panel(app).query_one(DataTable).row_count == SHOWN


async def test_parameters_hidden_in_production(tmp_path: Path) -> None:
    plain = sqlite_settings(Path("app.db"))
    await prepare(plain)
    # Production pointed at a SQLite file through DATABASE_URL: the guard and the log rules
    # are the environment's, whatever the backend.
    production = sqlite_settings(
        Path("app.db"), ENVIRONMENT="production", DATABASE_URL="sqlite:///app.db"
    )
    async with settings_app(production, tmp_path / ".env") as (app, pilot):
        assert app.manager.sql_log.hide_parameters
        await pilot.press("ctrl+l")
        await run(app, "select :secret as hidden_param", secret="card-4111")
        await until(pilot, lambda: shows(app, "hidden_param"))
        cells = next(cells for cells in rows_of(panel(app)) if "hidden_param" in cells[3])
        assert cells[4] == "<hidden>"
        assert "card-4111" not in screen_text(app)
        assert "<hidden>" in screen_text(app)


async def test_shown_on_every_screen_once_toggled(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        settings_panel = panel(app)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: settings_panel.display and rows_of(settings_panel))
        await pilot.press("1")
        await until(pilot, lambda: panel(app) is not settings_panel and rows_of(panel(app)))
        assert panel(app).display
        # A statement run while the Settings screen is away shows there once it is back.
        await run(app, "select 1 as while_away")
        await until(pilot, lambda: shows(app, "while_away"))
        await pilot.press("5")
        await until(pilot, lambda: panel(app) is settings_panel and shows(app, "while_away"))
        await pilot.press("1")
        await until(pilot, lambda: panel(app) is not settings_panel)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not panel(app).display
        await pilot.press("5")
        await pilot.pause()
        assert not settings_panel.display


async def test_failed_statements_show_their_reason(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await pilot.press("ctrl+l")
        with pytest.raises(OperationalError):
            await run(app, "select * from missing_table_xyz")
        await until(pilot, lambda: shows(app, "missing_table_xyz"))
        table = panel(app).query_one(DataTable)
        row = table.get_row_at(0)
        assert row[2].plain == "error"
        assert "no such table: missing_table_xyz" in row[4].plain
        assert app.is_running
