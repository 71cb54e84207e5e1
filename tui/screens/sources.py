"""Adapt a repository listing to the generic `RowSource` a `RecordTable` reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from tui.repositories.base import Page, Query, Repository
from tui.widgets.paging import TableRow

if TYPE_CHECKING:
    from tui.db.session import SessionManager

RepositoryFactory = Callable[[AsyncSession], Repository[Any]]
CellMaker = Callable[[Any], tuple[object, ...]]


class RepositorySource:
    """One view of a repository (its `Query`) as table rows; one short session per call."""

    def __init__(
        self,
        manager: SessionManager,
        repository: RepositoryFactory,
        query: Query,
        cells: CellMaker,
    ) -> None:
        self.manager = manager
        self.repository = repository
        self.query = query
        self.cells = cells

    def _rows(self, repo: Repository[Any], page: Page[Any]) -> list[TableRow]:
        return [
            TableRow(key=repo.cursor_of(row, self.query), id=row.id, cells=self.cells(row))
            for row in page.rows
        ]

    async def count(self) -> tuple[int, bool]:
        async with self.manager.read_session() as session:
            total = await self.repository(session).count(self.query)
        return total.value, total.estimated

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self.repository(session)
            return self._rows(repo, await repo.page(self.query, after=key, limit=limit))

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self.repository(session)
            return self._rows(repo, await repo.page_before(self.query, before=key, limit=limit))

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = self.repository(session)
            return self._rows(repo, await repo.page_at(self.query, offset, limit=limit))

    async def all_rows(self, page_size: int = 1000) -> AsyncIterator[tuple[Any, ...]]:
        """Every row of the view, page by page by keyset (for export)."""
        after = None
        while True:
            async with self.manager.read_session() as session:
                repo = self.repository(session)
                page = await repo.page(self.query, after=after, limit=page_size)
            yield page.rows
            if page.next_cursor is None:
                return
            after = page.next_cursor
