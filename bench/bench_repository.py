"""Repository keyset pages, full-text search, sorts and tag filters on 1,000,000 posts.

usage: python bench/bench_repository.py [--backend sqlite|postgres|both] [--sqlite PATH]
                                        [--pg DBNAME] [--repeat N]
Build the databases first: python bench/build_db.py

Measured in one run, per backend (medians of --repeat runs after warm-up):
  * the Posts screen's repository (EntityRepository with the demo's PostAdmin)
    .page(TableQuery(sort="id"), limit=50): the first page, and the page after
    the row at depth 900,000 (cursor read with one direct query);
    targets: depth <= 1.5x first page; repository <= 3x the same SQL statements (captured
    from the engine while the repository ran) replayed on the raw driver (aiosqlite/asyncpg);
  * full-text search, first page of 50 (target <= 20 ms median on SQLite);
  * first page sorted by each sortable column, and filtered by a tag (target <= 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from _common import (
    DEFAULT_PG_DB,
    DEFAULT_SQLITE,
    median,
    pg_target,
    row,
    sqlite_target,
    timed,
    timed_pair,
)
from sqlalchemy import event, text

from tui.config import Settings
from tui.db.session import SessionManager
from tui.demo.registry import demo_registry
from tui.entities.query import Cursor, Filter, TableQuery
from tui.entities.repository import EntityRepository

#: The list columns the Posts screen can sort by.
SORTS = ("id", "title", "slug", "created_at", "is_published", "author_id")


def posts_repository(session: Any) -> EntityRepository:
    """Posts as the Posts screen reads them (the tags column, full-text search, the author
    sorted by username); the screen then labels each page's authors with one more query."""
    registry = demo_registry()
    spec = registry.labelled(registry.known("posts"))
    return EntityRepository(spec, session, registry.admin("posts"))


DEPTH = 900_000
SEARCHES = ("hotel", "science", "quickly", "tree", "hotel science", "nothing_matches_this")


