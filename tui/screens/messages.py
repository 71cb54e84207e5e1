"""The "Messages" dialog (command palette): the app's recent notifications, newest first,
each with its time and severity, shown literally; `escape` closes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.message_history import AppMessage
from tui.screens.modals import _DIALOG_CSS, literal_block, literal_line

#: What each severity is called in the list (Textual's names; "information" is long).
SEVERITY_WORDS = {"information": "info", "warning": "warning", "error": "error"}


def message_head(entry: AppMessage) -> Text:
    """The first line of a message: its time, severity and title (literal)."""
    when = entry.at.strftime("%H:%M:%S")
    severity = SEVERITY_WORDS.get(entry.severity, entry.severity)
    head = f"{when}  {severity:<7}  {entry.title}".rstrip()
    return literal_line(head)


class MessagesScreen(ModalScreen[None]):
    """`messages` (oldest first, as `app.messages` gives them), listed newest first; the
    severity colours come from the theme (styles/app.tcss)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="messages.close", tooltip="Close the messages"),
    ]

    DEFAULT_CSS = (
        "MessagesScreen {"
        + _DIALOG_CSS
        + """
    & > #dialog { width: 90; height: 90%; }
    & #message-list { height: 1fr; }
}"""
    )

    def __init__(self, messages: Sequence[AppMessage]) -> None:
        super().__init__()
        self.entries = list(reversed(messages))  # newest first

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text("Messages"), id="title")
            with VerticalScroll(id="message-list"):
                if not self.entries:
                    yield Static(Text("No messages yet"), classes="empty-hint")
                for entry in self.entries:
                    yield Static(message_head(entry), classes=f"message-head -{entry.severity}")
                    yield Static(literal_block(entry.message), classes="message-text")
            yield Static(Text("escape closes", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
