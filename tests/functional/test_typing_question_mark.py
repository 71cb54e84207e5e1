"""`?` is a character wherever text is typed (a SQL parameter, a search for "why?"), and `f1`
opens the help from there: the SQL editor, a table's search box, a form field, the filter
dialog's value. Outside text, `?` still opens the help."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from tests.functional.pilot_waits import wait_for_screen, wait_until
from tests.functional.test_screen_common import database, local_sqlite, running, settle
from tui.app import DbTuiApp
from tui.screens.filter_dialog import FilterScreen
from tui.screens.modals import FormScreen, HelpScreen
from tui.screens.sql import SqlScreen
from tui.screens.sql_history import SqlHistoryScreen
from tui.widgets.record_table import RecordTable


def typed_text(app: DbTuiApp) -> str:
    focused = app.focused
    if isinstance(focused, Input):
        return focused.value
    assert isinstance(focused, TextArea), focused
    return focused.text


async def question_mark_is_typed_and_f1_helps(app: DbTuiApp, pilot: Pilot, where: str) -> None:
    before = typed_text(app)
    screen = app.screen
    await pilot.press("question_mark")
    await pilot.pause()
    assert app.screen is screen, f"{where}: ? left the screen for {app.screen}"
    assert typed_text(app) == before + "?", where
    await pilot.press("f1")
    await wait_for_screen(app, pilot, HelpScreen)
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.screen is screen, f"back from the help to {where}")
    assert typed_text(app) == before + "?", where


async def test_question_mark_is_typed_in_every_text_input_and_f1_opens_the_help() -> None:
    async with database(local_sqlite()):
        pass
    async with running(local_sqlite()) as (app, pilot):
        await pilot.press("question_mark")  # on the table itself: the help
        await wait_for_screen(app, pilot, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), "the search box")
        await question_mark_is_typed_and_f1_helps(app, pilot, "the search box")
        app.screen.query_one(RecordTable).focus()
        await settle(app, pilot)

        await pilot.press("n")
        await wait_for_screen(app, pilot, FormScreen)
        await question_mark_is_typed_and_f1_helps(app, pilot, "a form field")
        app.screen.dismiss(None)
        await settle(app, pilot)

        await pilot.press("f")
        await wait_for_screen(app, pilot, FilterScreen)
        dialog = app.screen
        dialog.query_one("#filter-column", Select).value = "username"
        await pilot.pause()
        dialog.query_one("#filter-value", Input).focus()
        await pilot.pause()
        await question_mark_is_typed_and_f1_helps(app, pilot, "the filter value")
        dialog.dismiss(None)
        await settle(app, pilot)

        await pilot.press("6")
        await wait_for_screen(app, pilot, SqlScreen)
        await settle(app, pilot)
        editor = app.screen.query_one(TextArea)
        editor.move_cursor(editor.document.end)
        editor.focus()
        await pilot.pause()
        await question_mark_is_typed_and_f1_helps(app, pilot, "the SQL editor")

        await pilot.press("ctrl+r")
        await wait_for_screen(app, pilot, SqlHistoryScreen)
        await wait_until(pilot, lambda: isinstance(app.focused, Input), "the history search")
        await question_mark_is_typed_and_f1_helps(app, pilot, "the history search")
