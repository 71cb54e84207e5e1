"""The running app's database: connect and prepare it at start, switch it, follow its revision.

A new development or testing database (no tables at all) is migrated to head, at start and on a
switch. Screens load once `app.database_ready` is set and reload when `app.db_generation`
moves on. Alembic is imported only when the revision is checked, after the first screen.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

if TYPE_CHECKING:
    from tui.app import DbTuiApp
    from tui.config import Settings
    from tui.migrations import Ended

#: Seconds after start-up before the revision check (Alembic loads after the first rows).
REVISION_CHECK_DELAY = 0.3


class DatabaseService:
    """Prepares, switches and reports on `app.manager`'s database for `app`."""

    def __init__(self, app: DbTuiApp) -> None:
        self.app = app

    def start(self) -> None:
        """Prepare the database in a worker (see `prepare_database`)."""
        self.app.run_worker(
            self.prepare_database,  # type: ignore[arg-type]  # Textual's WorkType union: mypy infers Never for an async method
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
            await self._migrate_new_database()
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
        app.manager.sql_log.hide_parameters = settings.is_production
        app.connection_problem = False
        app.show_identity()
        if await self._is_fresh_database():
            # Same rule as at start-up: a new development database gets the schema.
            await self._migrate_new_database()
        self.changed()
        self.check_revision()

    async def _is_fresh_database(self) -> bool:
        """True for a development/testing SQLite database that has no tables at all."""
        settings = self.app.manager.settings
        if not self.app.migrate_new_databases:
            return False
        if not settings.is_sqlite or settings.is_production:
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

    async def _migrate_new_database(self) -> None:
        """Upgrade a new database to head in a thread worker and say how it went (a failure,
        e.g. of the application's env.py, leaves it empty and the app running: the Migrations
        screen shows why)."""
        settings = self.app.manager.settings
        worker = self.app.run_worker(
            self._create_schema,
            name="create_schema",
            group="create-schema",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        ended: Ended[tuple[str, ...]] = await worker.wait()
        if ended.error is None:
            self.app.notify(f"New database migrated to head: {settings.masked_url}")
            return
        from tui.db.errors import short_error

        reason = short_error(ended.error, database=settings)
        self.app.notify(
            f"The new database was not migrated: {reason}", severity="error", timeout=10
        )

    def _create_schema(self) -> Ended[tuple[str, ...]]:
        from tui.migrations import Ended, MigrationRunner, run_with_connection

        app = self.app
        runner = MigrationRunner(app.alembic_config, settings=app.manager.settings)
        return Ended.of(lambda: run_with_connection(app, app.manager, runner.upgrade))

    def check_revision(self, announce: bool = True) -> None:
        """Show in the header whether the database is at the scripts' head, in a thread
        worker; with `announce` (after start-up), also say so in a notification."""
        self.app.run_worker(
            partial(self._check_revision, announce),
            name="check_revision",
            group="revision-check",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _check_revision(self, announce: bool) -> None:
        worker = get_current_worker()
        if announce and worker.cancelled_event.wait(REVISION_CHECK_DELAY):
            return
        if not self.app.migrate_new_databases:  # no Alembic project of the application's
            return
        from tui.migrations import MigrationRunner, run_with_connection

        app = self.app
        runner = MigrationRunner(app.alembic_config, settings=app.manager.settings)
        status = run_with_connection(app, app.manager, runner.startup_status)
        if not worker.is_cancelled:
            app.call_from_thread(self._show_revision_state, status, announce)

    def _show_revision_state(self, status: str | None, announce: bool) -> None:
        self.app.revision_state = status or ""
        if status and announce:
            self.app.notify(f"{status} — press 4 for Migrations", severity="warning", timeout=8)
