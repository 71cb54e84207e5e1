"""SVG snapshots of the generic widgets (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Label

from tests.functional.test_widget_record_table import SqliteItems, TableApp, make_items_db, settle
from tui.fields import FormField
from tui.screens.modals import ConfirmScreen, FormScreen
from tui.widgets.record_form import RecordForm
from tui.widgets.record_table import RecordTable


def test_record_table_with_markup_and_control_characters(snap_compare: Any, tmp_path: Path) -> None:
    app = TableApp(SqliteItems(make_items_db(tmp_path / "items.db", rows=300)))

    async def run_before(pilot: Any) -> None:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        await pilot.press("j", "j", "right")
        await settle(pilot, table)

    assert snap_compare(app, terminal_size=(80, 16), run_before=run_before)


FIELDS = [
    FormField("username", "Username", required=True, max_length=50),
    FormField("email", "Email", required=True),
    FormField("status", "Status", kind="select", required=True, options=[("Active", "active")]),
    FormField("bio", "Bio", kind="textarea"),
]


class _Base(App[None]):
    def __init__(self, screen: Any) -> None:
        super().__init__()
        self._first = screen

    def compose(self) -> ComposeResult:
        yield Label("underneath")

    def on_mount(self) -> None:
        self.push_screen(self._first)


def test_form_with_errors(snap_compare: Any) -> None:
    app = _Base(FormScreen("New user", FIELDS, {"username": "[b]alice", "email": "nope"}))

    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        form = app.screen.query_one(RecordForm)
        form.set_errors({"email": "value is not a valid email address", "username": "taken"})
        await pilot.pause()

    assert snap_compare(app, terminal_size=(90, 30), run_before=run_before)


def test_confirm_delete(snap_compare: Any) -> None:
    app = _Base(
        ConfirmScreen(
            "Delete user",
            "Delete user [bold]alice[/]? This deletes 12 posts, 1 profile.",
            confirm_label="Delete",
            cancel_label="Cancel",
            danger=True,
        )
    )
    assert snap_compare(app, terminal_size=(80, 16))
