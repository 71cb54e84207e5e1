"""Sorting by a foreign key, both backends: by the label of the referenced row where both
the foreign key and that label lead an index (a LEFT JOIN, keyset over ``(label, key)``),
NULL keys and NULL labels last ascending; otherwise by the key it holds, saying why."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
)

from tests.functional.pilot_waits import wait_until
from tui.config import Settings
from tui.db.session import SessionManager
from tui.entities.introspect import entities_from_metadata
from tui.entities.keyset import sortable
from tui.entities.query import Filter, TableQuery
from tui.entities.repository import EntityRepository
from tui.entities.spec import EntitySpec

metadata = MetaData()
teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=True),  # the label: NULL for some teams
    Index("ix_teams_name", "name"),
)
players = Table(
    "players",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, index=True),
    Column("team_id", ForeignKey("teams.id"), nullable=True, index=True),
    Column("mentor_id", ForeignKey("players.id"), nullable=True, index=True),  # self-reference
    Column("rival_team_id", ForeignKey("teams.id"), nullable=True),  # no index
)
SPECS = entities_from_metadata(metadata)
TEAM_NAMES = ["Bees", "ants", "Ants", "Bees", None, "Ändra", "zebras", "Ants"]


@pytest.fixture
async def league(backend_settings: Settings) -> AsyncIterator[SessionManager]:
    """Teams (some sharing a name, one without) and 60 players: some without a team, some
    with a mentor."""
    manager = SessionManager(backend_settings)
    manager.unlock()
    chance = random.Random(12)
    team_rows = [{"id": i + 1, "name": name} for i, name in enumerate(TEAM_NAMES)]
    player_rows = []
    for number in range(1, 61):
        player_rows.append(
            {
                "id": number,
                "name": chance.choice(["kim", "Lee", "ada", "Bo", "lee"]),
                "team_id": chance.choice([None, *range(1, len(TEAM_NAMES) + 1)]),
                "mentor_id": chance.choice([None, None, *range(1, number)]) if number > 1 else None,
                "rival_team_id": chance.choice([None, 1, 2]),
            }
        )
    try:
        async with manager.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(teams), team_rows)
            await connection.execute(insert(players), player_rows)
        yield manager
    finally:
        await manager.dispose()


def expected_order(
    rows: list[dict[str, Any]], labels: dict[Any, str | None], column: str, descending: bool
) -> list[int]:
    """Python's order: by the label of the referenced row, NULL (no row, or no label) last,
    ties by key; descending is exactly the reverse."""

    def sort_key(row: dict[str, Any]) -> tuple[bool, str, int]:
        label = labels.get(row[column])
        return (label is None, label or "", row["id"])

    order = [row["id"] for row in sorted(rows, key=sort_key)]
    return order[::-1] if descending else order


async def table_rows(manager: SessionManager, table: Table) -> list[dict[str, Any]]:
    async with manager.read_session() as session:
        return [dict(r._mapping) for r in (await session.execute(table.select())).all()]


async def walk(
    manager: SessionManager, spec: EntitySpec, query: TableQuery, limit: int
) -> tuple[list[int], list[int]]:
    """Keys page by page to the end, then page by page back from the end."""
    forward: list[int] = []
    backward: list[int] = []
    async with manager.read_session() as session:
        repo = EntityRepository(spec, session)
        page = await repo.page(query, limit=limit)
        forward.extend(r["id"] for r in page.rows)
        while page.next_cursor is not None:
            page = await repo.page(query, page.next_cursor, limit=limit)
            forward.extend(r["id"] for r in page.rows)
        page = await repo.page_before(query, limit=limit)
        backward[:0] = [r["id"] for r in page.rows]
        while page.prev_cursor is not None:
            page = await repo.page_before(query, page.prev_cursor, limit=limit)
            backward[:0] = [r["id"] for r in page.rows]
    return forward, backward


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(("column", "target"), [("team_id", teams), ("mentor_id", players)])
async def test_a_foreign_key_sorts_by_the_referenced_label_on_every_page(
    league: SessionManager, column: str, target: Table, descending: bool
) -> None:
    spec = SPECS["players"]
    assert sortable(spec, column) == (True, "")
    rows = await table_rows(league, players)
    labels = {r["id"]: r["name"] for r in await table_rows(league, target)}
    expected = expected_order(rows, labels, column, descending)
    assert len({labels.get(r[column]) for r in rows}) > 4  # ties, NULLs and several labels
    query = TableQuery(sort=column, descending=descending)

    forward, backward = await walk(league, spec, query, limit=7)
    assert forward == expected
    assert backward == expected

    async with league.read_session() as session:
        repo = EntityRepository(spec, session)
        for offset in (0, 5, 31, 55, 59):  # far jumps (OFFSET), then on by keyset
            page = await repo.page_at(query, offset, limit=4)
            assert [r["id"] for r in page.rows] == expected[offset : offset + 4]
            assert page.next_cursor is not None or offset + 4 >= len(expected)
            if page.next_cursor is not None:
                after = await repo.page(query, page.next_cursor, limit=4)
                assert [r["id"] for r in after.rows] == expected[offset + 4 : offset + 8]
        for index in (0, 17, 42, 59):  # a row's place in the list (a jump to a row)
            cursor = await repo.cursor_at((expected[index],), query)
            assert await repo.position(query, cursor) == index


async def test_the_label_sort_holds_with_search_and_filters(league: SessionManager) -> None:
    spec = SPECS["players"]
    query = TableQuery(sort="team_id", search="l", filters=(Filter("mentor_id", "not_null"),))
    rows = [
        r for r in await table_rows(league, players) if "l" in r["name"].lower() and r["mentor_id"]
    ]
    labels = {r["id"]: r["name"] for r in await table_rows(league, teams)}
    expected = expected_order(rows, labels, "team_id", False)
    assert 5 < len(expected) < 60
    forward, backward = await walk(league, spec, query, limit=3)
    assert forward == expected
    assert backward == expected


def test_without_an_index_it_sorts_by_the_key_and_says_why() -> None:
    spec = SPECS["players"]
    assert sortable(spec, "rival_team_id") == (
        True,
        "rival team id: sorted by the key it holds — no index on rival team id",
    )


async def test_without_an_index_the_order_is_the_key_it_holds(league: SessionManager) -> None:
    rows = await table_rows(league, players)
    expected = [
        r["id"]
        for r in sorted(
            rows, key=lambda r: (r["rival_team_id"] is None, r["rival_team_id"] or 0, r["id"])
        )
    ]
    forward, backward = await walk(league, SPECS["players"], TableQuery(sort="rival_team_id"), 9)
    assert forward == expected
    assert backward == expected


async def test_sorting_posts_by_author_in_the_app_pages_both_ways(
    manager: SessionManager, backend_settings: Settings
) -> None:
    """The demo's posts through the generic table screen: `s` on the author column sorts by
    the author's label (users' email), to the end (`G`) and back, then in reverse."""
    from tests.functional.test_browse_app import open_table, rows_loaded, tables_screen
    from tests.functional.test_screen_common import screen_text
    from tui.app import make_app
    from tui.db.base import Base
    from tui.db.tables import posts, users
    from tui.entities.models_source import LoadedModels
    from tui.entities.registry import Registry
    from tui.seed import seed

    await seed(manager, users=12, posts=230, tags=3, seed=7)
    post_rows = await table_rows(manager, posts)
    emails = {r["id"]: r["email"] for r in await table_rows(manager, users)}
    await manager.dispose()
    registry = Registry.from_models(LoadedModels(Base.metadata, None), "the demo")
    app = make_app(backend_settings, registry=registry)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_until(pilot, lambda: tables_screen(app).tables != [], "the table list")
        screen = await open_table(app, pilot, "posts")
        columns = [c.key for c in screen.table.columns]
        await pilot.press(*(["l"] * columns.index("author_id")), "s")
        for descending in (False, True):
            grid = await rows_loaded(app, pilot)
            arrow = "↓" if descending else "↑"
            assert f"sort author id (email) {arrow}" in screen_text(app)
            expected = expected_order(post_rows, emails, "author_id", descending)
            assert grid.row_count == len(expected) == 230
            await pilot.press("G")  # the last page, by a far jump
            await wait_until(pilot, lambda: screen.table.row_at(229) is not None, "the last rows")
            for _ in range(6):  # back up, page by page, by keyset
                await pilot.press("pageup")
                grid = await rows_loaded(app, pilot)
            shown = {i: grid.row_at(i) for i in range(230)}
            loaded = {i: row.id[0] for i, row in shown.items() if row is not None}
            assert {0, 100, 229} <= set(loaded)
            assert loaded == {i: expected[i] for i in loaded}
            assert grid.current_row is not None
            await pilot.press("s")  # the same column again: descending


def test_each_reason_to_keep_the_key_sort_is_said_in_column_labels() -> None:
    other = MetaData()
    Table("cities", other, Column("id", Integer, primary_key=True), Column("name", String(50)))
    Table("codes", other, Column("id", Integer, primary_key=True))
    Table(
        "pairs",
        other,
        Column("a", Integer, primary_key=True),
        Column("b", Integer, primary_key=True),
        Column("name", String(50), unique=True),
    )
    Table(
        "visits",
        other,
        Column("id", Integer, primary_key=True),
        Column("city_id", ForeignKey("cities.id"), index=True),
        Column("home_city_id", ForeignKey("cities.id")),
        Column("code_id", ForeignKey("codes.id"), index=True),
        Column("pair_a", Integer, index=True),
        Column("pair_b", Integer),
        ForeignKeyConstraint(["pair_a", "pair_b"], ["pairs.a", "pairs.b"]),
    )
    visits = entities_from_metadata(other)["visits"]
    assert sortable(visits, "city_id") == (
        True,
        "city id: sorted by the key it holds — no index on the name of cities",
    )
    assert sortable(visits, "home_city_id") == (
        True,
        "home city id: sorted by the key it holds — no index on home city id"
        " nor on the name of cities",
    )
    assert sortable(visits, "code_id") == (
        True,
        "code id: sorted by the key it holds — codes has no text column to sort by",
    )
    assert sortable(visits, "pair_a") == (True, "")  # a composite key sorts by its values
    assert sortable(visits, "pair_b") == (True, "no index on pair b: sorting scans the table")
