"""A temporary screen body for parts not built yet."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Static

from tui.screens.base import DbScreen


class PlaceholderScreen(DbScreen):
    def compose_body(self) -> Iterable:
        yield Static(f"{self.SCREEN_NAME}: coming soon", id="placeholder")
