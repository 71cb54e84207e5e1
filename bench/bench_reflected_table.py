"""A reflected table of 1,000,000 rows with only its primary key indexed (issue 12).

usage: python bench/bench_reflected_table.py [--backend sqlite|postgres|both] [--sqlite PATH]
                                             [--pg DBNAME] [--rounds N] [--pages N] [--rebuild]

Builds (or reuses) two tables, ``big_items`` (1,000,000 rows) and ``small_items`` (10,000
rows), same columns, only the primary key indexed, in a SQLite file and a PostgreSQL database.
Measured in one run, per backend, medians over --rounds:
  * first rows: a new `ReflectedCatalog` reflects the table, then `EntityRepository.page`
    reads the first 50 rows (each round on a fresh catalog, as when dbtui opens the table);
    target: 1M <= 1.2x 10k;
  * opening the 1M table reflected vs with a declared `Table` (as `--models` gives it);
    target <= 2x;
  * each further page: keyset pages of 50 one after another from the start (a read session
    per page, as the app's workers do); target <= 20 ms median;
  * for information: the row count (SQLite exact; PostgreSQL estimated), and a first page
    sorted by an unindexed column (a scan; the screen says so).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time
from pathlib import Path

from _common import median, pg_admin, pg_target, row, sqlite_target
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, text

from tui.config import Settings
from tui.db.session import SessionManager
from tui.entities.catalog import ReflectedCatalog, TableInfo, list_tables
from tui.entities.introspect import entity_from_table
from tui.entities.query import TableQuery
from tui.entities.repository import EntityRepository

DEFAULT_SQLITE = Path("/tmp/dbtui_bench_reflected.db")
DEFAULT_PG = "dbtui_bench_reflected"
SIZES = {"big_items": 1_000_000, "small_items": 10_000}


def declared(name: str) -> Table:
    """The same table as an application's models would declare it."""
    return Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(100), nullable=False),
        Column("amount", Integer, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("note", String(200)),
    )


def build_sqlite(path: Path, rebuild: bool) -> None:
    if rebuild and path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    try:
        for name, size in SIZES.items():
            have = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()[0]
            if have and conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == size:
                continue
            conn.executescript(
                f"DROP TABLE IF EXISTS {name};"
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL,"
                " amount INTEGER NOT NULL, created_at DATETIME NOT NULL, note VARCHAR(200));"
            )
            conn.execute(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                f"INSERT INTO {name} SELECT i, 'item ' || i, (i * 7919) % 100000, "
                "datetime('2024-01-01', '+' || (i % 100000) || ' minutes'), "
                "CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END FROM n",
                (size,),
            )
            conn.commit()
    finally:
        conn.close()


async def build_pg(database: str, rebuild: bool) -> None:
    import asyncpg

    exists = await pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if exists and rebuild:
        await pg_admin(f'DROP DATABASE "{database}" WITH (FORCE)')
        exists = None
    if not exists:
        await pg_admin(f'CREATE DATABASE "{database}"')
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        for name, size in SIZES.items():
            have = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name)
            if have and await conn.fetchval(f"SELECT count(*) FROM {name}") == size:
                continue
            await conn.execute(
                f"DROP TABLE IF EXISTS {name};"
                f"CREATE TABLE {name} (id integer PRIMARY KEY, name varchar(100) NOT NULL,"
                " amount integer NOT NULL, created_at timestamp NOT NULL, note varchar(200));"
                f"INSERT INTO {name} SELECT i, 'item ' || i, (i::bigint * 7919) % 100000, "
                "timestamp '2024-01-01' + (i % 100000) * interval '1 minute', "
                f"CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END "
                f"FROM generate_series(1, {size}) AS i;"
                f"ANALYZE {name};"
            )
    finally:
        await conn.close()


