"""SQL console (issue 13): `select * from posts` on 1,000,000 posts, against the bare driver.

Measured, each app figure in a fresh child process driving the app headless (Textual pilot):

- first rows: from `ctrl+j` to the first frame written with rows (median of warm runs;
  the cold first run is printed too), vs the bare driver's
  `execute` + first 100 rows (sqlite3 / asyncpg cursor) plus one frame (1/60 s);
  target <= 1.5x;
- memory: resident set after the first page vs after moving the cursor 10,000 rows down;
  target <= 1.1x;
- `G`: from the key to the first frame written with the last row (the whole result read) vs
  the bare driver fetching every row through a cursor (`fetchmany(1000)` / asyncpg
  `cursor.fetch(1000)`, nothing kept); target <= 1.5x;
- cancel: from `ctrl+c` to the console idle again for a query that runs for minutes (a
  cross join); target <= 200 ms.

Harlequin (the issue's comparison) is not driven here: it is not a dependency and has no
headless driver; the issue measured 12-13 s to its first rows on the same query.

    python bench/bench_sql_console.py                      # SQLite, builds the file once
    python bench/bench_sql_console.py --backend both       # and PostgreSQL (dbtui_bench_sql)

The posts table is filled by SQL (no faker): id, title, slug, content (~120 characters),
is_published, author_id, created_at, updated_at.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, pg_admin, pg_target, sqlite_target

SQLITE_FILE = Path("/tmp/dbtui_bench_sql_1m.db")
PG_DB = "dbtui_bench_sql"
FRAME_MS = 1000 / 60
SCROLL_ROWS = 10_000
FIRST_ROUNDS = 4
QUERY = "select * from posts"

CREATE = """
create table posts (
    id integer primary key, title varchar(200) not null, slug varchar(250) not null,
    content text not null, is_published boolean not null, author_id integer not null,
    created_at timestamp not null, updated_at timestamp not null)
"""
SQLITE_FILL = """
insert into posts
with recursive n(x) as (select 1 union all select x + 1 from n where x < {rows})
select x, 'Post number ' || x, 'post-' || x,
       'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor '
       || 'incididunt ut labore et dolore ' || x,
       x % 2, 1 + x % 5000, datetime('2024-01-01', '+' || (x % 100000) || ' minutes'),
       datetime('2024-01-01', '+' || (x % 100000) || ' minutes')
from n
"""
PG_FILL = """
insert into posts
select x, 'Post number ' || x, 'post-' || x,
       'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor '
       || 'incididunt ut labore et dolore ' || x,
       x % 2 = 0, 1 + x % 5000, timestamp '2024-01-01' + (x % 100000) * interval '1 minute',
       timestamp '2024-01-01' + (x % 100000) * interval '1 minute'
