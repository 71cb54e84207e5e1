"""One view of any table (its `TableQuery`) as the rows a `RecordTable` reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from tui.entities.display import column_names
from tui.entities.query import Page
from tui.entities.repository import EntityRepository
from tui.entities.spec import RowValues
from tui.rows import TableRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.db.session import SessionManager
    from tui.entities.admin import TableAdmin
    from tui.entities.query import TableQuery
    from tui.entities.spec import EntitySpec


class EntitySource:
    """Pages of `spec`'s table under `query` (as `admin` shows them); one short read session
    per call."""

    def __init__(
        self,
        manager: SessionManager,
        spec: EntitySpec,
        query: TableQuery,
        admin: TableAdmin | None = None,
    ) -> None:
        self.manager = manager
        self.spec = spec
        self.query = query
        self.admin = admin

    def _repository(self, session: AsyncSession) -> EntityRepository:
        return EntityRepository(self.spec, session, self.admin)

    def _rows(self, repo: EntityRepository, page: Page[RowValues]) -> list[TableRow]:
        spec = self.spec
        names = column_names(spec, self.admin)  # once a page: the admin works them out
        return [
            TableRow(
                key=repo.cursor_of(row, self.query),
                id=spec.key_of(row),
                cells=tuple(row[name] for name in names),  # drawn literally by the table
            )
            for row in page.rows
        ]

    async def count(self) -> tuple[int, bool]:
        async with self.manager.read_session() as session:
            total = await self._repository(session).count(self.query)
        return total.value, total.estimated

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self._repository(session)
            return self._rows(repo, await repo.page(self.query, key, limit))

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self._repository(session)
            return self._rows(repo, await repo.page_before(self.query, key, limit))

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self._repository(session)
            return self._rows(repo, await repo.page_at(self.query, offset, limit))

    async def all_rows(self, page_size: int = 1000) -> AsyncIterator[tuple[Mapping[str, Any], ...]]:
        """Every row of the view, page by page by keyset (for export)."""
        after = None
        while True:
            async with self.manager.read_session() as session:
                page = await self._repository(session).page(self.query, after, page_size)
            yield page.rows
            if page.next_cursor is None:
                return
            after = page.next_cursor
