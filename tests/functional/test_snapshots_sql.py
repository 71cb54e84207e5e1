"""SVG snapshots of the SQL console: a streamed result, and an error with its position marked
(update with `pytest --snapshot-update`, then look at the SVGs). Timings are frozen so the
status line does not depend on the machine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.functional.test_screen_common import database, local_sqlite, settle
from tui.app import DbTuiApp, make_app
from tui.screens.sql import SqlScreen
from tui.sql.history import DATA_DIR_VARIABLE

TERMINAL = (120, 36)
QUERY = (
    "-- numbers and hostile text\n"
    "with recursive n(x) as (select 1 union all select x + 1 from n where x < 1000)\n"
    "select x, '[bold]row[/] ' || x as label, x * 1.5 as half, null as empty from n;\n"
)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
    monkeypatch.setattr("tui.screens.sql.time.perf_counter", lambda: 0.0)


async def _empty() -> None:
    async with database(local_sqlite()):
        pass


def _app() -> DbTuiApp:
    asyncio.run(_empty())
    return make_app(local_sqlite(), initial_mode="sql")


async def _run(pilot: Any, sql: str, cursor: tuple[int, int]) -> None:
    app = pilot.app
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, SqlScreen)
    screen.editor.cursor_blink = False  # a blinking cursor made the picture depend on time
    screen.editor.load_text(sql)
    screen.editor.move_cursor(cursor)
    await pilot.press("ctrl+j")
    await settle(app, pilot)


def test_sql_console_with_a_result(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _run(pilot, QUERY, (2, 0))

    assert snap_compare(_app(), run_before=run_before, terminal_size=TERMINAL)


def test_sql_console_with_an_error(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _run(pilot, "select 1;\nselect id, nope\n  from users;", (1, 0))

    assert snap_compare(_app(), run_before=run_before, terminal_size=TERMINAL)


def test_sql_console_with_the_completion_menu(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SqlScreen)
        while screen.names is None:
            await pilot.pause(0.05)
        screen.editor.cursor_blink = False
        screen.editor.load_text(
            "select u.em, p.title\n  from users u join posts p on p.author_id = u."
        )
        screen.editor.move_cursor(screen.editor.document.end)
        await pilot.pause()
        await pilot.press("down")  # the dot opened the menu: the second column

    assert snap_compare(_app(), run_before=run_before, terminal_size=TERMINAL)
