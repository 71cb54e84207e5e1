"""The top bar: environment badge, masked URL, migration state, read-only and connection state."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.settings_sources import ENVIRONMENTS


class EnvironmentBar(Horizontal):
    """Shows which database the app is talking to; never shows a password."""

    DEFAULT_CSS = """
    EnvironmentBar { height: 1; dock: top; background: $panel; }
    EnvironmentBar > #env-badge { width: auto; padding: 0 1; text-style: bold; color: $text; }
    EnvironmentBar > #env-badge.development { background: $success; }
    EnvironmentBar > #env-badge.testing { background: $warning; }
    EnvironmentBar > #env-badge.production { background: $error; }
    EnvironmentBar > #env-title { width: auto; padding: 0 1; text-style: bold; }
    EnvironmentBar > #env-url { width: 1fr; padding: 0 1; color: $text-muted; }
    EnvironmentBar > #env-revision { width: auto; padding: 0 1; background: $warning 40%; }
    EnvironmentBar > #env-revision.-empty { display: none; }
    EnvironmentBar > #env-state { width: auto; padding: 0 1; }
    EnvironmentBar > #env-state.problem { background: $error; color: $text; }
    """

    def compose(self) -> ComposeResult:
        yield Static("dbtui", id="env-title")
        yield Static(id="env-badge")
        yield Static(id="env-url")
        yield Static(id="env-revision", classes="-empty")
        yield Static(id="env-state")

    def on_mount(self) -> None:
        # The app owns these values; every screen's bar follows them.
        self.watch(self.app, "environment", self._show_environment)
        self.watch(self.app, "environment_kind", self._show_kind)
        self.watch(self.app, "masked_url", self._show_url)
        self.watch(self.app, "revision_state", self._show_revision)
        self.watch(self.app, "connection_state", self._show_state)
        self.watch(self.app, "connection_problem", self._show_problem)

    def _show_environment(self, environment: str) -> None:
        # dbtui's own names in capitals; any other name (`local`, `staging`) exactly as given
        label = environment.upper() if environment in ENVIRONMENTS else environment
        self.query_one("#env-badge", Static).update(Text(label))

    def _show_kind(self, kind: str) -> None:
        """Green development, yellow testing, red production (any name marked production)."""
        self.query_one("#env-badge", Static).set_classes(kind)

    def _show_url(self, url: str) -> None:
        self.query_one("#env-url", Static).update(Text(url))

    def _show_revision(self, state: str) -> None:
        revision = self.query_one("#env-revision", Static)
        revision.update(Text(state))
        revision.set_class(not state, "-empty")

    def _show_state(self, state: str) -> None:
        self.query_one("#env-state", Static).update(Text(state))

    def _show_problem(self, problem: bool) -> None:
        self.query_one("#env-state", Static).set_class(problem, "problem")
