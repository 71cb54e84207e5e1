"""Seeding throughput against a plain driver `executemany` of the same rows.

usage: python bench/bench_seed.py [--posts N] [--users N] [--tags N] [--backend ...]

For each backend, two fresh databases at the head revision (full-text triggers / generated
column included):
  1. `tui.seed.seed()` end to end (text generation, SQLAlchemy Core executemany in batches,
     one transaction, SQL log events on), rows per second;
  2. the identical rows (same generator, same seed), pre-built as tuples, inserted with the raw
     driver's `executemany` (aiosqlite / asyncpg) in one transaction: rows per second of the
     insert alone.
Target: (1) >= 50% of (2).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import pg_admin, pg_target, row, sqlite_target

from tui.cli import upgrade_database
from tui.config import Settings
from tui.db.session import SessionManager
from tui.seed import _Generator, seed

TABLES: list[tuple[str, list[str]]] = [
    ("users", ["id", "email", "username", "hashed_password", "full_name", "status",
               "created_at", "updated_at", "deleted_at"]),
    ("user_profiles", ["id", "user_id", "bio", "avatar_url", "location"]),
    ("tags", ["id", "name"]),
    ("posts", ["id", "title", "slug", "content", "is_published", "author_id", "created_at",
               "updated_at"]),
    ("post_tags", ["post_id", "tag_id"]),
]  # fmt: skip


def same_rows(users: int, posts: int, tags: int, seed_value: int) -> dict[str, list[dict]]:
    """The rows `seed()` writes into an empty database with `seed_value`, in its order."""
    gen = _Generator(seed_value, datetime.now(UTC).replace(microsecond=0))
    out: dict[str, list[dict]] = {}
    out["users"] = list(gen.users(1, users))
    out["user_profiles"] = list(gen.profiles(1, range(1, users + 1)))
    out["tags"] = gen.tags(1, tags, set())
    out["posts"] = list(gen.posts(1, posts, range(1, users + 1)))
    out["post_tags"] = list(gen.post_tags(range(1, posts + 1), [t["id"] for t in out["tags"]]))
    return out


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


async def fresh(settings: Settings) -> None:
    manager = SessionManager(settings)
    manager.unlock()
    try:
        await upgrade_database(manager, "heads")
    finally:
        await manager.dispose()


async def raw_sqlite(path: Path, rows: dict[str, list[dict]]) -> float:
    import aiosqlite

    prepared = {
        t: [tuple(_sqlite_value(r[c]) for c in cols) for r in rows[t]] for t, cols in TABLES
    }
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        await db.execute("BEGIN")
        for table, cols in TABLES:
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            await db.executemany(sql, prepared[table])
        await db.execute("COMMIT")
        return time.perf_counter() - started


async def raw_postgres(database: str, rows: dict[str, list[dict]]) -> float:
    import asyncpg

    prepared = {t: [tuple(r[c] for c in cols) for r in rows[t]] for t, cols in TABLES}
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            for table, cols in TABLES:
                marks = ", ".join(f"${i + 1}" for i in range(len(cols)))
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
                await conn.executemany(sql, prepared[table])
        return time.perf_counter() - started
    finally:
        await conn.close()


async def via_seed(settings: Settings, users: int, posts: int, tags: int) -> tuple[float, int]:
    manager = SessionManager(settings)
    manager.unlock()
    try:
        result = await seed(manager, users, posts, tags, 1)
        return result.seconds, result.rows
    finally:
        await manager.dispose()


async def bench(backend: str, users: int, posts: int, tags: int) -> None:
    rows = same_rows(users, posts, tags, 1)
    total = sum(len(v) for v in rows.values())
    if backend == "sqlite":
        paths = [Path(f"/tmp/dbtui_bench_seed_{n}.db") for n in ("raw", "seed")]
        for path in paths:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            await fresh(sqlite_target(path))
        raw_seconds = await raw_sqlite(paths[0], rows)
        seed_seconds, seeded = await via_seed(sqlite_target(paths[1]), users, posts, tags)
    else:
        names = ["dbtui_bench_seed_raw", "dbtui_bench_seed_seed"]
        for name in names:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await pg_admin(f'CREATE DATABASE "{name}"')
            await fresh(pg_target(name))
        raw_seconds = await raw_postgres(names[0], rows)
        seed_seconds, seeded = await via_seed(pg_target(names[1]), users, posts, tags)
        for name in names:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert seeded == total, (seeded, total)
    raw_rate, seed_rate = total / raw_seconds, seeded / seed_seconds
    print(f"{backend}: {total:,} rows ({posts:,} posts)")
    row("raw driver executemany (insert only)", f"{raw_rate:,.0f} rows/s", f"{raw_seconds:.2f} s")
    row("tui.seed.seed() end to end", f"{seed_rate:,.0f} rows/s", f"{seed_seconds:.2f} s")
    ratio = seed_rate / raw_rate
    row("seed / raw throughput", f"{ratio:.0%}", "target >= 50%", ratio >= 0.5)


async def main() -> None:
    parser = argparse.ArgumentParser(description="seeding throughput vs raw executemany")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=100)
    args = parser.parse_args()
    for backend in ("sqlite", "postgres"):
        if args.backend in (backend, "both"):
            await bench(backend, args.users, args.posts, args.tags)


if __name__ == "__main__":
    asyncio.run(main())
