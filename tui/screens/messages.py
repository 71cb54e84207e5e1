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
from textual.widget import Widget
from textual.widgets import Static

from tui.cells import escape_control
from tui.message_history import AppMessage
from tui.screens.modals import _DIALOG_CSS

#: What each severity is called in the list (Textual's names; "information" is long).
SEVERITY_WORDS = {"information": "info", "warning": "warning", "error": "error"}
EMPTY = "No messages yet"


class MessageList(Widget):
    """`entries` in the order given, two lines each: time, severity (in its theme colour,
    styles/app.tcss) and title, then the message; one widget, however many there are."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "message-list--time",
        "message-list--information",
        "message-list--warning",
        "message-list--error",
    }
    DEFAULT_CSS = "MessageList { height: auto; }"

    def __init__(self, entries: Sequence[AppMessage], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries = list(entries)

    def render(self) -> Text:  # on every repaint: follows a change of theme
        if not self.entries:
            return Text(EMPTY)
        style = self.get_component_rich_style
        text = Text()
        for entry in self.entries:
            severity = SEVERITY_WORDS.get(entry.severity, entry.severity)
            text.append(f"{entry.at:%H:%M:%S}  ", style("message-list--time"))
            text.append(f"{severity:<7}", style(f"message-list--{entry.severity}"))
            text.append(f"  {escape_control(entry.title)}".rstrip(), "bold")
            text.append("\n")
            for line in entry.message.split("\n"):
                text.append(f"  {escape_control(line)}\n")
            text.append("\n")
        text.rstrip()
        return text


class MessagesScreen(ModalScreen[None]):
    """`messages` (oldest first, as `app.messages` gives them), listed newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="messages.close", tooltip="Close the messages"),
    ]

    DEFAULT_CSS = (
        "MessagesScreen {"
        + _DIALOG_CSS
        + """
    & > #dialog { width: 90; height: 90%; }
    & #message-scroll { height: 1fr; }
}"""
    )

    def __init__(self, messages: Sequence[AppMessage]) -> None:
        super().__init__()
        self.entries = list(reversed(messages))  # newest first

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text("Messages"), id="title")
            with VerticalScroll(id="message-scroll"):
                yield MessageList(self.entries, id="message-list")
            yield Static(Text("escape closes", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
