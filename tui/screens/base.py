"""`DbScreen`: the frame every main screen shares (environment bar, body, footer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.environment_bar import EnvironmentBar
from tui.widgets.sql_log_panel import SqlLogPanel

if TYPE_CHECKING:
    from tui.app import DbTuiApp


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
        yield SqlLogPanel(self.dbapp.manager.sql_log)
        yield Footer()

    def compose_body(self) -> Iterable:
        return ()

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
