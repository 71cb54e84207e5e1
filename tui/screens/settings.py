"""The Settings screen: see and edit every setting, test a connection, apply, save, unlock,
switch to a named connection of the user's config.toml.

Nothing here touches the live connection except Apply and a named connection chosen (through
`app.switch_database`) and the production Unlock / Lock (through the SessionManager's
read-only guard).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Select, Static
from textual.worker import WorkerState

from tui.config import (
    DEFAULT_ENV_FILE,
    Settings,
    save_env_file,
    setting_origins,
    settings_as_env,
)
from tui.db.errors import ConnectionProblem, short_error
from tui.db.health import probe_connection
from tui.env_save import EnvSavePlan, changed_settings, plan_env_save
from tui.screens.base import DbScreen
from tui.screens.write_confirm import EVERY_WRITE_ASKS
from tui.widgets.settings_form import SettingsForm, build_candidate


def _no_write_bits(path: Path) -> bool:
    return not path.stat().st_mode & 0o222


class SettingsScreen(DbScreen):
    """Every setting, where it came from, and the actions that use them."""

    SCREEN_NAME = "Settings"

    BINDINGS = [
        Binding(
            "ctrl+t",
            "test_connection",
            "Test connection",
            id="settings.test",
            tooltip="Connect with the form's settings (the live connection is not touched)",
            priority=True,
        ),
        Binding(
            "ctrl+a",
            "apply",
            "Apply",
            id="settings.apply",
            tooltip="Switch the live connection to the form's settings",
            priority=True,
        ),
        Binding(
            "ctrl+s",
            "save",
            "Save to .env",
            id="settings.save",
            tooltip="Write the edited settings to .env (lists them first; mode 0600)",
            priority=True,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: Settings edited here and applied (ctrl+a) but not saved yet: Save writes them too.
        self._applied: set[str] = set()

    def compose_body(self) -> Iterable:
        yield Horizontal(
            Static("", id="guard-state"),
            Button("Unlock writes", id="settings-unlock", variant="error", compact=True),
            Button("Lock writes", id="settings-lock", compact=True),
            id="guard-row",
        )
        connections = self.dbapp.user_config.connections
        if connections:
            choices = [(Text(c.describe()), name) for name, c in connections.items()]
            yield Horizontal(
                Static("Named connection", id="connection-label"),
                Select(choices, prompt="switch to…", id="settings-connection", compact=True),
                id="connection-row",
            )
        yield SettingsForm()
        yield Horizontal(
            Button("Test connection", id="settings-test", compact=True, tooltip="ctrl+t"),
            Button("Apply", id="settings-apply", variant="primary", compact=True, tooltip="ctrl+a"),
            Button("Save to .env", id="settings-save", compact=True, tooltip="ctrl+s"),
            id="settings-actions",
        )
        yield Static("", id="settings-status")

    # -- state -----------------------------------------------------------------------------
    @property
    def form(self) -> SettingsForm:
        return self.query_one(SettingsForm)

    @property
    def env_path(self) -> Path:
        return Path(self.dbapp.env_file or DEFAULT_ENV_FILE)

    def on_mount(self) -> None:
        self.reload_form()

    def on_database_changed(self) -> None:
        # Keep unsaved edits; only what depends on the live connection changes.
        self._show_guard()
        self._validate()

    def reload_form(self) -> None:
        """Show the live settings and where each came from (edits are dropped)."""
        app = self.dbapp
        self.form.load(app.settings, self._origins())
        self._show_guard()
        self._validate()

    def _origins(self) -> dict:
        try:
            return setting_origins(
                self.dbapp.env_file, self.dbapp.overrides, connection=self.dbapp.connection
            )
        except Exception:  # an unreadable .env: every origin is unknown, not a crash
            return {}

    def _validate(self) -> Settings | None:
        """Build the candidate settings from the form; show per-field errors."""
        candidate, errors = build_candidate(self.dbapp.settings, self.form.edits())
        self.form.show_errors(errors)
        self.form.show_origins(self._origins(), self.dbapp.settings)
        if candidate is None:
            self.form.show_target("fix the fields marked above")
        else:
            self.form.show_target(f"target: {candidate.masked_url}")
        return candidate

    def _show_guard(self) -> None:
        manager = self.dbapp.manager
        production = manager.settings.is_production
        if manager.read_only:
            state = "writes: read-only"
        elif production:
            state = f"writes: UNLOCKED for this run, each asks for {manager.settings.ENVIRONMENT}"
        else:
            state = "writes: allowed"
        self.query_one("#guard-state", Static).update(Text(state))
        self.query_one("#settings-unlock", Button).display = manager.read_only
        self.query_one("#settings-lock", Button).display = production and not manager.read_only

    def _status(self, message: str, *, error: bool = False, done: bool = True) -> None:
        """The line under the buttons: red for a failure, green for a success, else plain."""
        status = self.query_one("#settings-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        status.set_class(done and not error, "-ok")

    @on(SettingsForm.Changed)
    def _form_changed(self) -> None:
        self._validate()

    @on(Button.Pressed, "#settings-test")
    def _test_pressed(self) -> None:
        self.action_test_connection()

    @on(Button.Pressed, "#settings-apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-unlock")
    def _unlock_pressed(self) -> None:
        self.action_unlock()

    @on(Button.Pressed, "#settings-lock")
    def _lock_pressed(self) -> None:
        self.action_lock()

    # -- test connection -------------------------------------------------------------------
    def action_test_connection(self) -> None:
        candidate = self._validate()
        if candidate is None:
            self._status("Fix the marked fields first.", error=True)
            return
        self._status(f"Testing {candidate.masked_url} …", done=False)
        self.run_test_connection(candidate)

    @work(exclusive=True, group="settings-test", exit_on_error=False)
    async def run_test_connection(self, candidate: Settings) -> None:
        try:
            info = await probe_connection(candidate)
        except ConnectionProblem as problem:
            self._status(f"Connection failed: {problem}", error=True)
            return
        except Exception as exc:  # anything unexpected: a safe one-line reason
            self._status(f"Connection failed: {self._safe(exc, candidate)}", error=True)
            return
        self._status(
            f"Connected: {info.version}, round trip {info.round_trip_ms:.1f} ms ({info.masked_url})"
        )

    def _safe(self, exc: BaseException, candidate: Settings) -> str:
        return short_error(exc, [*candidate.secrets, *self.dbapp.settings.secrets])

    # -- apply -----------------------------------------------------------------------------
    def action_apply(self) -> None:
        if self._switching():
            self.notify("A switch is already running; wait for it to finish")
            return
        candidate = self._validate()
        if candidate is None:
            self._status("Fix the marked fields first.", error=True)
            return
        self._status(f"Switching to {candidate.masked_url} …", done=False)
        self.run_apply(candidate)

    def _switching(self) -> bool:
        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        return any(w.group == "settings-apply" and w.state in busy for w in self.workers)

    # -- named connections -----------------------------------------------------------------
    @on(Select.Changed, "#settings-connection")
    def _connection_chosen(self, event: Select.Changed) -> None:
        """Switch live to the named connection chosen (above `.env` and the environment,
        below the command line's flags, as `--connection` at start)."""
        if not isinstance(event.value, str):
            return
        from pydantic import ValidationError

        from tui.config import describe_validation_error, load_settings
        from tui.user_config import ConnectionConfigError

        if self._switching():
            self.notify("A switch is already running; wait for it to finish")
            return
        try:
            values = self.dbapp.user_config.connection(event.value).settings_values()
            candidate = load_settings(self.dbapp.env_file, self.dbapp.overrides, None, values)
            candidate.url()
        except ConnectionConfigError as exc:
            self._status(f"Not switched: {exc}", error=True)
            return
        except ValidationError as exc:
            self._status(f"Not switched: {describe_validation_error(exc)}", error=True)
            return
        except Exception as exc:  # e.g. a URL that cannot be parsed
            self._status(f"Not switched: {self._safe(exc, self.dbapp.settings)}", error=True)
            return
        self._status(f"Switching to {event.value} ({candidate.masked_url}) …", done=False)
        self.run_apply(candidate, connection=values)

    # Not exclusive: a second Apply must not cancel a switch half-way.
    @work(group="settings-apply", exit_on_error=False)
    async def run_apply(
        self, candidate: Settings, connection: dict[str, str] | None = None
    ) -> None:
        """Switch to `candidate`: the form's edits, or a named `connection`'s settings (those
        are not edits: Save never writes them to `.env`)."""
        app = self.dbapp
        old = app.settings.masked_url
        edited = changed_settings(candidate, app.settings)
        try:
            await app.switch_database(candidate)
        except ConnectionProblem as problem:
            self._status(f"Not switched: {problem}. Still using {old}.", error=True)
            self.notify(str(problem), title="Switch failed", severity="error", timeout=8)
            return
        except Exception as exc:
            message = self._safe(exc, candidate)
            self._status(f"Not switched: {message}. Still using {old}.", error=True)
            self.notify(message, title="Switch failed", severity="error", timeout=8)
            return
        if connection is None:
            self._applied |= edited
        else:
            app.connection = connection
        self.reload_form()
        note = " (read-only: unlock to write)" if app.manager.read_only else ""
        self._status(f"Switched to {candidate.masked_url}{note}")
        self.notify(f"Now using {candidate.masked_url}", title="Switched")

    # -- save ------------------------------------------------------------------------------
    def action_save(self) -> None:
        """List what the form would write to `.env` (edited settings only), then ask."""
        candidate = self._validate()
        if candidate is None:
            self._status("Fix the marked fields first; nothing was saved.", error=True)
            return
        path = self.env_path
        problem = self._save_problem(path)
        if not problem:
            try:
                plan = plan_env_save(
                    path, candidate, self.dbapp.settings, self._origins(), self._applied
                )
            except OSError as exc:
                problem = f"cannot read {path}: {exc.strerror or type(exc).__name__}"
        if problem:
            self._not_saved(problem)
            return
        if not plan.values:
            self._status(
                f"Nothing to save: no edited setting differs from {path} (values from the "
                "environment, the command line and defaults are not written)."
            )
            return
        from tui.screens.modals import ConfirmScreen

        dialog = ConfirmScreen("Save to .env?", plan.describe(), confirm_label="Save")
        self.app.push_screen(dialog, partial(self._save_answer, plan, candidate))

    def _save_answer(self, plan: EnvSavePlan, candidate: Settings, confirmed: bool | None) -> None:
        if not confirmed:
            self._status("Not saved.", done=False)
            return
        try:
            save_env_file(plan.path, plan.values)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self._not_saved(f"cannot write {plan.path}: {reason}; the file is unchanged")
            return
        self._applied.clear()
        applied = settings_as_env(candidate) == settings_as_env(self.dbapp.settings)
        later = "" if applied else " (press ctrl+a to use them now)"
        names = ", ".join(plan.values)
        self._status(f"Saved to {plan.path} (mode 0600): {names}{later}")
        self.notify(f"Settings saved to {plan.path}", title="Saved")
        self._validate()

    def _not_saved(self, problem: str) -> None:
        self._status(f"Not saved: {problem}", error=True)
        self.notify(problem, title="Not saved", severity="error", timeout=8)

    @staticmethod
    def _save_problem(path: Path) -> str:
        """Why `path` cannot be written, or ''. A read-only file is respected, not replaced."""
        folder = path.resolve().parent
        if not folder.is_dir():
            return f"folder does not exist: {folder}"
        if path.is_dir():
            return f"{path} is a folder, not a file"
        # Mode bits as well as access(): a file made read-only is respected even by root.
        if path.exists() and (not os.access(path, os.W_OK) or _no_write_bits(path)):
            return f"{path} is read-only; the file is unchanged"
        if not os.access(folder, os.W_OK | os.X_OK) or _no_write_bits(folder):
            return f"folder {folder} is not writable; the file is unchanged"
        return ""

    # -- production guard ------------------------------------------------------------------
    def action_unlock(self) -> None:
        manager = self.dbapp.manager
        if not manager.read_only:
            self.notify("Writes are already allowed")
            return
        from tui.screens.modals import TypeToConfirmScreen

        word = manager.settings.ENVIRONMENT
        dialog = TypeToConfirmScreen(
            "Unlock writes",
            f"Writes to {manager.settings.masked_url} stay allowed until dbtui exits or you "
            f"lock them again. {EVERY_WRITE_ASKS.format(word=word)}",
            word,
            confirm_label="Unlock",
        )
        self.app.push_screen(dialog, self._unlock_answer)

    def _unlock_answer(self, confirmed: bool | None) -> None:
        if not confirmed:
            self._status("Still read-only.", done=False)
            return
        self.dbapp.manager.unlock()
        self.dbapp.connection_state = "UNLOCKED"
        self._show_guard()
        word = self.dbapp.manager.settings.ENVIRONMENT
        self._status(f"Writes unlocked for this run only. {EVERY_WRITE_ASKS.format(word=word)}")
        self.notify("Writes unlocked until dbtui exits", title="UNLOCKED", severity="warning")

    def action_lock(self) -> None:
        self.dbapp.manager.lock()
        self.dbapp.connection_state = "read-only"
        self._show_guard()
        self._status("Locked: read-only.")

    # -- palette ---------------------------------------------------------------------------
    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        yield ("Test connection", "Connect with the form's settings", self.action_test_connection)
        yield ("Apply settings", "Switch the live connection", self.action_apply)
        yield ("Save settings to .env", "Write the edited settings to .env", self.action_save)
        if self.dbapp.manager.read_only:
            yield ("Unlock writes", "Allow writes for this run (type the name)", self.action_unlock)
        else:
            yield ("Lock writes", "Make the database read-only again", self.action_lock)


SCREEN = SettingsScreen
