"""Reading on through a SQLite cursor on aiosqlite's thread (`tui.sql.driver_thread`)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from tui.sql.driver_thread import read_span, sqlite_span

ROWS = 2_500


def _rows_query(count: int) -> str:
    return (
        f"with recursive n(x) as (select 1 union all select x + 1 from n where x < {count}) "
        "select x, 'row ' || x from n"
    )


def test_a_span_to_the_end_counts_every_row_and_keeps_the_last() -> None:
    cursor = sqlite3.connect(":memory:").execute(_rows_query(ROWS))
    read, kept, done = read_span(cursor, 3, 60.0)
    assert (read, done) == (ROWS, True)
    assert kept == [
        (ROWS - 2, f"row {ROWS - 2}"),
        (ROWS - 1, f"row {ROWS - 1}"),
        (ROWS, f"row {ROWS}"),
    ]


def test_a_span_out_of_time_stops_after_a_step_and_reads_on_later() -> None:
    cursor = sqlite3.connect(":memory:").execute(_rows_query(ROWS))
    read, kept, done = read_span(cursor, 2, 0.0)
    assert not done and read == 1000 and kept == [(999, "row 999"), (1000, "row 1000")]
    rest, kept, done = read_span(cursor, 1, 60.0)
    assert (read + rest, done, kept) == (ROWS, True, [(ROWS, f"row {ROWS}")])


def test_aiosqlite_still_has_what_the_span_needs(tmp_path: Path) -> None:
    """Fails loudly when aiosqlite renames `Cursor._execute` / `Cursor._cursor`: the SQL
    console would silently fall back to reading batch by batch (slower)."""

    async def check() -> None:
        async with aiosqlite.connect(tmp_path / "x.db") as db:
            cursor = await db.execute(_rows_query(ROWS))
            span = sqlite_span(cursor)
            assert span is not None, "aiosqlite lacks Cursor._execute/_cursor"
            read, kept, done = await span(1, 60.0)
            assert (read, done, kept) == (ROWS, True, [(ROWS, f"row {ROWS}")])
            await cursor.close()

    asyncio.run(check())


def test_a_result_of_a_whole_number_of_steps_ends_too() -> None:
    cursor = sqlite3.connect(":memory:").execute(_rows_query(2_000))
    read, kept, done = read_span(cursor, 2_001, 60.0)
    assert (read, done, len(kept), kept[-1]) == (2_000, True, 2_000, (2_000, "row 2000"))