async def first_rows(
    manager: SessionManager, name: str, reflect: bool, tables: list[TableInfo]
) -> float:
    """Milliseconds from the table list (`tables`, read once at start-up) to the first 50
    rows of `name`: reflection of its columns included."""
    started = time.perf_counter()
    async with manager.read_session() as session:
        if reflect:
            catalog = ReflectedCatalog()
            catalog.remember(tables)
            spec = await catalog.entity(session, name)
        else:
            spec = entity_from_table(declared(name))
        page = await EntityRepository(spec, session).page(TableQuery(), limit=50)
    assert len(page.rows) == 50
    return (time.perf_counter() - started) * 1000


async def bench(settings: Settings, rounds: int, pages: int) -> None:
    manager = SessionManager(settings)
    try:
        print(f"{settings.masked_url}:", flush=True)
        async with manager.read_session() as session:
            started = time.perf_counter()
            tables = await list_tables(session)
            listed_ms = (time.perf_counter() - started) * 1000
        row(f"table list ({len(tables)} tables, once)", f"{listed_ms:.2f} ms")
        for name in SIZES:  # warm-up: connections, statement compilation
            await first_rows(manager, name, True, tables)
            await first_rows(manager, name, False, tables)
        big, small, declared_big = [], [], []
        for _ in range(rounds):  # interleaved, so all meet the same machine state
            big.append(await first_rows(manager, "big_items", True, tables))
            small.append(await first_rows(manager, "small_items", True, tables))
            declared_big.append(await first_rows(manager, "big_items", False, tables))
        big_ms, small_ms, declared_ms = median(big), median(small), median(declared_big)
        row("first rows, reflected 10,000 rows", f"{small_ms:.2f} ms")
        row("first rows, reflected 1,000,000 rows", f"{big_ms:.2f} ms")
        ratio = big_ms / small_ms
        row("1M / 10k", f"{ratio:.2f}x", "target <= 1.2x", ratio <= 1.2)
        row("first rows, 1M declared (as --models)", f"{declared_ms:.2f} ms")
        ratio = big_ms / declared_ms
        # the 2x is for opening the screen (mount, first page, count, paint); this
        # is the data layer alone, where reflection's catalog queries weigh far more
        row("reflected / declared (data layer only)", f"{ratio:.2f}x", "(screen: <= 2x)")

        async with manager.read_session() as session:
            spec = await ReflectedCatalog().entity(session, "big_items")
        query = TableQuery()
        times: list[float] = []
        cursor = None
        for _ in range(pages):
            started = time.perf_counter()
            async with manager.read_session() as session:
                page = await EntityRepository(spec, session).page(query, cursor, limit=50)
            times.append((time.perf_counter() - started) * 1000)
            cursor = page.next_cursor
        times.sort()
        page_ms = median(times)
        row(f"further pages of 50 ({pages} in a row), median", f"{page_ms:.2f} ms",
            "target <= 20 ms", page_ms <= 20)  # fmt: skip
        row("  p95", f"{times[int(len(times) * 0.95) - 1]:.2f} ms")
        async with manager.read_session() as session:
            repo = EntityRepository(spec, session)
            started = time.perf_counter()
            count = await repo.count(query)
            count_ms = (time.perf_counter() - started) * 1000
            row(f"row count ({count})", f"{count_ms:.2f} ms")
            started = time.perf_counter()
            await repo.page(TableQuery(sort="amount"), limit=50)
            scan_ms = (time.perf_counter() - started) * 1000
            row("first page sorted by an unindexed column (a scan)", f"{scan_ms:.2f} ms")
        async with manager.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await manager.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        started = time.perf_counter()
        build_sqlite(args.sqlite, args.rebuild)
        print(f"SQLite file ready in {time.perf_counter() - started:.1f} s", flush=True)
        asyncio.run(bench(sqlite_target(args.sqlite), args.rounds, args.pages))
    if args.backend in ("postgres", "both"):
        started = time.perf_counter()
        asyncio.run(build_pg(args.pg, args.rebuild))
        print(f"PostgreSQL database ready in {time.perf_counter() - started:.1f} s", flush=True)
        asyncio.run(bench(pg_target(args.pg), args.rounds, args.pages))


if __name__ == "__main__":
    main()
