"""`DbTuiApp`: wires screens, command palette, global bindings and the database lifecycle.

Without settings (the CLI's app path) the first frame shows the environment peeked from the raw
values (`tui.settings_sources`); a thread worker then validates the settings and imports the
first screen, which opens once they are valid (invalid settings end the app with one line).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui.settings_sources import layered_values
from tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from tui.config import Settings
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


#: Actions that need the settings (and the database) loaded.
NEEDS_SETTINGS = frozenset({"switch_mode", "toggle_sql_log", "seed"})


def _is_production(settings: Settings) -> bool:
    return settings.ENVIRONMENT == "production"


def _screen_factory(mode: str) -> Callable[[], Screen[Any]]:
    """Import a screen module only when its screen is first shown (keeps start-up light)."""

    def make() -> Screen[Any]:
        from importlib import import_module

        return import_module(f"tui.screens.{mode}").SCREEN()

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
    revision_state: reactive[str] = reactive("")
    connection_problem: reactive[bool] = reactive(False)
    sql_log_visible: reactive[bool] = reactive(False)

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        env_file: Path | None = None,
        overrides: dict[str, str] | None = None,
        initial_mode: str = "users",
        migrations_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.migrations_path = migrations_path  # Alembic script folder (None: the repo's)
        self.env_file = env_file
        self.overrides = dict(overrides or {})
        self.initial_mode = initial_mode
        self.database_ready = asyncio.Event()
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._file_missing = False
        self.db_generation = 0
        #: False until `settings` and `manager` exist (built at once when settings are given).
        self.settings_loaded = False
        self._quit_asked: Screen[bool] | None = None  # the open "quit anyway?" question
        #: One line when start-up failed (invalid settings, not a SQLite file): the app exits
        #: with return code 1 and the CLI prints this line.
        self.startup_error: str | None = None
        #: The raw setting values the first frame was built from (app path, no settings).
        self._raw_values: dict[str, Any] = {}
        self.settings: Settings
        self.manager: SessionManager
        if settings is None:
            self._peek_identity()
        else:
            self._use_settings(settings)

    def _use_settings(self, settings: Settings) -> None:
        from tui.db.session import SessionManager

        self.settings = settings
        self.manager = SessionManager(settings)
        self.manager.sql_log.hide_parameters = _is_production(settings)
        self.settings_loaded = True
        self._show_identity()

    def _peek_identity(self) -> None:
        """The header of the first frame, from the raw values (no pydantic, no SQLAlchemy)."""
        from tui.settings_sources import peek_environment, peek_sqlite_path, sqlite_url

        values = self._raw_values = layered_values(self.env_file, self.overrides)
        self.environment = peek_environment(values)
        path = peek_sqlite_path(values)
        self.masked_url = sqlite_url(path) if path is not None else ""
        self.connection_state = "loading settings…"

    # -- lifecycle -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if not self.settings_loaded:  # the first frame, while the settings load
            yield EnvironmentBar()
            yield Static(Text("Loading settings…", style="dim"), id="startup-status")

    def on_mount(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        if self.settings_loaded:
            self._start()
        else:
            # Loading shares the processor with painting the first frame; started at once it
            # uses the idle moments of Textual's start (about 20 ms sooner rows).
            self._load_settings()

    def _start(self) -> None:
        self.manager.sql_log.listeners.append(self._statement_ran)
        self.set_interval(HEALTH_SECONDS, self._watch_sqlite_file)
        self.switch_mode(self.initial_mode)
        self.prepare_database()

    @work(thread=True, exclusive=True, group="startup-settings", exit_on_error=False)
    def _load_settings(self) -> None:
        """Validate the settings (imports pydantic) and import the first screen, off the UI
        thread; then open it, or end the app with the problem."""
        settings, problem = load_startup_settings(self.env_file, self.overrides, self.initial_mode)
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            if problem is not None or settings is None:
                self.call_from_thread(self._startup_failed, problem or "invalid settings")
            else:
                self.call_from_thread(self._settings_ready, settings)

    def _settings_ready(self, settings: Settings) -> None:
        if self.return_code is not None:  # exiting already
            return
        try:
            self._use_settings(settings)
        except Exception as exc:  # e.g. a URL whose driver is not async: no engine
            from tui.db.errors import short_error

            self._startup_failed(f"{type(exc).__name__}: {short_error(exc, settings.secrets)}")
            return
        self._start()

    def _startup_failed(self, line: str) -> None:
        self.startup_error = " ".join(line.split())
        self.exit(return_code=1)

    async def on_unmount(self) -> None:
        if not self.settings_loaded:
            return
        with contextlib.suppress(ValueError):
            self.manager.sql_log.listeners.remove(self._statement_ran)
        await self.manager.dispose()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.settings_loaded or action not in NEEDS_SETTINGS

    def _show_identity(self) -> None:
        settings = self.manager.settings
        self.environment = settings.ENVIRONMENT.value
        self.masked_url = settings.masked_url
        production = _is_production(settings)
        self.connection_state = (
            "read-only" if self.manager.read_only else "UNLOCKED" if production else ""
        )

    @work(exclusive=True, group="startup", exit_on_error=False)
    async def prepare_database(self) -> None:
        """Connect; on a fresh development database migrate to head; then let screens load."""
        from tui.db.errors import ConnectionProblem

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
        if not settings.is_sqlite or _is_production(settings):
            return False
        from sqlalchemy import text

        async with self.manager.engine.connect() as conn:
            query = "select count(*) from sqlite_master where type = 'table'"
            tables = (await conn.execute(text(query))).scalar_one()
        return tables == 0

    @work(exclusive=True, group="revision-check", exit_on_error=False)
    async def check_revision(self, announce: bool = True) -> None:
        """Show in the header whether the database is at the scripts' head (after the first
        screen is up, so Alembic loads late); with `announce`, also say so in a notification."""
        await asyncio.sleep(0.3 if announce else 0)
        from tui.migrations import MigrationRunner

        status = await MigrationRunner(self.manager, self.migrations_path).startup_status()
        self.revision_state = status or ""
        if status and announce:
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
        self.manager.sql_log.hide_parameters = _is_production(settings)
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
        self.check_revision(announce=False)

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
        """Notifications quote data and errors (names, titles, paths): always shown literally
        (`markup` is ignored: widgets pass Textual's default, True), with control characters
        as visible escapes so a stored escape sequence cannot reach the terminal. As markup, a
        title like ``[/]`` raised MarkupError when the toast rendered, which closed the app."""
        from tui.widgets.cells import escape_control

        super().notify(
            escape_control(message),
            title=escape_control(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place that turns a failed worker into a notification (the app keeps running)."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if error is None:
            return
        from tui.db.errors import short_error

        if not self.settings_loaded:  # loading the settings failed unexpectedly
            self._startup_failed(short_error(error))
            return
        message = short_error(error, database=self.manager.settings)
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
        from tui.db.errors import ConnectionProblem

        if self._file_missing:  # the SQLite file watch already says what is wrong
            return
        try:
            await self.manager.ping()
        except ConnectionProblem as problem:
            self._report_problem(f"connection lost: {problem}")
            return
        self._connection_ok()

    def _statement_ran(self) -> None:
        """SqlLog listener, called on any thread: a statement worked, the connection is back."""
        loop = self._event_loop
        if self.connection_problem and not self._file_missing and loop is not None:
            with contextlib.suppress(RuntimeError):  # the app's loop has already closed
                loop.call_soon_threadsafe(self._connection_ok)

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
            await self.manager.reconnect()
            self._file_missing = False
            self._connection_ok()

    # -- actions ---------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit at once, or first ask when a form has unsaved changes or a write is in progress
        (`ctrl+q` and the palette's Quit both come here); the safe answer is focused."""
        from tui.screens.modals import ConfirmScreen
        from tui.unsaved_work import quit_question

        if self._quit_asked is not None and self.screen is self._quit_asked:
            return  # already asking
        question = quit_question(self)
        if question is None:
            self.exit()
            return
        title, body = question
        self._quit_asked = ConfirmScreen(
            title, body, confirm_label="Quit", cancel_label="Stay", danger=True
        )
        self.push_screen(self._quit_asked, self._quit_answered)

    def _quit_answered(self, quit_now: bool | None) -> None:
        self._quit_asked = None
        if quit_now:
            self.exit()

    def action_help(self) -> None:
        from tui.screens.modals import HelpScreen

        self.push_screen(HelpScreen())

    def action_toggle_sql_log(self) -> None:
        from tui.screens.base import DbScreen

        if isinstance(self.screen, DbScreen):  # main screens have (or soon mount) the panel
            self.sql_log_visible = not self.sql_log_visible  # every screen's panel follows
        else:
            self.notify("The SQL log is shown on the main screens")

    def action_seed(self) -> None:
        """Fill the current database with demo data (asks first)."""
        if self.manager.read_only:
            self.notify(
                "Production is read-only: unlock writes in Settings (5)", severity="warning"
            )
            return
        self._seed()

    @work(exclusive=True, group="seed", exit_on_error=False)
    async def _seed(self) -> None:
        from tui.screens.write_confirm import confirm_write

        target = self.manager.settings.masked_url
        body = f"Add 50 users, 500 posts and 30 tags of fake data to {target}?"
        if not await confirm_write(self, "Seed demo data", body, label="Seed"):
            return
        from tui.seed import seed

        self.notify("Seeding demo data…")
        result = await seed(self.manager, users=50, posts=500, tags=30)
        self.notify(f"Added {result.users} users, {result.posts} posts, {result.tags} tags")
        self._database_changed()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if not self.settings_loaded:
            yield from super().get_system_commands(screen)
            return
        for mode, title, key in SCREENS:
            yield SystemCommand(title, f"Go to the {title} screen (key {key})", self._go(mode))
        palette_commands = getattr(screen, "palette_commands", None)
        if palette_commands is not None:
            for title, help_text, callback in palette_commands():
                yield SystemCommand(title, help_text, callback)
        yield from super().get_system_commands(screen)

    def _go(self, mode: str) -> Callable[[], None]:
        def go() -> None:
            if self.check_action("switch_mode", (mode,)):
                self.switch_mode(mode)

        return go


def _warm_first_screen(settings: Settings, initial_mode: str) -> None:
    """Import what the first screen needs while the first frame is up."""
    from importlib import import_module

    import_module("tui.db.session")
    settings.url().get_dialect()
    if settings.is_sqlite:
        import_module("aiosqlite")
    if initial_mode in {mode for mode, _title, _key in SCREENS}:
        import_module(f"tui.screens.{initial_mode}")


def load_startup_settings(
    env_file: Path | None, overrides: dict[str, str], initial_mode: str = "users"
) -> tuple[Settings | None, str | None]:
    """Load and check the settings as the app path needs them, and import the first screen's
    module. Returns (settings, None), or (None, one line) for invalid settings or a SQLite
    target that is not a SQLite file. Runs in a worker thread (imports pydantic, SQLAlchemy)."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError

    from tui.config import load_settings
    from tui.settings_sources import describe_validation_error, sqlite_file_problem

    try:
        settings = load_settings(env_file, overrides)
        url = settings.url()
    except ValidationError as exc:
        return None, describe_validation_error(exc)
    except ArgumentError:
        return None, "invalid DATABASE_URL: cannot parse it as a database URL"
    if settings.is_sqlite and not settings.is_memory:
        problem = sqlite_file_problem(url.database or "", settings.masked_url)
        if problem:
            return None, problem
    _warm_first_screen(settings, initial_mode)
    return settings, None


def make_app(
    settings: Settings | None = None,
    *,
    env_file: Path | None = None,
    overrides: dict[str, str] | None = None,
    initial_mode: str = "users",
    migrations_path: Path | None = None,
) -> DbTuiApp:
    """Build the app; nothing touches the database until it runs. Without `settings` the app
    loads them (from `env_file`, the environment and `overrides`) after its first frame."""
    return DbTuiApp(
        settings,
        env_file=env_file,
        overrides=overrides,
        initial_mode=initial_mode,
        migrations_path=migrations_path,
    )
