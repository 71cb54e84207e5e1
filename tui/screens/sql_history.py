"""The SQL console's history dialog: type to search, `enter` runs the chosen statement again."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.cells import escape_control
from tui.screens.modals import _DIALOG_CSS, literal_line
from tui.sql.history import HistoryEntry


def entry_label(entry: HistoryEntry) -> Text:
    """One line for `entry`: when, how it ended, the statement on one line (literal)."""
    when = datetime.fromtimestamp(entry.at).strftime("%Y-%m-%d %H:%M")
    sql = escape_control(" ".join(entry.sql.split()))
    return Text.assemble((f"{when}  ", "dim"), (f"{entry.outcome:<14} ", "dim"), sql)


class SqlHistoryScreen(ModalScreen[str | None]):
    """Past statements of this database, newest first; the answer is the statement to run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="sql_history.close", tooltip="Close"),
        Binding("down", "next", "Next", show=False, id="sql_history.down", tooltip="Next"),
        Binding("up", "previous", "Previous", show=False, id="sql_history.up", tooltip="Previous"),
    ]

    DEFAULT_CSS = (
        "SqlHistoryScreen {"
        + _DIALOG_CSS
        + "\n    & #dialog { width: 90%; }\n    & OptionList { height: 16; }\n}"
    )

    def __init__(self, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.shown: list[HistoryEntry] = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line("SQL history"), id="title")
            yield Input(placeholder="search the history", id="history-search")
            yield OptionList(id="history-list")
            yield Static(Text("enter: run again · escape: close", style="dim"), id="keys")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#history-search", Input).focus()

    def _fill(self, words: str) -> None:
        terms = words.lower().split()
        self.shown = [e for e in self.entries if all(t in e.sql.lower() for t in terms)]
        options = self.query_one("#history-list", OptionList)
        options.clear_options()
        options.add_options(Option(entry_label(e)) for e in self.shown)
        if self.shown:
            options.highlighted = 0

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#history-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(self.query_one("#history-list", OptionList).highlighted)

    @on(OptionList.OptionSelected, "#history-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index].sql)

    def action_next(self) -> None:
        self.query_one("#history-list", OptionList).action_cursor_down()

    def action_previous(self) -> None:
        self.query_one("#history-list", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
