"""The read session of a SQLite file: list statements on its `SqliteReader`, the rest on a
SQLAlchemy session opened only when one is needed (so listing loads no ORM)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tui.db.sqlite_reader import READER, SqliteReader

if TYPE_CHECKING:
    from sqlalchemy.engine import Result
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql import Executable


class ReaderSession:
    """What `SessionManager.read_session()` yields on a SQLite file.

    Repositories run list pages and counts on ``info[READER]``; any other statement
    (`execute`) goes to a read `AsyncSession`, opened on first use with `open_session`.
    """

    def __init__(self, reader: SqliteReader, open_session: Callable[[], AsyncSession]) -> None:
        self.info: dict[str, Any] = {READER: reader}
        self._open_session = open_session
        self._session: AsyncSession | None = None

    async def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None, **options: Any
    ) -> Result[Any]:
        """Run `statement` on the SQLAlchemy read session (opened now if need be)."""
        if self._session is None:
            self._session = self._open_session()
        return await self._session.execute(statement, params, **options)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
