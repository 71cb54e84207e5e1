"""`SqlLogPanel`: the last statements (newest first) with timings, row counts and pool status.

Generic: it reads a `SqlLog` and knows nothing about users or posts. Hidden until it has the
class `-visible` (the app toggles it with `ctrl+l`).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static

from tui.db.sql_log import SqlEntry, SqlLog
from tui.widgets.theme_styles import ERROR, on_theme_change, theme_style

#: How many statements the table shows (the log itself keeps more).
SHOWN = 200
#: Longest statement / parameter text shown in a cell (the copy takes the whole statement).
CELL_WIDTH = 400
REFRESH_SECONDS = 0.25


def one_line(value: str, limit: int = CELL_WIDTH) -> str:
    """Collapse whitespace and control characters to single spaces; cut at `limit`."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def describe_pool(log: SqlLog) -> str:
    """'pool: size 5 · checked out 1 · overflow 0 · connects 3 · invalidated 0'."""
    pool = log.pool
    return (
        f"pool: size {pool.size} · checked out {pool.checked_out} · "
        f"overflow {max(0, pool.overflow)} · connects {pool.connects} · "
        f"invalidated {pool.invalidated}"
    )


class SqlLogPanel(Vertical):
    """The SQL log: a table of recent statements and a pool status line."""

    DEFAULT_CSS = """
    SqlLogPanel {
        display: none;
        dock: bottom;
        height: 14;
        border-top: solid $accent;
        background: $surface;
    }
    SqlLogPanel.-visible { display: block; }
    SqlLogPanel > #sql-log-status { height: 1; padding: 0 1; color: $text-muted; }
    SqlLogPanel > DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("c", "copy_statement", "Copy SQL", id="sql_log.copy", tooltip="Copy statement"),
    ]

    def __init__(self, log: SqlLog, *, id: str | None = "sql-log") -> None:
        super().__init__(id=id)
        self.sql_log = log
        self._dirty = True
        self._shown: list[SqlEntry] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="sql-log-status")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "ms", "rows", "statement", "parameters")
        yield table

    def on_mount(self) -> None:
        self.sql_log.listeners.append(self._mark_dirty)
        # Polling keeps the engine threads away from the widgets (the listener only sets a
        # flag); the timer runs only while the panel is shown on the current screen.
        self._timer = self.set_interval(REFRESH_SECONDS, self._tick, pause=True)
        self.app.screen_change_signal.subscribe(self, self._sync_timer)
        on_theme_change(self, self._mark_dirty)  # failed statements are in the error colour
        if hasattr(self.app, "sql_log_visible"):
            self.watch(self.app, "sql_log_visible", self._follow)

    def on_unmount(self) -> None:
        if self._mark_dirty in self.sql_log.listeners:
            self.sql_log.listeners.remove(self._mark_dirty)

    def _follow(self, visible: bool) -> None:
        """The log is shown on every screen or on none (the app owns `sql_log_visible`)."""
        self.set_class(visible, "-visible")
        self._sync_timer()

    def on_show(self) -> None:
        self._sync_timer()

    def on_hide(self) -> None:
        self._sync_timer()

    def _sync_timer(self, *_args: object) -> None:
        if self._timer is None:
            return
        if self.has_class("-visible") and self.app.screen is self.screen:
            self._tick()
            self._timer.resume()
        else:
            self._timer.pause()

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _tick(self) -> None:
        if self._dirty and self.has_class("-visible"):
            self.refresh_entries()

    def refresh_entries(self) -> None:
        """Rebuild the table from the log, keeping the selected statement selected."""
        self._dirty = False
        table = self.query_one(DataTable)
        selected = self.selected_entry()
        entries = self.sql_log.newest_first()[:SHOWN]
        table.clear()
        for entry in entries:
            table.add_row(*self._cells(entry))
        self._shown = entries
        if selected is not None and table.row_count:
            index = next((i for i, e in enumerate(entries) if e is selected), 0)
            table.move_cursor(row=index, animate=False)
        count = len(self.sql_log.entries)
        status = f"{count} statement{'s' if count != 1 else ''} · {describe_pool(self.sql_log)}"
        self.query_one("#sql-log-status", Static).update(Text(status))

    def _cells(self, entry: SqlEntry) -> tuple[Text, ...]:
        clock = time.strftime("%H:%M:%S", time.localtime(entry.at))
        rows = "" if entry.rowcount is None else str(entry.rowcount)
        if entry.error is not None:  # a failed statement: the reason instead of a row count
            failed = theme_style(self, ERROR)
            return (
                Text(clock, style=failed),
                Text(f"{entry.duration_ms:.1f}", justify="right", style=failed),
                Text("error", style=failed + theme_style(self, "bold")),
                Text(one_line(entry.statement), style=failed),
                Text(one_line(entry.error), style=failed),
            )
        return (
            Text(clock),
            Text(f"{entry.duration_ms:.1f}", justify="right"),
            Text(rows, justify="right"),
            Text(one_line(entry.statement)),
            Text(one_line(entry.parameters)),
        )

    def selected_entry(self) -> SqlEntry | None:
        """The statement under the cursor, if any."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        if not self._shown or row < 0 or row >= len(self._shown):
            return None
        return self._shown[row]

    def action_copy_statement(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.notify("No statement selected")
            return
        self.app.copy_to_clipboard(entry.statement)
        self.notify("Statement copied to the clipboard")
