"""A small list of completions shown under the text cursor (it never takes the focus).

The widget that owns the text keeps the focus and drives the menu: `show` it at the cursor,
`move` the highlight, read `chosen`, `hide` it. It sits on the screen's overlay and is placed
with `absolute_offset` (the way Textual places tooltips); `constrain` keeps it on the screen,
above the cursor when there is no room below.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Offset
from textual.widgets import OptionList

from tui.cells import escape_control


class CompletionMenu(OptionList, can_focus=False):
    """Candidates for the word at the cursor; the first is highlighted."""

    DEFAULT_CSS = """
    CompletionMenu {
        overlay: screen;
        constrain: inside inflect;
        display: none;
        width: auto;
        min-width: 12;
        max-width: 50;
        height: auto;
        max-height: 10;
        border: none;
        padding: 0;
        background: $panel;
    }
    CompletionMenu.-open {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.candidates: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def chosen(self) -> str | None:
        """The highlighted candidate."""
        index = self.highlighted
        return self.candidates[index] if index is not None and self.candidates else None

    def show(self, candidates: list[str], at: Offset) -> None:
        """List `candidates` with its top left corner at `at` (screen coordinates)."""
        if candidates != self.candidates:
            self.candidates = list(candidates)
            self.clear_options()
            self.add_options(Text(escape_control(name)) for name in candidates)
        self.highlighted = 0
        self.absolute_offset = at
        self.add_class("-open")
        self.refresh(layout=True)

    def hide(self) -> None:
        self.remove_class("-open")

    def move(self, step: int) -> None:
        """Highlight the next (`step` 1) or previous (-1) candidate, wrapping around."""
        if self.candidates:
            self.highlighted = ((self.highlighted or 0) + step) % len(self.candidates)
