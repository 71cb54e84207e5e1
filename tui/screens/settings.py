"""The Settings screen (placeholder until built)."""

from tui.screens.placeholder import PlaceholderScreen


class SettingsScreen(PlaceholderScreen):
    SCREEN_NAME = "Settings"


SCREEN = SettingsScreen
