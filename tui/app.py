"""`DbTuiApp`: wires screens, command palette, global bindings and the header's state.

The jobs live elsewhere, one per module: `tui.startup` (the first frame and the settings it
loads), `tui.services.database` (prepare, switch, revision), `tui.services.connection_watch`
(the connection's state), the screens in `tui.screens`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui import startup
from tui.message_history import RemembersMessages
from tui.services.connection_watch import ConnectionWatch
from tui.services.database import DatabaseService
from tui.user_config import UserConfig
from tui.widgets.environment_bar import EnvironmentBar

if TYPE_CHECKING:
    from tui.config import Settings
    from tui.db.session import SessionManager
    from tui.entities.registry import Registry

SCREENS: tuple[tuple[str, str, str], ...] = (
    # (mode name, palette title, key)
    ("users", "Users", "1"),
    ("posts", "Posts", "2"),
    ("tags", "Tags", "3"),
    ("migrations", "Migrations", "4"),
    ("settings", "Settings", "5"),
    ("sql", "SQL", "6"),
)

#: Actions that need the settings (and the database) loaded.
NEEDS_SETTINGS = frozenset({"switch_mode", "toggle_sql_log", "seed"})


#: The screens of an app on an application's own tables (``--models``/``--reflect``).
BROWSE_SCREENS: tuple[tuple[str, str, str], ...] = (
    ("tables", "Tables", "1"),
    ("migrations", "Migrations", "4"),
    ("settings", "Settings", "5"),
    ("sql", "SQL", "6"),
)


#: Modes of the demo shown by the generic `TableScreen` (mode name -> table name).
DEMO_TABLES = {"users": "users", "posts": "posts", "tags": "tags"}


def prepare_screen(mode: str) -> None:
    """Import what the screen of `mode` needs (and describe the demo's tables); run in the
    start-up thread, so that the first screen opens without waiting for it."""
    from importlib import import_module

    if mode in DEMO_TABLES:
        from tui.demo.registry import demo_registry

        import_module("tui.screens.table")
        demo_registry()
    else:
        import_module(f"tui.screens.{mode}")


def _screen_factory(mode: str) -> Callable[[], Screen[Any]]:
    """Import a screen module only when its screen is first shown (keeps start-up light)."""

    def make() -> Screen[Any]:
        from importlib import import_module

        if mode in DEMO_TABLES:
            from tui.demo.registry import demo_table_screen

            return cast("Screen[Any]", demo_table_screen(DEMO_TABLES[mode]))
        return import_module(f"tui.screens.{mode}").SCREEN()

    return make


def _bindings(
    screens: tuple[tuple[str, str, str], ...], group: Binding.Group | None = None
) -> list[BindingType]:
    """A key per screen (in the footer as one `group` when given), then help, SQL log, quit."""
    return [
        *(
            Binding(
                key,
                f"switch_mode('{mode}')",
                title,
                id=f"screen.{mode}",
                tooltip=f"{title}",
                group=group,
            )
            for mode, title, key in screens
        ),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key"),
        Binding(
            "f1",
            "help",
            "Help",
            show=False,
            priority=True,  # also in dialogs and in text, where ? is typed
            id="app.help_anywhere",
            tooltip="Show every key, also while typing text or in a dialog",
        ),
        Binding("ctrl+l", "toggle_sql_log", "SQL log", id="app.sql_log", tooltip="Statements run"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave dbtui", priority=True),
    ]


class DbTuiApp(RemembersMessages[None]):
    """The dbtui application (on the built-in demo's tables); `messages` are the last
    notifications it showed (the palette's "Messages" lists them)."""

    TITLE = "dbtui"
    CSS_PATH = ["styles/app.tcss", "styles/settings.tcss", "styles/migrations.tcss"]
    #: (mode name, palette title, key) of the main screens.
    SCREEN_LIST = SCREENS
    MODES = {mode: _screen_factory(mode) for mode, _title, _key in SCREENS}
    #: The screen keys take one short place in the footer ("123456 Screens"), so that they
    #: and `?` stay in sight beside a screen's own keys (the palette and `?` name them).
    BINDINGS = _bindings(SCREENS, Binding.Group("Screens", compact=True))
    #: A new, empty development database is migrated to head at start and on a switch.
    migrate_new_databases = True

    # the header (EnvironmentBar) shows these
    environment: reactive[str] = reactive("development")  # the name, shown as it is
    environment_kind: reactive[str] = reactive("development")  # its colour: how it is treated
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
        connection: dict[str, str] | None = None,
        initial_mode: str = "users",
        alembic_config: Path | None = None,
        user_config: UserConfig | None = None,
        theme: str | None = None,
    ) -> None:
        # The start-up frame is the first mode's base screen (`_start` opens the first screen
        # over it); that mode joins MODES once it has its screen.
        self.DEFAULT_MODE = initial_mode  # type: ignore[misc]
        self.MODES = {m: f for m, f in type(self).MODES.items() if m != initial_mode}  # type: ignore[misc]
        super().__init__()
        #: The user's config file (keys, theme); the default saves nothing anywhere.
        self.user_config = user_config or UserConfig()
        #: `--theme`: this run's theme (not saved); else the remembered one.
        self.requested_theme = theme or self.user_config.theme
        if self.user_config.keys:
            self.set_keymap(self.user_config.keys)
        #: The application's alembic.ini (None: ./alembic.ini when there is one, else the demo's).
        self.alembic_config = alembic_config
        self.env_file = env_file
        self.overrides = dict(overrides or {})
        #: The settings of the named connection chosen with `--connection` (below `overrides`).
        self.connection = dict(connection or {})
        self.initial_mode = initial_mode
        self.database = DatabaseService(self)
        self.connection_watch = ConnectionWatch(self)
        #: Set once the database was prepared (or found unreachable): screens load then.
        self.database_ready = asyncio.Event()
        #: Moves on whenever the data changed underneath (switch, migration, seed).
        self.db_generation = 0
        #: False until `settings` and `manager` exist (built at once when settings are given).
        self.settings_loaded = False
        self._quit_asked: Screen[bool] | None = None  # the open "quit anyway?" question
        #: One line when start-up failed (invalid settings, not a SQLite file): the app exits
        #: with return code 1 and the CLI prints this line.
        self.startup_error: str | None = None
        self.settings: Settings
        self.manager: SessionManager
        if settings is None:
            identity = startup.peek_identity(env_file, self.overrides, self.connection)
            self.environment, self.environment_kind, self.masked_url = identity
            self.connection_state = "loading settings…"
        else:
            self._use_settings(settings)

    def _use_settings(self, settings: Settings) -> None:
        from tui.db.session import SessionManager

        self.settings = settings
        self.manager = SessionManager(settings)
        self.manager.sql_log.hide_parameters = settings.is_production
        self.settings_loaded = True
        self.show_identity()

    # -- lifecycle -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if not self.settings_loaded:  # the first frame, while the settings load
            yield EnvironmentBar()
            yield Static(Text("Loading settings…", style="dim"), id="startup-status")

    def on_mount(self) -> None:
        self._apply_user_config()
        if self.settings_loaded:
            self._start()
        else:
            self._load_settings()

    @work(thread=True, exclusive=True, group="startup-settings", exit_on_error=False)
    def _load_settings(self) -> None:
        """Validate the settings off the UI thread; then open the first screen, or end the
        app with the problem."""
        settings, problem = startup.load_startup_settings(
            self.env_file,
            self.overrides,
            self.connection,
            partial(prepare_screen, self.initial_mode),
        )
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

    # -- the user's configuration (keys, theme) ---------------------------------------------
    def _apply_user_config(self) -> None:
        for problem in self.user_config.problems:
            self.notify(problem, title="Configuration", severity="warning", timeout=10)
        wanted = self.requested_theme
        if wanted is not None:
            if wanted in self.available_themes:
                self.theme = wanted
            else:
                self.notify(f"unknown theme {wanted!r}", title="Configuration", severity="warning")
        # Subscribed after the start-up theme's own announcement (call_next runs in order), so
        # only a theme chosen in the app is remembered.
        self.call_next(self.theme_changed_signal.subscribe, self, self._theme_chosen)

    def _theme_chosen(self, theme: Any) -> None:
        """Remember a theme picked in the app (palette "Change theme") in the config file."""
        path = self.user_config.path
        if path is None or theme.name == self.user_config.theme:
            return
        self.user_config = UserConfig(
            path=path, theme=theme.name, keys=self.user_config.keys, problems=()
        )
        self._save_theme(path, theme.name)

    @work(thread=True, exclusive=True, group="user-config", exit_on_error=False)
    def _save_theme(self, path: Path, name: str) -> None:
        from tui.user_config import save_theme

        try:
            save_theme(path, name)
        except OSError as exc:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.call_from_thread(
                    self.notify, f"theme not saved: {exc}", severity="warning", timeout=8
                )

    def _start(self) -> None:
        self.set_timer(startup.GC_RESUME_SECONDS, startup.resume_gc)
        self.connection_watch.start()
        # Pushed over the start-up frame of its own mode (`DEFAULT_MODE`): Textual's
        # `switch_mode` to a mode not yet shown would re-parse every stylesheet twice
        # (`refresh_css`), which the first rows waited for (bench/README.md).
        make = _screen_factory(self.initial_mode)
        self.add_mode(self.initial_mode, make)
        self.push_screen(make())
        self.database.start()

    def _startup_failed(self, line: str) -> None:
        self.startup_error = " ".join(line.split())
        self.exit(return_code=1)

    async def on_unmount(self) -> None:
        if self.settings_loaded:
            self.connection_watch.stop()
            await self.manager.dispose()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help":  # f1 in the help closes it (its own key), never opens another
            from tui.screens.modals import HelpScreen

            return not isinstance(self.screen, HelpScreen)
        return self.settings_loaded or action not in NEEDS_SETTINGS

    # -- the header ------------------------------------------------------------------------
    def show_identity(self) -> None:
        """The header shows the current database's environment, URL and write state."""
        settings = self.manager.settings
        self.environment = settings.ENVIRONMENT
        self.environment_kind = settings.environment_kind.value
        self.masked_url = settings.masked_url
        production = settings.is_production
        self.connection_state = (
            "read-only" if self.manager.read_only else "UNLOCKED" if production else ""
        )

    def report_problem(self, message: str) -> None:
        """The database cannot be used: say so in the header and a notification."""
        self.connection_state = message
        self.connection_problem = True
        self.notify(message, title="Database unavailable", severity="error", timeout=10)

    # -- the database, for screens ---------------------------------------------------------
    async def switch_database(self, settings: Settings) -> None:
        """Switch the live connection (keeps the old one when the new one fails)."""
        await self.database.switch_database(settings)

    def database_changed(self) -> None:
        """Tell every screen that the data changed underneath (e.g. after a migration)."""
        self.database.changed()
        self.database.check_revision(announce=False)

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
        from tui.cells import escape_control

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
        self.connection_watch.error_seen(error)

    def on_record_table_load_failed(self, event: Message) -> None:
        """A table could not load (the screen already told the user): is the database gone?"""
        error = getattr(event, "error", None)
        if isinstance(error, BaseException):
            self.connection_watch.error_seen(error)

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

    def action_messages(self) -> None:
        """The recent notifications, newest first, in a dialog."""
        from tui.screens.messages import MessagesScreen

        self.push_screen(MessagesScreen(self.messages))

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
        self.database.changed()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        messages = SystemCommand(
            "Messages", "The notifications shown lately, newest first", self.action_messages
        )
        if not self.settings_loaded:
            yield messages
            yield from super().get_system_commands(screen)
            return
        for mode, title, key in self.SCREEN_LIST:
            yield SystemCommand(title, f"Go to the {title} screen (key {key})", self._go(mode))
        yield from self.extra_commands()
        yield messages
        palette_commands = getattr(screen, "palette_commands", None)
        if palette_commands is not None:
            for title, help_text, callback in palette_commands():
                yield SystemCommand(title, help_text, callback)
        yield from super().get_system_commands(screen)

    def extra_commands(self) -> Iterable[SystemCommand]:
        """More palette commands of this kind of app (the demo's: seed it)."""
        yield SystemCommand("Seed demo data", "Fill the database with fake data", self.action_seed)

    def _go(self, mode: str) -> Callable[[], None]:
        def go() -> None:
            if self.check_action("switch_mode", (mode,)):
                self.switch_mode(mode)

        return go


class BrowseApp(DbTuiApp, inherit_bindings=False):
    """dbtui on an application's own tables: `registry` says which (its models, or the
    database reflected); `1` lists them, every table is in the command palette."""

    SCREEN_LIST = BROWSE_SCREENS
    MODES = {mode: _screen_factory(mode) for mode, _title, _key in BROWSE_SCREENS}
    BINDINGS = _bindings(BROWSE_SCREENS, Binding.Group("Screens", compact=True))

    def __init__(self, registry: Registry, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial_mode", "tables")
        super().__init__(*args, **kwargs)
        self.registry = registry
        #: Only the application's own Alembic project may create tables in a new database.
        self.migrate_new_databases = self.alembic_config is not None

    def extra_commands(self) -> Iterable[SystemCommand]:
        for name in self.registry.names():
            yield SystemCommand(f"Table {name}", f"Open the rows of {name}", self._open(name))

    def _open(self, name: str) -> Callable[[], None]:
        def open_table() -> None:
            from tui.screens.tables import TablesScreen

            self.switch_mode("tables")
            screen = self.screen
            if isinstance(screen, TablesScreen):
                screen.open_table(name)

        return open_table


def make_app(
    settings: Settings | None = None,
    *,
    env_file: Path | None = None,
    overrides: dict[str, str] | None = None,
    connection: dict[str, str] | None = None,
    initial_mode: str | None = None,
    alembic_config: Path | None = None,
    registry: Registry | None = None,
    user_config: UserConfig | None = None,
    theme: str | None = None,
) -> DbTuiApp:
    """Build the app; nothing touches the database until it runs. Without `settings` the app
    loads them (from `env_file`, the environment, the named `connection`'s values and
    `overrides`) after its first frame.
    `alembic_config` drives the Migrations screen (None: `./alembic.ini` or the demo's).
    With `registry` the app shows those tables (an application's models, or the database
    reflected) instead of the demo's screens. `user_config` gives the keymap and remembered
    theme (None: defaults, nothing saved); `theme` picks a theme for this run."""
    if registry is not None:
        if alembic_config is None and Path("alembic.ini").is_file():
            alembic_config = Path("alembic.ini")
        return BrowseApp(
            registry,
            settings,
            env_file=env_file,
            overrides=overrides,
            connection=connection,
            initial_mode=initial_mode or "tables",
            alembic_config=alembic_config,
            user_config=user_config,
            theme=theme,
        )
    return DbTuiApp(
        settings,
        env_file=env_file,
        overrides=overrides,
        connection=connection,
        initial_mode=initial_mode or "users",
        alembic_config=alembic_config,
        user_config=user_config,
        theme=theme,
    )
