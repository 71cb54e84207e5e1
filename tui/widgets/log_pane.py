"""`LogPane`: a bounded, scrolling log of operations; text is always shown literally."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import RichLog

from tui.cells import escape_control
from tui.widgets.theme_styles import ERROR, SUCCESS, WARNING, on_theme_change, theme_style

MAX_LINES = 2000


class LogPane(RichLog):
    """Lines of output grouped by operation; kept after the operation ends.

    `begin(title)` starts a section, `line()` adds plain output, `error()` a line in the
    theme's error colour, `success()` and `warning()` likewise (redrawn when the theme changes).
    Every value is wrapped in `Text` (no markup interpretation).
    """

    DEFAULT_CSS = """
    LogPane { height: 10; border-top: solid $panel-lighten-2; background: $surface; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id, classes=classes, max_lines=MAX_LINES, wrap=True, markup=False, highlight=False
        )
        #: (text, style) of every line shown, oldest first (bounded like the view); styles
        #: name theme colours (`$text-error`), see `tui.widgets.theme_styles`.
        self.entries: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        on_theme_change(self, self._redraw)

    def _redraw(self) -> None:
        self.clear()
        for clean, style in self.entries:
            self.write(Text(clean, style=theme_style(self, style)))

    def _add(self, message: str, style: str = "") -> None:
        for part in message.splitlines() or [""]:
            clean = escape_control(part.replace("\t", "    "))
            self.entries.append((clean, style))
            self.write(Text(clean, style=theme_style(self, style)))
        if len(self.entries) > MAX_LINES:
            del self.entries[: len(self.entries) - MAX_LINES]

    def begin(self, title: str) -> None:
        """Start a new section for an operation."""
        stamp = time.strftime("%H:%M:%S")
        self._add(f"── {stamp} {title} ──", "bold")

    def line(self, message: str) -> None:
        self._add(message)

    def muted(self, message: str) -> None:
        self._add(message, "dim")

    def success(self, message: str) -> None:
        self._add(message, f"bold {SUCCESS}")

    def warning(self, message: str) -> None:
        self._add(message, WARNING)

    def error(self, message: str) -> None:
        self._add(message, f"bold {ERROR}")

    @property
    def text(self) -> str:
        """Everything shown, as plain text (for tests and copying)."""
        return "\n".join(line for line, _style in self.entries)
