"""The Posts screen (placeholder until built)."""

from tui.screens.placeholder import PlaceholderScreen


class PostsScreen(PlaceholderScreen):
    SCREEN_NAME = "Posts"


SCREEN = PostsScreen
