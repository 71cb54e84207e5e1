"""Confirm, type-to-confirm, prompt, conflict and help modals driven through a pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Static

from tests.functional.test_widget_record_table import SqliteItems, TableApp, make_items_db, settle
from tui.screens.modals import (
    ConfirmScreen,
    ConflictScreen,
    HelpScreen,
    PromptScreen,
    TypeToConfirmScreen,
)
from tui.widgets.record_table import RecordTable


class ModalApp(App[None]):
    """An empty app that records what each modal dismissed with."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Label("base screen")

    def ask(self, screen: Any) -> None:
        self.push_screen(screen, self.results.append)


def plain(widget: Static) -> str:
    """The text a Static shows."""
    content = widget.content
    if hasattr(content, "plain"):
        return content.plain
    console = Console(width=200)
    with console.capture() as capture:
        console.print(content)
    return capture.get()


async def press_confirm(pilot: Pilot) -> None:
    """Confirm the open `ConfirmScreen` deliberately: `tab` to its confirm button, `enter`."""
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmScreen), screen
    button = screen.query_one("#confirm", Button)
    for _ in range(len(screen.query(Button))):
        if button.has_focus:
            break
        await pilot.press("tab")
    assert button.has_focus, "tab never reached the confirm button"
    await pilot.press("enter")


async def test_confirm_keys_and_literal_body() -> None:
    app = ModalApp()
    async with app.run_test() as pilot:
        body = "Merge tag [bold]x[/] into y? Tag x is deleted.\x1b[2J"
        for key, expected in (("y", True), ("enter", True), ("n", False), ("escape", False)):
            app.ask(ConfirmScreen("Merge tags", body, confirm_label="Merge"))
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            shown = plain(app.screen.query_one("#body", Static))
            assert shown == "Merge tag [bold]x[/] into y? Tag x is deleted.\\x1b[2J"
            assert plain(app.screen.query_one("#keys", Static)) == (
                "y or enter: Merge · n or escape: No"
            )
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)
            assert app.results[-1] is expected
        app.ask(ConfirmScreen("Delete", "sure?"))
        await pilot.pause()
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.results[-1] is False


async def test_destructive_confirm_opens_on_cancel_and_needs_a_deliberate_act() -> None:
    app = ModalApp()
    async with app.run_test() as pilot:

        def ask() -> ConfirmScreen:
            return ConfirmScreen("Delete user alice?", "This deletes 12 posts.", danger=True)

        for key in ("enter", "n", "escape"):
            app.ask(ask())
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
            assert app.results[-1] is False, key
        app.ask(ask())
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert plain(screen.query_one("#keys", Static)) == ("tab then enter: Yes · escape: No")
        await pilot.press("y")  # a single stray key destroys nothing
        await pilot.pause()
        assert app.screen is screen and len(app.results) == 3
        await press_confirm(pilot)
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.results == [False, False, False, True]
        app.ask(ask())
        await pilot.pause()
        await pilot.click("#confirm")
        await pilot.pause()
        assert app.results[-1] is True


async def test_type_to_confirm() -> None:
    app = ModalApp()
    async with app.run_test() as pilot:
        app.ask(TypeToConfirmScreen("Production", "Upgrade production to head?", "production"))
        await pilot.pause()
        await pilot.press(*"prod", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TypeToConfirmScreen)
        assert "production" in str(app.screen.query_one("#error", Label).content)
        assert app.results == []
        app.screen.query_one("#answer", Input).value = ""
        await pilot.press(*"production", "enter")
        await pilot.pause()
        assert app.results == [True]
        app.ask(TypeToConfirmScreen("Production", "Delete?", "production"))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [True, False]


async def test_prompt_validates_and_returns_text() -> None:
    app = ModalApp()

    def not_empty(value: str) -> str | None:
        return None if value.strip() else "A message is required"

    async with app.run_test() as pilot:
        app.ask(PromptScreen("New revision", "Message for the revision:", validate=not_empty))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert str(app.screen.query_one("#error", Label).content) == "A message is required"
        await pilot.press(*"add index", "enter")
        await pilot.pause()
        assert app.results == ["add index"]
        app.ask(PromptScreen("Export", value="/tmp/out.csv"))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == ["add index", None]


async def test_conflict_shows_both_versions_and_returns_choice() -> None:
    app = ModalApp()
    mine = {"username": "alice", "email": "alice@new.example", "full_name": "[b]Alice[/b]"}
    theirs = {"username": "alice", "email": "alice@old.example", "full_name": "Alice A."}
    labels = {"username": "Username", "email": "Email", "full_name": "Full name"}
    async with app.run_test(size=(120, 40)) as pilot:
        for key, expected in (("o", "overwrite"), ("r", "reload"), ("escape", "edit")):
            app.ask(ConflictScreen(mine, theirs, labels=labels))
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ConflictScreen)
            assert screen.differing_fields == ["email", "full_name"]
            table_text = plain(screen.query_one("#versions-table", Static))
            assert "alice@new.example" in table_text and "alice@old.example" in table_text
            assert "[b]Alice[/b]" in table_text
            assert "≠ Email" in table_text and "≠ Username" not in table_text
            await pilot.press(key)
            await pilot.pause()
            assert app.results[-1] == expected
        app.ask(ConflictScreen(mine, theirs, labels=labels))
        await pilot.pause()
        await pilot.click("#reload")
        await pilot.pause()
        assert app.results[-1] == "reload"


async def test_help_lists_every_binding_of_the_screen_below(tmp_path: Path) -> None:
    app = TableApp(SqliteItems(make_items_db(tmp_path / "items.db", rows=50)))
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        app.push_screen(HelpScreen())
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {
            description.split(" — ")[0]: (keys, where)
            for keys, description, where in help_screen.rows
        }
        assert rows["Sort"] == ("s", "RecordTable")
        assert rows["Copy"][0] == "y"
        assert rows["Last"][0] == "end / G"
        assert rows["Down"][0] == "↓ / j"  # hidden bindings are listed too
        assert any(where == "App" for _, where in rows.values())
        shown = plain(help_screen.query_one("#bindings-table", Static))
        assert "Sort by the current column" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
