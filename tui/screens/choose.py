"""`ChooseScreen`: pick one of a few labelled choices (which reference to follow, and so on)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.cells import escape_control


class ChooseScreen(ModalScreen[int | None]):
    """A titled list; `enter` dismisses with the chosen index, `escape` with None."""

    DEFAULT_CSS = """
    ChooseScreen {
        align: center middle;
        & > Vertical {
            width: 72; height: auto; max-height: 80%;
            border: thick $accent; background: $surface; padding: 0 1;
        }
        & #choose-title { text-style: bold; margin-bottom: 1; }
        & OptionList { height: auto; max-height: 20; }
        & #choose-help { color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choose.cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, title: str, choices: Sequence[str]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(escape_control(self.title_text)), id="choose-title")
            yield OptionList(*(Option(Text(escape_control(c))) for c in self.choices))
            yield Static(Text("enter choose · escape cancel"), id="choose-help")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
