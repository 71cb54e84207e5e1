"""`DbScreen`: the frame every main screen shares (environment bar, body, footer)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from tui.app import DbTuiApp

#: Seconds a screen with a table waits for its first rows before it shows its keys anyway.
REVEAL_WAIT = 1.0
#: Pause after the first rows arrive so that they paint before the footer lays out.
PAINT_PAUSE = 1 / 30


class KeysFooter(Footer):
    """Textual's `Footer`, recomposed only when the keys it shows change.

    Textual recomposes the footer on every bindings signal (focus, screen resume, idle
    callbacks): six full recomposes of about 18 ms each while a screen starts, which delayed
    the first rows. Here signals schedule at most one check per refresh, and the check
    recomposes only when the shown keys differ. Built with `held=True`, it stays empty until
    `release()`.
    """

    def __init__(self, *, held: bool = False) -> None:
        super().__init__()
        self._held = held
        self._check_pending = False
        self._shown_keys: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown_keys = self._keys()
        yield from super().compose()

    def release(self) -> None:
        """Start showing keys."""
        if self._held:
            self._held = False
            if self.is_attached:  # from the footer's own queue: it composes as itself
                self.call_later(self.bindings_changed, self.screen)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if self._held or not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if self.is_attached and self._keys() != self._shown_keys:
            await self.recompose()

    def _keys(self) -> tuple[object, ...]:
        shown: list[tuple[object, ...]] = []
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            display = self.app.get_key_display(binding)
            shown.append((key, binding.action, binding.description, binding.show, display))
            shown.append((binding.group, enabled, tooltip))
        return tuple(shown)


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
        yield KeysFooter(held=True)

    def compose_body(self) -> Iterable:
        return ()

    def on_mount(self) -> None:
        self._reveal_frame()

    @work(group="reveal-frame", exit_on_error=False)
    async def _reveal_frame(self) -> None:
        """Add the SQL log panel and the keys once the first rows are painted.

        Their first layout costs about 50 ms (Textual's DataTable and Footer), which would
        otherwise delay a table's first rows. Screens without a table get them at once.
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
        from tui.widgets.sql_log_panel import SqlLogPanel  # not needed for the first rows

        footer = self.query_one(KeysFooter)
        await self.mount(SqlLogPanel(self.dbapp.manager.sql_log), before=footer)
        footer.release()

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
