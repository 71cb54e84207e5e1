"""The demo's `Registry`: its Core tables (`tui.db.tables`) and the overrides of the tables
whose behaviour the metadata cannot know.

Lists and writes need no ORM, so the first Users rows do not wait for the mapped models: the
one thing the mappers add, their `version_id_col`, is the `version` counter every versioned
demo table declares (`tui.db.tables.version_column`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.entities.registry import Registry

#: The version counter of the demo's tables (the mapped models' `version_id_col`).
VERSION_COLUMN = "version"


@cache
def demo_registry() -> Registry:
    """The demo's tables and overrides (built once, on first use)."""
    from tui.db.tables import metadata
    from tui.demo.posts import PostAdmin
    from tui.demo.tags import TagAdmin
    from tui.demo.users import UserAdmin
    from tui.entities.introspect import entities_from_metadata
    from tui.entities.models_source import LoadedModels
    from tui.entities.registry import Registry

    entities = {
        name: replace(spec, version_column=VERSION_COLUMN)
        if VERSION_COLUMN in spec.table.c
        else spec
        for name, spec in entities_from_metadata(metadata).items()
    }
    return Registry(
        source="the demo",
        models=LoadedModels(metadata, None),
        _entities=entities,
        admins={"posts": PostAdmin(), "tags": TagAdmin(), "users": UserAdmin()},
    )


def demo_table_screen(name: str) -> object:
    """The `TableScreen` of the demo's table `name` (a main screen of the demo app)."""
    from tui.screens.table import TableScreen

    registry = demo_registry()
    return TableScreen.open(registry.known(name), registry)
