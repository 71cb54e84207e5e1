"""The footer of keys, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's `Footer`, recomposed only when the keys it would show change.

    Textual's footer builds all its key widgets again on every bindings signal (each focus
    move, each `refresh_bindings`), once per signal even when several arrive in one frame, and
    mostly to show the same keys: that was about a tenth of the CPU the test suite spent in
    the app. Here a signal that leaves the shown keys as they are does nothing.
    """

    _shown: tuple[tuple[Any, ...], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        """Recompose (as Textual's footer does) when the shown keys differ from the last."""
        if self.is_attached and screen is self.screen and self.app.app_focus:
            shown = tuple(
                (binding, enabled, tooltip)
                for _node, binding, enabled, tooltip in screen.active_bindings.values()
                if binding.show
            )
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
