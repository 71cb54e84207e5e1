"""The Users screen (placeholder until built)."""

from tui.screens.placeholder import PlaceholderScreen


class UsersScreen(PlaceholderScreen):
    SCREEN_NAME = "Users"


SCREEN = UsersScreen
