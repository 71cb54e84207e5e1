"""The Migrations screen (placeholder until built)."""

from tui.screens.placeholder import PlaceholderScreen


class MigrationsScreen(PlaceholderScreen):
    SCREEN_NAME = "Migrations"


SCREEN = MigrationsScreen
