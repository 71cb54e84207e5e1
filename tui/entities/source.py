"""One view of any table (its `TableQuery`) as the rows a `RecordTable` reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from tui.entities.display import cells
from tui.entities.repository import EntityRepository
from tui.entities.spec import RowValues
from tui.repositories.base import Cursor, Page
from tui.widgets.paging import TableRow

if TYPE_CHECKING:
    from tui.db.session import SessionManager
    from tui.entities.query import TableQuery
    from tui.entities.spec import EntitySpec


class EntitySource:
    """Pages of `spec`'s table under `query`; one short read session per call."""

    def __init__(self, manager: SessionManager, spec: EntitySpec, query: TableQuery) -> None:
        self.manager = manager
        self.spec = spec
        self.query = query

    def _rows(self, repo: EntityRepository, page: Page[RowValues]) -> list[TableRow]:
        spec = self.spec
        if not spec.primary_key:  # no key: a row is known by its position
            assert page.offset is not None
            return [
                TableRow(key=page.offset + i, id=(), cells=cells(spec, row))
                for i, row in enumerate(page.rows)
            ]
        return [
            TableRow(
                key=repo.cursor_of(row, self.query), id=spec.key_of(row), cells=cells(spec, row)
            )
            for row in page.rows
        ]

    def _after(self, key: Any | None) -> Any | None:
        """A table without a key pages by position: the rows after position p start at p+1."""
        if key is None or self.spec.primary_key:
            return key
        return Cursor((key + 1,))

    def _before(self, key: Any | None) -> Any | None:
        if key is None or self.spec.primary_key:
            return key
        return Cursor((key,))

    async def count(self) -> tuple[int, bool]:
        async with self.manager.read_session() as session:
            total = await EntityRepository(self.spec, session).count(self.query)
        return total.value, total.estimated

    async def fetch_after(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = EntityRepository(self.spec, session)
            return self._rows(repo, await repo.page(self.query, self._after(key), limit))

    async def fetch_before(self, key: Any | None, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = EntityRepository(self.spec, session)
            return self._rows(repo, await repo.page_before(self.query, self._before(key), limit))

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        async with self.manager.read_session() as session:
            repo = EntityRepository(self.spec, session)
            return self._rows(repo, await repo.page_at(self.query, offset, limit))

    async def all_rows(self, page_size: int = 1000) -> AsyncIterator[tuple[Mapping[str, Any], ...]]:
        """Every row of the view, page by page by keyset (for export)."""
        after = None
        while True:
            async with self.manager.read_session() as session:
                page = await EntityRepository(self.spec, session).page(self.query, after, page_size)
            yield page.rows
            if page.next_cursor is None:
                return
            after = page.next_cursor
