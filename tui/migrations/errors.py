"""What a migration operation raises; every `str()` is one line that is safe to show."""

from __future__ import annotations

from tui.db.errors import DbTuiError, ReadOnlyError


class MigrationError(DbTuiError):
    """A migration operation could not run or failed."""


class MigrationBusy(MigrationError):
    """Another migration operation is running."""


class MigrationRefused(MigrationError, ReadOnlyError):
    """The database is read-only (production) and the write was not confirmed."""


class MigrationFailed(MigrationError):
    """A revision failed; the database stays at the revision before it."""

    def __init__(self, message: str, revision: str | None, current: tuple[str, ...]) -> None:
        super().__init__(message)
        self.revision = revision
        self.current = current
