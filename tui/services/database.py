"""The running app's database: connect and prepare it at start, switch it, follow its revision.

A new development or testing database (no tables at all) is migrated to head, at start and on a
switch. Screens load once `app.database_ready` is set and reload when `app.db_generation`
moves on. Alembic is imported only when the revision is checked, after the first screen.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import DbTuiApp
    from tui.config import Settings

#: Seconds after start-up before the revision check (Alembic loads after the first rows).
REVISION_CHECK_DELAY = 0.3


class DatabaseService:
    """Prepares, switches and reports on `app.manager`'s database for `app`."""

    def __init__(self, app: DbTuiApp) -> None:
        self.app = app

    def start(self) -> None:
        """Prepare the database in a worker (see `prepare_database`)."""
        self.app.run_worker(
            self.prepare_database,
            name="prepare_database",
            group="startup",
            exclusive=True,
            exit_on_error=False,
        )

    async def prepare_database(self) -> None:
        """Connect; on a fresh development database migrate to head; then let screens load."""
        from tui.db.errors import ConnectionProblem

        app, manager = self.app, self.app.manager
        app.connection_state = "connecting…"
        try:
            await manager.ping()
        except ConnectionProblem as problem:
            app.report_problem(str(problem))
            app.database_ready.set()
            self.changed()
            return
        if await self._is_fresh_database():
            app.connection_state = "creating schema…"
            from tui.migrations import MigrationRunner

            runner = MigrationRunner(manager, self.app.migrations_path)
            await runner.upgrade("heads")
            app.notify(f"New database migrated to head: {manager.settings.masked_url}")
        manager.healthy = True
        app.show_identity()
        app.connection_problem = False
        app.database_ready.set()
        self.changed()
        self.check_revision()

    async def switch_database(self, settings: Settings) -> None:
        """Switch the live connection (keeps the old one when the new one fails)."""
        app = self.app
        await app.manager.switch(settings)
        app.settings = settings
        app.manager.sql_log.hide_parameters = settings.ENVIRONMENT == "production"
        app.connection_problem = False
        app.show_identity()
        if await self._is_fresh_database():
            # Same rule as at start-up: a new development database gets the schema.
            from tui.migrations import MigrationRunner

            await MigrationRunner(app.manager, app.migrations_path).upgrade("heads")
            app.notify(f"New database migrated to head: {settings.masked_url}")
        self.changed()
        self.check_revision()

    async def _is_fresh_database(self) -> bool:
        """True for a development/testing SQLite database that has no tables at all."""
        settings = self.app.manager.settings
        if not settings.is_sqlite or settings.ENVIRONMENT == "production":
            return False
        from sqlalchemy import text

        async with self.app.manager.engine.connect() as conn:
            query = "select count(*) from sqlite_master where type = 'table'"
            tables = (await conn.execute(text(query))).scalar_one()
        return tables == 0

    def changed(self) -> None:
        """The data changed underneath: the current screen reloads, others when shown."""
        from tui.screens.base import DbScreen

        self.app.db_generation += 1
        if isinstance(self.app.screen, DbScreen):
            self.app.screen.refresh_if_stale()

    def check_revision(self, announce: bool = True) -> None:
        """Show in the header whether the database is at the scripts' head, in a worker; with
        `announce`, also say so in a notification."""
        self.app.run_worker(
            partial(self._check_revision, announce),
            name="check_revision",
            group="revision-check",
            exclusive=True,
            exit_on_error=False,
        )

    async def _check_revision(self, announce: bool) -> None:
        await asyncio.sleep(REVISION_CHECK_DELAY if announce else 0)
        from tui.migrations import MigrationRunner

        status = await MigrationRunner(self.app.manager, self.app.migrations_path).startup_status()
        self.app.revision_state = status or ""
        if status and announce:
            self.app.notify(f"{status} — press 4 for Migrations", severity="warning", timeout=8)
