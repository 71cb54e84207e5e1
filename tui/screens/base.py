"""`DbScreen`: the frame every main screen shares (environment bar, body, footer)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen

from tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from tui.app import DbTuiApp

#: Seconds a screen with a table waits for its first rows before it shows its keys anyway.
REVEAL_WAIT = 1.0
#: Pause after the first rows arrive so that they paint before the footer lays out.
PAINT_PAUSE = 1 / 30


class DbScreen(Screen[None]):
    """A main screen. Subclasses implement `compose_body` and may override `on_database_changed`."""

    #: Name shown in the command palette and used as the app mode name.
    SCREEN_NAME = ""

    def __init__(self) -> None:
        super().__init__()
        self._generation = -1

    @property
    def dbapp(self) -> DbTuiApp:
        return cast("DbTuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield EnvironmentBar()
        yield from self.compose_body()

    def compose_body(self) -> Iterable:
        return ()

    def on_mount(self) -> None:
        self._reveal_frame()

    @work(group="reveal-frame", exit_on_error=False)
    async def _reveal_frame(self) -> None:
        """Add the SQL log panel and the footer (keys) once the first rows are painted.

        Composed with the screen, Textual's `Footer` recomposes on every bindings change while
        the screen starts, and the panel's DataTable lays out: the first rows waited for both
        (see bench/README.md). Screens without a table get them at once.
        """
        table: Any = next(iter(self.query("RecordTable")), None)
        if table is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + REVEAL_WAIT
            while loop.time() < deadline:
                if table.current_row is not None or (table.count_known and table.row_count == 0):
                    await asyncio.sleep(PAINT_PAUSE)
                    break
                await asyncio.sleep(0.01)
        from tui.widgets.keys_footer import KeysFooter  # neither is needed for the first rows
        from tui.widgets.sql_log_panel import SqlLogPanel

        await self.mount(SqlLogPanel(self.dbapp.manager.sql_log), KeysFooter())
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale()

    def refresh_if_stale(self) -> None:
        """Reload when the database changed (switch, migration) since this screen loaded."""
        generation = self.dbapp.db_generation
        if self._generation != generation and self.dbapp.database_ready.is_set():
            self._generation = generation
            self.on_database_changed()

    def on_database_changed(self) -> None:
        """Called when this screen should (re)load its data from the current database."""

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        """(title, help, callback) triples offered in the command palette on this screen."""
        return ()
