"""Shared helpers of the bench scripts: database targets, timing, printing."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tui.config import Settings, load_settings  # noqa: E402

DEFAULT_SQLITE = Path("/tmp/dbtui_bench_1m.db")
DEFAULT_PG_DB = "dbtui_bench_1m"
PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", database="postgres")


def sqlite_target(path: Path) -> Settings:
    return load_settings(None, {"SQLITE_DATABASE": str(path)}, environ={})


def pg_target(database: str, host: str = "127.0.0.1", port: int = 5432) -> Settings:
    values = {
        "ENVIRONMENT": "production",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": database,
    }
    return load_settings(None, values, environ={})


async def pg_admin(sql: str) -> object:
    import asyncpg

    conn = await asyncpg.connect(**PG_ADMIN, timeout=5)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def timed(fn: Callable[[], Awaitable[object]], repeat: int, warmup: int = 2) -> list[float]:
    """Milliseconds of `repeat` awaited calls of `fn` after `warmup` untimed ones."""
    for _ in range(warmup):
        await fn()
    out: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def timed_pair(
    first: Callable[[], Awaitable[object]],
    second: Callable[[], Awaitable[object]],
    repeat: int,
    warmup: int = 5,
) -> tuple[list[float], list[float]]:
    """Milliseconds of `repeat` calls of each of `first` and `second`, interleaved (first,
    second, first, ...) so that both meet the same machine state (CPU clock, caches, thread
    wake-up latency, which varies from minute to minute here)."""
    for _ in range(warmup):
        await first()
        await second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in zip((first, second), times, strict=True):
            started = time.perf_counter()
            await fn()
            out.append((time.perf_counter() - started) * 1000)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  PASS" if ok else "  FAIL")
    print(f"  {label:<52} {value:>14}   {target}{mark}", flush=True)


def run(coro: Awaitable[object]) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]