from generate_series(1, {rows}) as x
"""
SQLITE_ENDLESS = (
    "with recursive n(x) as (select 1 union all select x + 1 from n) select count(*) from n"
)
PG_ENDLESS = "select count(*) from generate_series(1, 100000) a, generate_series(1, 100000) b"


# -- databases ---------------------------------------------------------------------------------
def build_sqlite(path: Path, rows: int) -> None:
    if path.exists():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            if conn.execute("select count(*) from posts").fetchone()[0] == rows:
                return
        path.unlink()
    print(f"building {path} ({rows:,} posts)…", flush=True)
    conn = sqlite3.connect(path)
    conn.execute(CREATE)
    conn.execute(SQLITE_FILL.format(rows=rows))
    conn.commit()
    conn.close()


async def build_pg(database: str, rows: int) -> None:
    import asyncpg

    exists = await pg_admin(f"select 1 from pg_database where datname = '{database}'")
    if not exists:
        await pg_admin(f'create database "{database}"')
    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        have = await conn.fetchval("select to_regclass('posts') is not null")
        if have and await conn.fetchval("select count(*) from posts") == rows:
            return
        print(f"building PostgreSQL {database} ({rows:,} posts)…", flush=True)
        await conn.execute("drop table if exists posts")
        await conn.execute(CREATE)
        await conn.execute(PG_FILL.format(rows=rows))
        await conn.execute("analyze posts")
    finally:
        await conn.close()


# -- the bare driver ---------------------------------------------------------------------------
def bare_sqlite(path: Path) -> tuple[float, float, float]:
    """(ms to execute + the first 100 rows, ms to fetch every row, CPU ms of that)."""
    conn = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        cursor = conn.execute(QUERY)
        cursor.fetchmany(100)
        first = (time.perf_counter() - started) * 1000
        cursor.close()
        started, cpu = time.perf_counter(), time.process_time()
        cursor = conn.execute(QUERY)
        while cursor.fetchmany(1000):
            pass
        return first, (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    finally:
        conn.close()


async def bare_pg(database: str) -> tuple[float, float, float]:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            cursor = await conn.cursor(QUERY)
            await cursor.fetch(100)
        first = (time.perf_counter() - started) * 1000
        started, cpu = time.perf_counter(), time.process_time()
        async with conn.transaction():
            cursor = await conn.cursor(QUERY)
            while await cursor.fetch(1000):  # faster than `async for` over the rows
                pass
        return first, (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    finally:
        await conn.close()


# -- the app, in a child process ----------------------------------------------------------------
def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def child(backend: str, target: str) -> dict[str, Any]:
    os.environ["DBTUI_DATA_DIR"] = tempfile.mkdtemp(prefix="dbtui-bench-")
    from tui.app import make_app
    from tui.screens.sql import SqlScreen
    from tui.widgets.record_table import RecordTable

    settings = sqlite_target(Path(target)) if backend == "sqlite" else pg_target(target)
    app = make_app(settings, initial_mode="sql")
    painted: list[float] = []
    started = [0.0]
    shown = asyncio.Event()
    awaited: list[Any] = [None]  # what the next frame must show: a test of the screen
    write = app._display

    def display(screen: Any, renderable: Any) -> None:
        """Every frame written to the terminal: the first that shows what is awaited is
        timed (no polling loop shares the event loop with the app meanwhile)."""
        write(screen, renderable)
        if awaited[0] is None or renderable is None or not awaited[0](screen):
            return
        painted.append((time.perf_counter() - started[0]) * 1000)
        awaited[0] = None
        shown.set()

    async def frame_showing(test: Any) -> float:
        painted.clear()
        shown.clear()
        awaited[0] = test
        await shown.wait()
        return painted[0]

    def first_rows_of(previous: Any) -> Any:
        def test(screen: Any) -> bool:
            if getattr(screen, "result", None) in (None, previous):
                return False  # still the previous result
            table = next(iter(screen.query(RecordTable)), None)
            return table is not None and table.row_at(0) is not None

        return test

    def last_row(screen: Any) -> bool:
        table = screen.table
        return table.count_known and table.row_at(table.row_count - 1) is not None

    app._display = display
    out: dict[str, Any] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while not isinstance(app.screen, SqlScreen):
            await pilot.pause(0.01)
        await pilot.pause(1.5)  # start-up workers done (revision check, footer)
        screen = app.screen
        firsts = []
        for _ in range(FIRST_ROUNDS):  # the first is cold (modules imported on first use)
            screen.editor.load_text(QUERY)
            await pilot.pause(0.5)
            waiting = asyncio.create_task(frame_showing(first_rows_of(screen.result)))
            started[0] = time.perf_counter()
            await pilot.press("ctrl+j")
            firsts.append(await waiting)
            await pilot.pause(0.3)
        out["cold_first_ms"] = firsts[0]
        out["first_ms"] = statistics.median(firsts[1:])
        table = screen.table
        await pilot.pause(0.2)
        gc.collect()
        out["rss_first_kib"] = rss_kib()
        table.focus()
        while table.cursor_row < SCROLL_ROWS:
            table.move_cursor(row=min(SCROLL_ROWS, table.cursor_row + 50))
            while table.current_row is None or table.is_loading:
                await asyncio.sleep(0.001)
        await pilot.pause(0.2)
        gc.collect()
        out["rss_scrolled_kib"] = rss_kib()
        out["cached_rows"] = table.cached_row_count
        waiting = asyncio.create_task(frame_showing(last_row))
        cpu = time.process_time()
        started[0] = time.perf_counter()
        await pilot.press("G")
        out["to_end_ms"] = await waiting
        out["to_end_cpu_ms"] = (time.process_time() - cpu) * 1000
        out["total"] = table.row_count

        screen.editor.load_text(SQLITE_ENDLESS if backend == "sqlite" else PG_ENDLESS)
        await pilot.press("ctrl+j")
        await asyncio.sleep(1.0)
        assert screen.running, "the long query should still run"
        began = time.perf_counter()
        press = asyncio.create_task(pilot.press("ctrl+c"))  # the pilot waits for idle itself
        while screen.running:
            await asyncio.sleep(0.001)
        out["cancel_ms"] = (time.perf_counter() - began) * 1000
        await press
        out["cancel_status"] = screen.status_text
    return out


def run_child(backend: str, target: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", backend, target],
        capture_output=True,
        text=True,
        cwd=tempfile.mkdtemp(prefix="dbtui-bench-cwd-"),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "FAIL"


def report(backend: str, rounds: list[dict[str, Any]], bare: list[tuple[float, float]]) -> None:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    bare_first = statistics.median(b[0] for b in bare)
    bare_all = statistics.median(b[1] for b in bare)
    first, to_end, cancel = med("first_ms"), med("to_end_ms"), med("cancel_ms")
    first_ratio = first / (bare_first + FRAME_MS)
    memory = med("rss_scrolled_kib") / med("rss_first_kib")
    print(f"\n== {backend}: {QUERY} on {rounds[0]['total']:,} rows ({len(rounds)} rounds) ==")
    print(
        f"first rows: app {first:.0f} ms (first run of the screen, cold: "
        f"{med('cold_first_ms'):.0f} ms); bare driver {bare_first:.1f} ms + one frame "
        f"{FRAME_MS:.1f} ms -> {first_ratio:.2f}x (target <= 1.5x) {verdict(first_ratio, 1.5)}"
    )
    print(
        f"memory: {med('rss_first_kib') / 1024:.1f} MiB after the first page, "
        f"{med('rss_scrolled_kib') / 1024:.1f} MiB after {SCROLL_ROWS:,} rows -> "
        f"{memory:.3f}x (target <= 1.1x) {verdict(memory, 1.1)}; "
        f"rows held by the table: {rounds[0]['cached_rows']}"
    )
    print(
        f"G to the end: app {to_end:.0f} ms; bare driver {bare_all:.0f} ms -> "
        f"{to_end / bare_all:.2f}x (target <= 1.5x) {verdict(to_end / bare_all, 1.5)}"
    )
    bare_cpu, app_cpu = statistics.median(b[2] for b in bare), med("to_end_cpu_ms")
    print(
        f"   CPU time of that (this process, all threads; not the server's): app "
        f"{app_cpu:.0f} ms, bare driver {bare_cpu:.0f} ms -> {app_cpu / bare_cpu:.2f}x; "
        f"per round app/bare wall: "
        + ", ".join(f"{r['to_end_ms'] / b[1]:.2f}x" for r, b in zip(rounds, bare, strict=True))
    )
    print(
        "   first rows per round (app ms / bare + frame ms): "
        + ", ".join(
            f"{r['first_ms'] / (b[0] + FRAME_MS):.2f}x" for r, b in zip(rounds, bare, strict=True)
        )
    )
    print(
        f"cancel: {cancel:.0f} ms (target <= 200 ms) {verdict(cancel, 200)}; "
        f"status: {rounds[0]['cancel_status']!r}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite", type=Path, default=SQLITE_FILE)
    parser.add_argument("--pg", default=PG_DB)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(*args.child))))
        return
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        if backend == "sqlite":
            build_sqlite(args.sqlite, args.rows)
            target = str(args.sqlite)
        else:
            asyncio.run(build_pg(args.pg, args.rows))
            target = args.pg
        rounds, bare = [], []
        for _ in range(args.rounds):  # alternate: both meet the same machine state
            if backend == "sqlite":
                bare.append(bare_sqlite(args.sqlite))
            else:
                bare.append(asyncio.run(bare_pg(args.pg)))
            rounds.append(run_child(backend, target))
        report(backend, rounds, bare)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
