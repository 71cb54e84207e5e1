"""`DbTuiApp`: wires screens, command palette, global bindings and the database lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.config import Environment, Settings
from tui.db.errors import ConnectionProblem, short_error
from tui.db.session import SessionManager

#: Seconds between checks that a SQLite database file is still there.
HEALTH_SECONDS = 2.0

SCREENS: tuple[tuple[str, str, str], ...] = (
    # (mode name, palette title, key)
    ("users", "Users", "1"),
    ("posts", "Posts", "2"),
    ("tags", "Tags", "3"),
    ("migrations", "Migrations", "4"),
    ("settings", "Settings", "5"),
)


def _screen_factory(mode: str) -> Callable[[], Screen[Any]]:
    """Import a screen module only when its screen is first shown (keeps start-up light)."""

    def make() -> Screen[Any]:
        from importlib import import_module

        module = import_module(f"tui.screens.{mode}")
        return module.SCREEN()

    return make


class DbTuiApp(App[None]):
    """The dbtui application."""

    TITLE = "dbtui"
    CSS_PATH = ["styles/app.tcss", "styles/settings.tcss", "styles/migrations.tcss"]
    MODES = {mode: _screen_factory(mode) for mode, _title, _key in SCREENS}
    BINDINGS = [
        *(
            Binding(key, f"switch_mode('{mode}')", title, id=f"screen.{mode}", tooltip=f"{title}")
            for mode, title, key in SCREENS
        ),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key"),
        Binding("ctrl+l", "toggle_sql_log", "SQL log", id="app.sql_log", tooltip="Statements run"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave dbtui", priority=True),
    ]

    environment: reactive[str] = reactive("development")
    masked_url: reactive[str] = reactive("")
    connection_state: reactive[str] = reactive("")
    connection_problem: reactive[bool] = reactive(False)
    sql_log_visible: reactive[bool] = reactive(False)

    def __init__(
        self,
        settings: Settings,
        *,
        env_file: Path | None = None,
        overrides: dict[str, str] | None = None,
        initial_mode: str = "users",
        migrations_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.migrations_path = migrations_path  # Alembic script folder (None: the repo's)
        self.settings = settings
        self.env_file = env_file
        self.overrides = dict(overrides or {})
        self.initial_mode = initial_mode
        self.manager = SessionManager(settings)
        self.manager.sql_log.hide_parameters = settings.ENVIRONMENT is Environment.PRODUCTION
        self.database_ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._file_missing = False
        self.db_generation = 0
        self._show_identity()

    # -- lifecycle -------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.manager.sql_log.listeners.append(self._statement_ran)
        self.set_interval(HEALTH_SECONDS, self._watch_sqlite_file)
        self.switch_mode(self.initial_mode)
        self.prepare_database()

    async def on_unmount(self) -> None:
        with contextlib.suppress(ValueError):
            self.manager.sql_log.listeners.remove(self._statement_ran)
        await self.manager.dispose()

    def _show_identity(self) -> None:
        settings = self.manager.settings
        self.environment = settings.ENVIRONMENT.value
        self.masked_url = settings.masked_url
        production = settings.ENVIRONMENT is Environment.PRODUCTION
        self.connection_state = (
            "read-only" if self.manager.read_only else "UNLOCKED" if production else ""
        )

    @work(exclusive=True, group="startup", exit_on_error=False)
    async def prepare_database(self) -> None:
        """Connect; on a fresh development database migrate to head; then let screens load."""
        manager = self.manager
        self.connection_state = "connecting…"
        try:
            await manager.ping()
        except ConnectionProblem as problem:
            self._report_problem(str(problem))
            self.database_ready.set()
            self._database_changed()
            return
        if await self._is_fresh_database():
            self.connection_state = "creating schema…"
            from tui.migrations import MigrationRunner

            runner = MigrationRunner(manager, self.migrations_path)
            await runner.upgrade("heads")
            self.notify(f"New database migrated to head: {manager.settings.masked_url}")
        manager.healthy = True
        self._show_identity()
        self.connection_problem = False
        self.database_ready.set()
        self._database_changed()
        self.check_revision()

    async def _is_fresh_database(self) -> bool:
        """True for a development/testing SQLite database that has no tables at all."""
        settings = self.manager.settings
        if not settings.is_sqlite or settings.ENVIRONMENT is Environment.PRODUCTION:
            return False
        from sqlalchemy import text

        async with self.manager.engine.connect() as conn:
            query = "select count(*) from sqlite_master where type = 'table'"
            tables = (await conn.execute(text(query))).scalar_one()
        return tables == 0

    @work(exclusive=True, group="revision-check", exit_on_error=False)
    async def check_revision(self) -> None:
        """Once the first screen is up: warn when the database is not at the scripts' head."""
        await asyncio.sleep(0.3)
        from tui.migrations import MigrationRunner

        status = await MigrationRunner(self.manager, self.migrations_path).startup_status()
        if status:
            self.connection_state = status
            self.notify(f"{status} — press 4 for Migrations", severity="warning", timeout=8)

    def _report_problem(self, message: str) -> None:
        self.connection_state = message
        self.connection_problem = True
        self.notify(message, title="Database unavailable", severity="error", timeout=10)

    def _database_changed(self) -> None:
        self.db_generation += 1
        from tui.screens.base import DbScreen

        if isinstance(self.screen, DbScreen):
            self.screen.refresh_if_stale()

    async def switch_database(self, settings: Settings) -> None:
        """Switch the live connection (keeps the old one when the new one fails)."""
        await self.manager.switch(settings)
        self.settings = settings
        self.manager.sql_log.hide_parameters = settings.ENVIRONMENT is Environment.PRODUCTION
        self.connection_problem = False
        self._show_identity()
        if await self._is_fresh_database():
            # Same rule as at start-up: a new development database gets the schema.
            from tui.migrations import MigrationRunner

            await MigrationRunner(self.manager, self.migrations_path).upgrade("heads")
            self.notify(f"New database migrated to head: {settings.masked_url}")
        self._database_changed()
        self.check_revision()

    def database_changed(self) -> None:
        """Tell every screen that the data changed underneath (e.g. after a migration)."""
        self._database_changed()

    # -- errors ----------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications quote data and errors: shown literally unless `markup` is asked for."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place that turns a failed worker into a notification (the app keeps running)."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if error is None:
            return
        message = short_error(error, self.manager.settings.secrets)
        self.log.error(f"worker {event.worker.name!r} failed: {message}")
        self.notify(message, title="Error", severity="error", timeout=8)
        self._maybe_connection_lost(error)

    def on_record_table_load_failed(self, event: Message) -> None:
        """A table could not load (the screen already told the user): is the database gone?"""
        error = getattr(event, "error", None)
        if isinstance(error, BaseException):
            self._maybe_connection_lost(error)

    # -- connection health -----------------------------------------------------------------
    def _maybe_connection_lost(self, error: BaseException) -> None:
        from tui.db.health import may_be_connection_error

        if may_be_connection_error(error):
            self.check_connection()

    @work(exclusive=True, group="health", exit_on_error=False)
    async def check_connection(self) -> None:
        """Ping the live database; the header says whether it can be reached."""
        try:
            await self.manager.ping()
        except ConnectionProblem as problem:
            self._report_problem(f"connection lost: {problem}")
            return
        self._connection_ok()

    def _statement_ran(self) -> None:
        """SqlLog listener, called on any thread: a statement worked, the connection is back."""
        if self.connection_problem and not self._file_missing and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the app's loop has already closed
                self._loop.call_soon_threadsafe(self._connection_ok)

    def _connection_ok(self) -> None:
        if self.connection_problem and not self._file_missing:
            self.connection_problem = False
            self._show_identity()
            self.notify(f"Connected again: {self.manager.settings.masked_url}")

    async def _watch_sqlite_file(self) -> None:
        """An open SQLite connection keeps working on a deleted file: watch the path."""
        from tui.db.health import missing_sqlite_file

        problem = missing_sqlite_file(self.manager.settings)
        if problem and not self._file_missing:
            self._file_missing = True
            self._report_problem(problem)
        elif not problem and self._file_missing:
            # Connections still hold the deleted file: reopen them on the one now there.
            await self.manager.engine.dispose()
            self._file_missing = False
            self._connection_ok()

    # -- actions ---------------------------------------------------------------------------
    def action_help(self) -> None:
        from tui.screens.modals import HelpScreen

        self.push_screen(HelpScreen())

    def action_toggle_sql_log(self) -> None:
        if self.screen.query("SqlLogPanel"):
            self.sql_log_visible = not self.sql_log_visible  # every screen's panel follows
        else:
            self.notify("The SQL log is shown on the main screens")

    def action_seed(self) -> None:
        """Fill the current database with demo data (asks first)."""
        from tui.screens.modals import ConfirmScreen

        if self.manager.read_only:
            self.notify(
                "Production is read-only: unlock writes in Settings (5)", severity="warning"
            )
            return
        target = self.manager.settings.masked_url
        body = f"Add 50 users, 500 posts and 30 tags of fake data to {target}?"
        self.push_screen(ConfirmScreen("Seed demo data", body, confirm_label="Seed"), self._seed)

    def _seed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._run_seed()

    @work(exclusive=True, group="seed", exit_on_error=False)
    async def _run_seed(self) -> None:
        from tui.seed import seed

        self.notify("Seeding demo data…")
        result = await seed(self.manager, users=50, posts=500, tags=30)
        self.notify(f"Added {result.users} users, {result.posts} posts, {result.tags} tags")
        self._database_changed()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for mode, title, key in SCREENS:
            yield SystemCommand(title, f"Go to the {title} screen (key {key})", self._go(mode))
        palette_commands = getattr(screen, "palette_commands", None)
        if palette_commands is not None:
            for title, help_text, callback in palette_commands():
                yield SystemCommand(title, help_text, callback)
        yield from super().get_system_commands(screen)

    def _go(self, mode: str) -> Callable[[], None]:
        return lambda: self.switch_mode(mode)


def make_app(
    settings: Settings,
    *,
    env_file: Path | None = None,
    overrides: dict[str, str] | None = None,
    initial_mode: str = "users",
    migrations_path: Path | None = None,
) -> DbTuiApp:
    """Build the app; nothing touches the database until it runs."""
    return DbTuiApp(
        settings,
        env_file=env_file,
        overrides=overrides,
        initial_mode=initial_mode,
        migrations_path=migrations_path,
    )
