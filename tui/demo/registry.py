"""The demo's `Registry`: its tables (`tui.db.tables`, with the ORM mappers for the version
counters) and the overrides of the tables whose behaviour the metadata cannot know."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.entities.registry import Registry


@cache
def demo_registry() -> Registry:
    """The demo's tables and overrides (built once, on first use: it imports the ORM)."""
    import tui.models  # noqa: F401  (maps every table on Base.registry)
    from tui.db.base import Base
    from tui.demo.posts import PostAdmin
    from tui.demo.tags import TagAdmin
    from tui.entities.admin import TableAdmin
    from tui.entities.models_source import LoadedModels
    from tui.entities.registry import Registry

    class UserLabels(TableAdmin):  # until the Users screen has its own admin
        label_column = "username"

    models = LoadedModels(Base.metadata, Base.registry)
    return Registry.from_models(
        models, "the demo", admins={"posts": PostAdmin(), "tags": TagAdmin(), "users": UserLabels()}
    )


def demo_table_screen(name: str) -> object:
    """The `TableScreen` of the demo's table `name` (a main screen of the demo app)."""
    from tui.screens.table import TableScreen

    registry = demo_registry()
    return TableScreen.open(registry.known(name), registry)
