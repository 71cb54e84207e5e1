"""The header tells the truth about the connection: lost, gone (a SQLite file removed), back.

Three signals: an error that may mean a lost connection (then a ping confirms it), a watch of
the SQLite file's path every `FILE_WATCH_SECONDS` (an open connection keeps working on a deleted
file), and any statement that works again (the SQL log's listener).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import DbTuiApp

#: Seconds between checks that a SQLite database file is still there.
FILE_WATCH_SECONDS = 2.0


class ConnectionWatch:
    """Watches `app.manager`'s database and keeps `app`'s connection state up to date."""

    def __init__(self, app: DbTuiApp) -> None:
        self.app = app
        self.file_missing = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Begin watching (on the app's event loop)."""
        self._loop = asyncio.get_running_loop()
        self.app.manager.sql_log.listeners.append(self._statement_ran)
        self.app.set_interval(FILE_WATCH_SECONDS, self._watch_sqlite_file)

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.app.manager.sql_log.listeners.remove(self._statement_ran)

    def error_seen(self, error: BaseException) -> None:
        """After a failure: when it may come from a lost connection, ping to find out."""
        from tui.db.health import may_be_connection_error

        if may_be_connection_error(error):
            self.check_connection()

    def check_connection(self) -> None:
        """Ping the live database in a worker; the header says whether it can be reached."""
        self.app.run_worker(
            self._check_connection,  # type: ignore[arg-type]  # Textual's WorkType union: mypy infers Never for an async method
            name="check_connection",
            group="health",
            exclusive=True,
            exit_on_error=False,
        )

    async def _check_connection(self) -> None:
        from tui.db.errors import ConnectionProblem

        if self.file_missing:  # the SQLite file watch already says what is wrong
            return
        try:
            await self.app.manager.ping()
        except ConnectionProblem as problem:
            self.app.report_problem(f"connection lost: {problem}")
            return
        self._connection_ok()

    def _statement_ran(self) -> None:
        """SqlLog listener, called on any thread: a statement worked, the connection is back."""
        loop = self._loop
        if self.app.connection_problem and not self.file_missing and loop is not None:
            with contextlib.suppress(RuntimeError):  # the app's loop has already closed
                loop.call_soon_threadsafe(self._connection_ok)

    def _connection_ok(self) -> None:
        app = self.app
        if app.connection_problem and not self.file_missing:
            app.connection_problem = False
            app.show_identity()
            app.notify(f"Connected again: {app.manager.settings.masked_url}")

    async def _watch_sqlite_file(self) -> None:
        from tui.db.health import missing_sqlite_file

        problem = missing_sqlite_file(self.app.manager.settings)
        if problem and not self.file_missing:
            self.file_missing = True
            self.app.report_problem(problem)
        elif not problem and self.file_missing:
            # Connections still hold the deleted file: reopen them on the one now there.
            await self.app.manager.reconnect()
            self.file_missing = False
            self._connection_ok()
