"""Helpers shared by the tests of the demo's tables through `EntityRepository` (no tests here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert, select

from tui.db.tables import users
from tui.demo.registry import demo_registry
from tui.entities.query import TableQuery
from tui.entities.repository import EntityRepository


def demo_repository(name: str, session: Any) -> EntityRepository:
    """The repository of the demo's table `name` as its screen reads it (with its admin)."""
    registry = demo_registry()
    admin = registry.admin(name)
    return EntityRepository(admin.labelled(registry.known(name)), session, admin)


async def insert_user(session: Any, name: str) -> int:
    """A user `name` written straight to the table (a post's author); returns its id."""
    values = {"username": name, "email": f"{name}@example.com", "hashed_password": "x"}
    return (await session.execute(insert(users).returning(users.c.id), [values])).scalar_one()


async def ordered_ids(
    repo: EntityRepository, query: TableQuery, where: Sequence[ColumnElement[bool]] = ()
) -> list[int]:
    """The ids of the query's rows by a plain full ORDER BY (NULLs last ascending, first
    descending), to compare the keyset walks with."""
    ident = repo.table.c.id
    column = ident if query.sort is None else repo.table.c[query.sort]
    if query.descending:
        order = [column.desc().nulls_first(), ident.desc()]
    else:
        order = [column.asc().nulls_last(), ident.asc()]
    statement = select(ident).where(*where).order_by(*order)
    return list((await repo.session.execute(statement)).scalars())


async def walk_forward(repo: EntityRepository, query: TableQuery, limit: int) -> list[int]:
    ids: list[int] = []
    page = await repo.page(query, None, limit)
    assert page.prev_cursor is None and page.offset == 0
    while True:
        assert len(page.rows) <= limit
        ids.extend(row["id"] for row in page.rows)
        if page.next_cursor is None:
            return ids
        assert len(page.rows) == limit
        page = await repo.page(query, page.next_cursor, limit)
        assert page.rows, "a next cursor must lead to more rows"
        assert page.prev_cursor is not None


async def walk_backward(repo: EntityRepository, query: TableQuery, limit: int) -> list[int]:
    ids: list[int] = []
    page = await repo.page_before(query, None, limit)
    assert page.next_cursor is None
    while True:
        ids[:0] = [row["id"] for row in page.rows]
        if page.prev_cursor is None:
            return ids
        page = await repo.page_before(query, page.prev_cursor, limit)
        assert page.next_cursor is not None


async def check_paging(
    repo: EntityRepository,
    query: TableQuery,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int = 4,
) -> list[int]:
    """Forward and backward keyset walks, OFFSET jumps, positions and the count all agree
    with a full ORDER BY. Returns the expected ids."""
    expected = await ordered_ids(repo, query, where)
    label = f"{query.sort} {'desc' if query.descending else 'asc'}"
    assert await walk_forward(repo, query, limit) == expected, label
    assert await walk_backward(repo, query, limit) == expected, label
    for offset in {0, 1, limit, len(expected) // 2, max(0, len(expected) - 1), len(expected) + 2}:
        page = await repo.page_at(query, offset, limit)
        assert [row["id"] for row in page.rows] == expected[offset : offset + limit], (
            label,
            offset,
        )
        assert page.offset == offset
        assert (page.next_cursor is not None) == (offset + limit < len(expected))
        if page.next_cursor is not None:
            after = await repo.page(query, page.next_cursor, limit)
            assert [r["id"] for r in after.rows] == expected[offset + limit : offset + 2 * limit]
    for index in {0, 1, len(expected) // 2, len(expected) - 1}:
        if 0 <= index < len(expected):
            row = (await repo.page_at(query, index, 1)).rows[0]
            assert await repo.position(query, repo.cursor_of(row, query)) == index, label
    last = await repo.page_before(query, None, limit)
    assert [row["id"] for row in last.rows] == expected[-limit:]
    count = await repo.count(query)
    assert count.value == len(expected) and not count.estimated
    return expected


class StatementCounter:
    """Counts the statements a SessionManager's SQL log records during a block."""

    def __init__(self, manager: Any) -> None:
        self.log = manager.sql_log
        self.statements: list[str] = []

    def __enter__(self) -> StatementCounter:
        self.log.clear()
        return self

    def __exit__(self, *exc: object) -> None:
        self.statements = [entry.statement for entry in self.log.entries]

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]
