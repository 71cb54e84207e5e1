"""SVG snapshots in a light theme (`--theme textual-light`): the environment badge, booleans,
revision markers and state lines take their colours from the theme, so they read on a light
background (update with `pytest --snapshot-update`, then look at the SVGs)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.conftest import sqlite_settings
from tests.functional.test_screen_common import local_sqlite
from tests.functional.test_snapshots_entities import TERMINAL, _fill, _loaded
from tests.functional.test_snapshots_migrations import _migrate, _settle
from tests.migration_fixtures import project_with
from tui.app import make_app

LIGHT = "textual-light"


def test_posts_screen_in_a_light_theme(snap_compare: Any) -> None:
    asyncio.run(_fill())
    app = make_app(local_sqlite(), initial_mode="posts", theme=LIGHT)
    assert snap_compare(app, run_before=_loaded, terminal_size=TERMINAL)
    assert app.theme == LIGHT and not app.current_theme.dark


def test_migrations_panel_in_a_light_theme(snap_compare: Any, tmp_path: Path) -> None:
    migrations = project_with(
        tmp_path / "project", "0003_notes", "0004_branch_a", "0005_branch_b", "0006_merge"
    )
    asyncio.run(_migrate(migrations, "0003_users_case_insensitive"))
    app = make_app(
        sqlite_settings(Path("app.db")),
        initial_mode="migrations",
        alembic_config=migrations.parent / "alembic.ini",
        theme=LIGHT,
    )
    assert snap_compare(app, terminal_size=(130, 36), run_before=_settle)
