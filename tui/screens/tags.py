"""The Tags screen (placeholder until built)."""

from tui.screens.placeholder import PlaceholderScreen


class TagsScreen(PlaceholderScreen):
    SCREEN_NAME = "Tags"


SCREEN = TagsScreen
