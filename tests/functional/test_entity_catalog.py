"""--reflect: the table list from the catalog, and tables reflected one by one into the same
entity specs the models give (names, keys, foreign keys, backlinks, many-to-many)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Enum, text

from tests.conftest import pg_settings
from tests.fixture_app import sample_rows
from tests.fixture_app.models import Base
from tests.functional.entity_support import BACKENDS, fixture_manager, manager_for
from tui.db.session import SessionManager
from tui.entities.catalog import ReflectedCatalog, TableInfo, list_tables
from tui.entities.errors import StaleRecordError
from tui.entities.introspect import entities_from_metadata
from tui.entities.query import Filter, TableQuery
from tui.entities.repository import EntityRepository
from tui.entities.spec import EntitySpec

MODEL_SPECS = entities_from_metadata(Base.metadata, Base.registry)


@pytest.fixture(params=BACKENDS)
async def db(
    request: pytest.FixtureRequest, fixture_database: Callable[[str], str]
) -> AsyncIterator[SessionManager]:
    async with fixture_manager(fixture_database, request.param) as manager:
        yield manager


def shape(spec: EntitySpec) -> dict[str, Any]:
    """What must not depend on where a spec came from (models or reflection)."""
    return {
        "name": spec.name,
        "label": spec.label,
        "primary_key": spec.primary_key,
        "columns": [c.name for c in spec.columns],
        "nullable": [c.name for c in spec.columns if c.nullable],
        "unique": [c.name for c in spec.columns if c.unique],
        "computed": [c.name for c in spec.columns if c.computed],
        "foreign_keys": [
            (f.name, f.columns, f.target, f.target_columns, f.ondelete or "NO ACTION")
            for f in spec.foreign_keys
        ],
        "backlinks": sorted((b.source, b.foreign_key.columns) for b in spec.backlinks),
        "many_to_many": [
            (m.via, m.target, m.local.columns, m.remote.columns) for m in spec.many_to_many
        ],
        "soft_delete": spec.soft_delete_column,
        "read_only": spec.read_only_reason,
    }


async def test_reflection_gives_the_specs_the_models_give(db: SessionManager) -> None:
    catalog = ReflectedCatalog()
    async with db.read_session() as session:
        reflected = {name: await catalog.entity(session, name) for name in MODEL_SPECS}
    for name, spec in MODEL_SPECS.items():
        assert shape(reflected[name]) == shape(spec), name
        # a non-native enum is text to reflection (and so searchable, a label candidate)
        assert set(spec.search_columns) <= set(reflected[name].search_columns), name
        if not any(isinstance(c.column.type, Enum) for c in spec.columns):
            assert reflected[name].label_column == spec.label_column, name
    assert reflected["students"].many_to_many[0].name == "courses"
    assert reflected["products"].version_column is None  # only a mapper knows it


async def test_a_table_is_reflected_when_first_opened_with_its_neighbours(
    db: SessionManager,
) -> None:
    catalog = ReflectedCatalog()
    async with db.read_session() as session:
        spec = await catalog.entity(session, "countries")
        assert await catalog.entity(session, "countries") is spec  # cached
        assert set(catalog.metadata.tables) == {"countries", "user", "order"}
        assert {b.source for b in spec.backlinks} == {"user", "order"}
        legacy = await catalog.entity(session, "CamelCase")
        assert legacy.column("MixedColumn").max_length == 50
        with pytest.raises(KeyError):
            await catalog.entity(session, "no_such_table")


async def test_reflected_tables_page_write_and_count_impact(db: SessionManager) -> None:
    catalog = ReflectedCatalog()
    async with db.read_session() as session:
        view = await catalog.entity(session, "order_totals")
        users = await catalog.entity(session, "user")
        students = await catalog.entity(session, "students")
        await catalog.entity(session, "order")
        totals = await EntityRepository(view, session).page(TableQuery(sort="order_id"))
        ann = (await EntityRepository(users, session).page(TableQuery(), limit=1)).rows[0]
        impact = await EntityRepository(users, session).delete_impact(users.key_of(ann))
        linked = await EntityRepository(students, session).page(
            TableQuery(filters=(Filter("courses", "linked", (1,)),))
        )
    assert view.is_view and view.read_only_reason and "view" in view.read_only_reason
    assert [r["order_id"] for r in totals.rows] == [1, 2, 3]
    assert str(impact) == (
        "cannot delete: 2 orders reference it (order.customer_id, ON DELETE RESTRICT)"
    )
    assert [r["id"] for r in linked.rows] == [1, 2]
    async with db.session() as session:
        repo = EntityRepository(await catalog.entity(session, "employees"), session)
        key = await repo.insert(
            {"full_name": "R", "email": "r@example.com", "hired_on": date(2025, 1, 1)}
        )
    assert key == (5,)


async def test_list_tables_with_counts_and_the_view(db: SessionManager) -> None:
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as connection:
            conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    async with db.read_session() as session:
        tables = await list_tables(session, None)
    by_name = {t.name: t for t in tables}
    expected = sample_rows.row_counts()
    assert {n: by_name[n].estimated_rows for n in expected} == expected
    # a small SQLite file is counted; PostgreSQL's numbers are the catalog's estimates
    assert {by_name[n].exact for n in expected} == {db.engine.dialect.name == "sqlite"}
    assert by_name["order_totals"] == TableInfo("order_totals", None, True)
    assert not any(t.is_view for n, t in by_name.items() if n != "order_totals")


async def test_sqlite_counts_only_when_cheap(fixture_database: Callable[[str], str]) -> None:
    async with fixture_manager(fixture_database, "sqlite") as db, db.read_session() as session:
        tables = await list_tables(session, None, cheap_count_bytes=0)
    assert {t.estimated_rows for t in tables} == {None}
    assert not any(t.exact for t in tables)
    assert "order" in {t.name for t in tables}


@pytest.mark.postgres
async def test_list_tables_of_300_tables_within_a_second(pg_database: str) -> None:
    import asyncpg

    ddl = ";".join(
        f'CREATE TABLE "t{i:03}" (id serial PRIMARY KEY, name text); '
        f"INSERT INTO \"t{i:03}\" (name) VALUES ('a'), ('b')"
        for i in range(300)
    )
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=pg_database)
    try:
        await conn.execute(ddl)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    manager = SessionManager(pg_settings(pg_database))
    try:
        async with manager.read_session() as session:
            await session.execute(text("SELECT 1"))  # connected: time the listing only
            started = time.perf_counter()
            tables = await list_tables(session, None)
            elapsed = time.perf_counter() - started
            spec = await ReflectedCatalog().entity(session, "t150")
    finally:
        await manager.dispose()
    assert len(tables) == 300
    assert tables[0] == TableInfo("t000", 2, False)
    assert elapsed < 1.0
    assert spec.primary_key == ("id",)


async def test_a_table_never_analysed_still_shows_its_rows(pg_database: str) -> None:
    """A new table's ``reltuples`` is -1 until ANALYZE: the list falls back to the live row
    count of the statistics collector instead of "rows unknown"."""
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=pg_database)
    try:
        await conn.execute(
            "CREATE TABLE fresh (id serial PRIMARY KEY); INSERT INTO fresh DEFAULT VALUES; "
            "INSERT INTO fresh DEFAULT VALUES; INSERT INTO fresh DEFAULT VALUES"
        )
        assert await conn.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'fresh'") < 0
    finally:
        await conn.close()
    manager = SessionManager(pg_settings(pg_database))
    try:
        for _ in range(50):  # the collector publishes counts within about a second
            async with manager.read_session() as session:
                tables = await list_tables(session, None)
            if tables[0].estimated_rows:
                break
            await asyncio.sleep(0.1)
    finally:
        await manager.dispose()
    assert tables == [TableInfo("fresh", 3, False)]


async def test_schema_other_than_public(pg_database: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=pg_database)
    try:
        await conn.execute(
            "CREATE SCHEMA shop; CREATE TABLE shop.item (id int PRIMARY KEY, label text NOT NULL"
            " UNIQUE); CREATE TABLE shop.part (id int PRIMARY KEY, item_id int REFERENCES "
            "shop.item ON DELETE CASCADE); INSERT INTO shop.item VALUES (1, 'one');"
            "INSERT INTO shop.part VALUES (1, 1), (2, 1); CREATE TABLE public.other (id int)"
        )
    finally:
        await conn.close()
    manager = SessionManager(pg_settings(pg_database))
    manager.unlock()
    try:
        async with manager.read_session() as session:
            tables = await list_tables(session, "shop")
            catalog = ReflectedCatalog(schema="shop")
            item = await catalog.entity(session, "item")
            impact = await EntityRepository(item, session).delete_impact((1,))
            count = await EntityRepository(item, session).count(TableQuery())
    finally:
        await manager.dispose()
    assert [t.name for t in tables] == ["item", "part"]
    assert item.name == "item" and item.label_column == "label"
    assert str(impact) == "deletes 2 parts"
    assert count.value == 1


test_schema_other_than_public = pytest.mark.postgres(test_schema_other_than_public)


async def test_sqlite_list_of_300_tables_within_a_second(tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "".join(
            f'CREATE TABLE "t{i:03}" (id INTEGER PRIMARY KEY, name TEXT);'
            f'INSERT INTO "t{i:03}" (name) VALUES {", ".join(["(1)"] * (i % 4))};'
            if i % 4
            else f'CREATE TABLE "t{i:03}" (id INTEGER PRIMARY KEY, name TEXT);'
            for i in range(300)
        )
        + "CREATE VIRTUAL TABLE notes USING fts5(body); INSERT INTO notes VALUES ('x');"
    )
    conn.commit()
    conn.close()
    async with manager_for(f"sqlite:///{path}") as db, db.read_session() as session:
        started = time.perf_counter()
        tables = await list_tables(session, None)
        elapsed = time.perf_counter() - started
    by_name = {t.name: t.estimated_rows for t in tables}
    assert len([n for n in by_name if n.startswith("t")]) == 300
    assert [by_name[f"t{i:03}"] for i in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert by_name["notes"] is None  # a virtual table: not counted
    assert elapsed < 1.0


@pytest.mark.postgres
async def test_json_column_without_equality_is_checked_for_conflicts(pg_database: str) -> None:
    """PostgreSQL's json type has no `=`: its original value is compared after a locked read."""
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=pg_database)
    try:
        await conn.execute(
            "CREATE TABLE doc (id int PRIMARY KEY, data json, title text);"
            "INSERT INTO doc VALUES (1, '{\"a\": [1, 2]}', 't')"
        )
    finally:
        await conn.close()
    manager = SessionManager(pg_settings(pg_database))
    manager.unlock()
    try:
        catalog = ReflectedCatalog()
        async with manager.read_session() as session:
            spec = await catalog.entity(session, "doc")
            original = await EntityRepository(spec, session).get((1,))
        assert original["data"] == {"a": [1, 2]}
        async with manager.session() as session:
            await EntityRepository(spec, session).update((1,), {"data": {"a": 3}}, original)
        with pytest.raises(StaleRecordError):
            async with manager.session() as session:
                await EntityRepository(spec, session).update((1,), {"data": {"b": 1}}, original)
        async with manager.read_session() as session:
            now = await EntityRepository(spec, session).get((1,))
        assert now["data"] == {"a": 3}
    finally:
        await manager.dispose()
