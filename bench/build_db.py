"""Build (or reuse) the benchmark databases: 1,000,000 posts via the seed code.

usage: python bench/build_db.py [--sqlite PATH] [--pg DBNAME] [--backend sqlite|postgres|both]
                                [--posts N] [--users N] [--tags N] [--rebuild]

SQLite goes to /tmp/dbtui_bench_1m.db by default; PostgreSQL to a database `dbtui_bench_1m`
on 127.0.0.1:5432 (created when missing). A database that already holds the requested number
of posts is reused. The schema comes from the real Alembic revisions (full-text objects included).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from _common import DEFAULT_PG_DB, DEFAULT_SQLITE, pg_admin, pg_target, sqlite_target
from sqlalchemy import text

from tui.cli import upgrade_database
from tui.config import Settings
from tui.db.session import SessionManager
from tui.seed import ProgressBar, seed


async def post_count(manager: SessionManager) -> int:
    async with manager.engine.connect() as conn:
        try:
            return (await conn.execute(text("select count(*) from posts"))).scalar_one()
        except Exception:
            return -1


async def build(settings: Settings, users: int, posts: int, tags: int) -> None:
    manager = SessionManager(settings)
    manager.unlock()
    try:
        have = await post_count(manager)
        if have >= posts:
            print(f"reusing {settings.masked_url}: {have:,} posts", flush=True)
            return
        if have > 0:
            raise SystemExit(
                f"{settings.masked_url} holds {have:,} posts (< {posts:,}): use --rebuild"
            )
        if have < 0:
            await upgrade_database(manager, "heads")
        print(f"building {settings.masked_url}: {users:,} users, {posts:,} posts", flush=True)
        bar = ProgressBar(sys.stderr)
        result = await seed(manager, users, posts, tags, 1, bar)
        bar.close()
        print(
            f"  seeded {result.rows:,} rows in {result.seconds:.1f} s "
            f"({result.rows / result.seconds:,.0f} rows/s)",
            flush=True,
        )
        started = time.perf_counter()
        async with manager.engine.connect() as conn:
            if settings.is_sqlite:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
            else:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute("VACUUM ANALYZE")
        print(f"  analyzed in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        await manager.dispose()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--pg", default=DEFAULT_PG_DB)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    if args.backend in ("sqlite", "both"):
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.sqlite}{suffix}").unlink(missing_ok=True)
        await build(sqlite_target(args.sqlite), args.users, args.posts, args.tags)
    if args.backend in ("postgres", "both"):
        if args.rebuild:
            await pg_admin(f'DROP DATABASE IF EXISTS "{args.pg}" WITH (FORCE)')
        exists = await pg_admin(f"select 1 from pg_database where datname = '{args.pg}'")
        if not exists:
            await pg_admin(f'CREATE DATABASE "{args.pg}"')
        await build(pg_target(args.pg), args.users, args.posts, args.tags)


if __name__ == "__main__":
    asyncio.run(main())