class RawDriver:
    """Replays captured statements on the bare async driver."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: Any = None

    async def open(self) -> None:
        if self.settings.is_sqlite:
            import aiosqlite

            self.conn = await aiosqlite.connect(self.settings.url().database)
            await self.conn.execute("PRAGMA foreign_keys=ON")
        else:
            import asyncpg

            url = self.settings.url()
            self.conn = await asyncpg.connect(
                host=url.host, port=url.port, user=url.username, database=url.database
            )

    async def run(self, statements: list[tuple[str, tuple]]) -> None:
        for sql, params in statements:
            if self.settings.is_sqlite:
                # the driver's quickest form: one hop to its thread (a cursor takes three)
                await self.conn.execute_fetchall(sql, params)
            else:
                await self.conn.fetch(sql, *params)

    async def close(self) -> None:
        await self.conn.close()


async def capture(manager: SessionManager, call: Any) -> list[tuple[str, tuple]]:
    """The (statement, parameters) the engine executes during `call(session)`."""
    seen: list[tuple[str, tuple]] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, tuple(parameters or ())))

    event.listen(manager.engine.sync_engine, "before_cursor_execute", listener)
    try:
        async with manager.session() as session:
            await call(session)
    finally:
        event.remove(manager.engine.sync_engine, "before_cursor_execute", listener)
    return seen


async def bench(settings: Settings, repeat: int) -> dict[str, float]:
    manager = SessionManager(settings)
    raw = RawDriver(settings)
    await raw.open()
    out: dict[str, float] = {}
    try:
        async with manager.engine.connect() as conn:
            total = (await conn.execute(text("select count(*) from posts"))).scalar_one()
            depth = min(DEPTH, int(total * 0.9))
            depth_id = (
                await conn.execute(
                    text("select id from posts order by id limit 1 offset :n"), {"n": depth - 1}
                )
            ).scalar_one()
            tag_id, tag = (
                await conn.execute(
                    text(
                        "select t.id, t.name from tags t join post_tags pt on pt.tag_id = t.id "
                        "group by t.id, t.name order by count(*) desc limit 1"
                    )
                )
            ).one()
        print(f"{settings.masked_url}: {total:,} posts", flush=True)

        by_id = TableQuery(sort="id")
        async with manager.read_session() as session:
            depth_cursor = posts_repository(session).cursor_of({"id": depth_id}, by_id)

        def page(query: TableQuery, after: Cursor | None = None):
            async def call(session) -> Any:
                result = await posts_repository(session).page(query, after, 50)
                assert len(result.rows) == 50 or query.search or query.filters, len(result.rows)
                return result

            return call

        async def repo(call) -> Any:
            async with manager.read_session() as session:
                return await call(session)

        deep_sql = await capture(manager, page(by_id, depth_cursor))
        first_sql = await capture(manager, page(by_id))
        pages = max(repeat, 200)  # a page costs < 1 ms: many rounds, steadier medians
        first, raw_first = map(
            median, await timed_pair(lambda: repo(page(by_id)), lambda: raw.run(first_sql), pages)
        )
        deep, raw_deep = map(
            median,
            await timed_pair(
                lambda: repo(page(by_id, depth_cursor)), lambda: raw.run(deep_sql), pages
            ),
        )
        out.update(first=first, deep=deep, raw_first=raw_first, raw_deep=raw_deep)

        # where the difference goes: the same statements through SQLAlchemy's connection, and
        # the repository inside a session that is already open (no checkout/BEGIN/COMMIT)
        async with manager.engine.connect() as conn:

            async def via_engine(statements=deep_sql) -> None:
                for sql, params in statements:
                    (await conn.exec_driver_sql(sql, params)).all()

            engine_deep = median(await timed(via_engine, repeat))
        async with manager.read_session() as open_session:
            call = page(by_id, depth_cursor)
            in_session = median(await timed(lambda: call(open_session), repeat))

        print("  keyset page of 50 rows (sort by id), repository vs raw driver:")
        row("first page (repository)", f"{first:.2f} ms")
        row(f"page at depth {depth:,} (repository)", f"{deep:.2f} ms")
        row("depth / first", f"{deep / first:.2f}x", "target <= 1.5x", deep / first <= 1.5)
        row(f"first page: raw driver, same {len(first_sql)} statements", f"{raw_first:.2f} ms")
        row(f"depth page: raw driver, same {len(deep_sql)} statements", f"{raw_deep:.2f} ms")
        row("first page: repository / raw", f"{first / raw_first:.2f}x", "target <= 3x",
            first / raw_first <= 3)  # fmt: skip
        row("depth page: repository / raw", f"{deep / raw_deep:.2f}x", "target <= 3x",
            deep / raw_deep <= 3)  # fmt: skip
        row("  depth page: same statements via SQLAlchemy connection", f"{engine_deep:.2f} ms")
        row("  depth page: repository in an already open session", f"{in_session:.2f} ms")

        print("  full-text search, first page of 50:")
        medians = []
        for term in SEARCHES:
            ms = median(await timed(lambda t=term: repo(page(TableQuery(search=t))), repeat))
            medians.append(ms)
            row(f"search {term!r}", f"{ms:.2f} ms")
        target = "target <= 20 ms" if settings.is_sqlite else "(target is for SQLite)"
        overall = median(medians)
        row("median over the searches", f"{overall:.2f} ms", target,
            overall <= 20 if settings.is_sqlite else None)  # fmt: skip
        out["search"] = overall

        print("  first page sorted / filtered (target <= 100 ms):")
        tagged = Filter("tags", "linked", tag_id)
        published = Filter("is_published", "eq", True)
        queries = [(f"sort by {name}", TableQuery(sort=name)) for name in SORTS]
        queries += [(f"sort by {name} desc", TableQuery(sort=name, descending=True))
                    for name in ("created_at", "title")]  # fmt: skip
        queries += [
            (f"filter tag={tag!r}", TableQuery(filters=(tagged,))),
            (f"filter tag={tag!r}, sort created_at desc",
             TableQuery(sort="created_at", descending=True, filters=(tagged,))),
            ("filter published, sort title", TableQuery(sort="title", filters=(published,))),
            ("filter author_id=17", TableQuery(filters=(Filter("author_id", "eq", 17),))),
        ]  # fmt: skip
        worst = 0.0
        for label, query in queries:
            ms = median(await timed(lambda q=query: repo(page(q)), max(5, repeat // 2)))
            worst = max(worst, ms)
            row(label, f"{ms:.2f} ms", "", ms <= 100)
        out["worst_sort_filter"] = worst
    finally:
        await raw.close()
        await manager.dispose()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description="repository benchmarks on 1M posts")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--pg", default=DEFAULT_PG_DB)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        await bench(sqlite_target(args.sqlite), args.repeat)
    if args.backend in ("postgres", "both"):
        await bench(pg_target(args.pg), args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
