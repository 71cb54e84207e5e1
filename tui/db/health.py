"""Connection health: which errors may mean the database went away, SQLite file checks, and
a probe of settings not in use yet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tui.db.errors import ConnectionProblem

if TYPE_CHECKING:
    from tui.config import Settings
    from tui.db.session import ServerInfo


async def probe_connection(settings: Settings, timeout: float | None = None) -> ServerInfo:
    """Connect with a throwaway engine (the live one is not touched); raise `ConnectionProblem`.
    `timeout` None: the session's `CONNECT_TIMEOUT`.

    A SQLite file that does not exist yet is reported, not created.
    """
    from tui.db.session import CONNECT_TIMEOUT, build_engine, ping_engine  # it imports this

    if settings.is_sqlite and not settings.is_memory:
        path = Path(settings.url().database or "").expanduser()
        if path.parent.is_dir() and not path.exists():
            raise ConnectionProblem(
                f"SQLite file does not exist yet: {path} (Apply creates it with the schema; "
                f"{settings.masked_url})"
            )
    engine = build_engine(settings, pooled=False)
    try:
        return await ping_engine(engine, settings, CONNECT_TIMEOUT if timeout is None else timeout)
    finally:
        await engine.dispose()


def may_be_connection_error(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) could come from a lost database connection.

    Only a hint: callers confirm with a ping before telling the user the database is gone.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            ConnectionProblem | DBAPIError | DisconnectionError | PoolTimeoutError | OSError,
        ):
            return True
        if isinstance(current, TimeoutError):
            return True
        current = current.__cause__ or current.__context__
    return False


def missing_sqlite_file(settings: Settings) -> str | None:
    """A message when the settings' SQLite database file (or its folder) is gone, else None.

    An open SQLite connection keeps working on a deleted file, so this is checked by path.
    """
    if not settings.is_sqlite or settings.is_memory:
        return None
    path = Path(settings.url().database or "").expanduser()
    if not path.parent.is_dir():
        return f"SQLite folder is gone: {path.parent} ({settings.masked_url})"
    if not path.exists():
        return f"SQLite file is gone: {path} ({settings.masked_url})"
    return None
