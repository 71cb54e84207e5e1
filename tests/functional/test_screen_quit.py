"""Quitting through the pilot: `ctrl+q` and the palette's Quit ask first while a form has
unsaved changes or a write is in progress, and quit at once otherwise."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from textual.widgets import Input

from tests.functional.pilot_waits import shown, wait_for_screen, wait_until
from tests.functional.test_screen_common import (
    add_tags,
    add_users,
    database,
    form,
    local_sqlite,
    rows,
    run_command,
    running,
    settle,
)
from tui.screens.modals import ConfirmScreen, FormScreen


async def test_quit_asks_before_losing_an_unsaved_form() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["ann"])
    async with running(settings) as (app, pilot):
        await pilot.press("n")
        await wait_for_screen(app, pilot, FormScreen)
        await pilot.press(*"newbie")  # the username, focused first
        await pilot.press("ctrl+q")
        await wait_for_screen(app, pilot, ConfirmScreen)
        assert shown(app.screen, "#title") == "Quit and lose the unsaved changes?"
        assert "“New row in Users”" in shown(app.screen, "#body")
        await pilot.press("ctrl+q")  # asking already: no second question on top
        await pilot.pause()
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")  # stay
        await wait_for_screen(app, pilot, FormScreen)
        assert app.return_code is None
        username = form(app).input_widget("username")
        assert isinstance(username, Input) and username.value == "newbie"

        await run_command(app, pilot, "Tags")  # the form stays open under the Users screen
        await wait_until(pilot, lambda: app.current_mode == "tags", "the Tags screen")
        await run_command(app, pilot, "Quit")  # the palette's Quit asks the same
        await wait_for_screen(app, pilot, ConfirmScreen)
        assert shown(app.screen, "#title") == "Quit and lose the unsaved changes?"
        assert "“New row in Users”" in shown(app.screen, "#body")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: app.return_code == 0, "the app to quit")
    assert await rows(manager, "select username from users") == [("ann",)]


async def test_quit_asks_while_a_write_is_in_progress_then_quits_at_once() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_tags(manager, ["old"])
    async with running(settings, "tags") as (app, pilot):
        # Another program holds the write lock: the delete waits for it (busy timeout 5 s).
        with closing(sqlite3.connect(settings.SQLITE_DATABASE, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            await pilot.press("d")
            await wait_for_screen(app, pilot, ConfirmScreen)
            await pilot.click("#confirm")
            await pilot.press("ctrl+q")
            await wait_for_screen(app, pilot, ConfirmScreen)
            assert shown(app.screen, "#title") == "A delete is in progress. Quit anyway?"
            await pilot.press("escape")
            await pilot.pause()
            assert app.return_code is None
            other.execute("ROLLBACK")
        await settle(app, pilot)  # the delete goes on once the lock is free
        assert await rows(app.manager, "select count(*) from tags") == [(0,)]
        await pilot.press("ctrl+q")  # nothing unsaved: quits at once
        await wait_until(pilot, lambda: app.return_code == 0, "the app to quit")
