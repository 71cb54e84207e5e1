"""Reading on through a SQLite cursor on aiosqlite's own thread, in one call.

aiosqlite runs every call on the connection's thread and hands each result back to the event
loop; read that way, every row is built on that thread and freed on the UI's, a round trip per
batch. `sqlite_span` instead steps through the rows for a while on the driver's thread and
returns only the count and the last few, as a bare `sqlite3` loop would. It needs two private
names of aiosqlite (`Cursor._execute`, `Cursor._cursor`, stable since 0.17); without them it
answers None and the caller reads batch by batch (correct, slower).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

#: Rows per `fetchmany` on the driver's thread (what a bare loop would use).
STEP = 1000


def sqlite_span(
    cursor: Any,
) -> Callable[[int, float], Awaitable[tuple[int, list[Any], bool]]] | None:
    """`span(keep, seconds)` for an aiosqlite cursor, or None when aiosqlite lacks the names
    it needs."""
    run = getattr(cursor, "_execute", None)
    raw = getattr(cursor, "_cursor", None)
    if run is None or raw is None or not hasattr(raw, "fetchmany"):
        return None

    async def span(keep: int, seconds: float) -> tuple[int, list[Any], bool]:
        result: tuple[int, list[Any], bool] = await run(read_span, raw, keep, seconds)
        return result

    return span


def read_span(cursor: Any, keep: int, seconds: float) -> tuple[int, list[Any], bool]:
    """Fetch from a DB-API `cursor` for about `seconds` or to its end: (rows read, the last
    `keep` of them, whether the end was reached)."""
    deadline = time.perf_counter() + seconds
    kept: list[Any] = []
    read = 0
    while True:
        rows = cursor.fetchmany(STEP)
        got = len(rows)
        read += got
        kept = tail(kept, rows, keep)
        del rows  # each batch dies young: no row lives on into the next fetch
        if got < STEP:
            return read, kept, True
        if time.perf_counter() >= deadline:
            return read, kept, False


def tail(kept: list[Any], rows: list[Any], keep: int) -> list[Any]:
    """The last `keep` of `kept` followed by `rows`."""
    if len(rows) >= keep:
        return rows[len(rows) - keep :]
    return (kept + rows)[-keep:] if keep else []
