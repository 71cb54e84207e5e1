"""Snapshot of the Migrations screen with pending revisions (fixed fixture revisions)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from tests.conftest import sqlite_settings
from tests.functional.test_migrations_screen import settle
from tests.migration_fixtures import project_with
from tui.app import make_app
from tui.db.session import SessionManager
from tui.migrations import MigrationRunner


async def _migrate(migrations: Path, target: str) -> None:
    manager = SessionManager(sqlite_settings(Path("app.db")))
    try:
        runner = MigrationRunner(migrations.parent / "alembic.ini", settings=manager.settings)
        await manager.run_sync(runner.upgrade, target)
    finally:
        await manager.dispose()


async def _settle(pilot: Pilot) -> None:
    app = pilot.app
    await settle(app, pilot)
    app.clear_notifications()
    await pilot.pause()


def test_migrations_panel_with_pending_revisions(snap_compare, tmp_path: Path) -> None:
    # The working folder is a fresh temporary one (autouse fixture): a relative database path
    # keeps the URL in the header the same on every run.
    migrations = project_with(
        tmp_path / "project", "0003_notes", "0004_branch_a", "0005_branch_b", "0006_merge"
    )
    asyncio.run(_migrate(migrations, "0003_users_case_insensitive"))
    app = make_app(
        sqlite_settings(Path("app.db")),
        initial_mode="migrations",
        alembic_config=migrations.parent / "alembic.ini",
    )
    assert snap_compare(app, terminal_size=(130, 36), run_before=_settle)
