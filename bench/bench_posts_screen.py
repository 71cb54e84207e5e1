"""Posts screen on 1,000,000 posts vs 10,000 posts: first rows, paging, memory (issue 4).

Each measurement runs in a fresh child process (so memory figures compare): the app opens on
the Posts screen through Textual's headless pilot; the child reports the time until the first
frame with rows is written (`App._display`), the process's resident memory once start-up's
workers are done, and the time of each further page while paging down (cursor move + keyset
fetch + redraw of every visible line; only the moves that needed a fetch count). Rounds
alternate between the two databases.

    python bench/build_db.py            # the 1M-post SQLite file, once
    python bench/bench_posts_screen.py  # --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import DEFAULT_SQLITE, ROOT, row, sqlite_target

SMALL_DB = Path("/tmp/dbtui_bench_10k.db")
PAGES = 30


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def child(db: Path) -> dict[str, object]:
    from tui.app import make_app
    from tui.widgets.record_table import RecordTable

    started = time.perf_counter()
    app = make_app(sqlite_target(db), initial_mode="posts")
    painted = watch_first_rows_frame(app, started)
    async with app.run_test(size=(160, 50)) as pilot:

        async def settled(table: RecordTable, index: int) -> None:
            while table.row_at(index) is None or table.is_loading:
                await pilot.pause(0.001)
            await pilot.pause()  # the redraw

        table = app.screen.query_one(RecordTable)
        await settled(table, 0)
        while not painted:
            await asyncio.sleep(0.001)
        first_rows = painted[0]
        # Memory once start-up's work is done (count, revision check): whether the revision
        # check had imported Alembic (~15 MiB) by the first rows depends on the machine's load
        await app.workers.wait_for_complete()
        await pilot.pause()
        memory = rss_kib()
        fetches = time_fetches(table)
        # Each further page: the cursor moves a screen down (as `pagedown` does), waits for its
        # rows if they are not there yet, and every visible line is drawn anew. Timed directly:
        # the pilot's own key handling costs ~60 ms per press here.
        moves: list[float] = []
        for _ in range(PAGES):
            began = time.perf_counter()
            table.action_page_down()
            while table.row_at(table.cursor_row) is None:
                await asyncio.sleep(0.0005)
            table._strip_cache.clear()
            for y in range(table.size.height):
                table.render_line(y)
            moves.append((time.perf_counter() - began) * 1000)
            while table.is_loading:  # a prefetch runs on: the next move would find it
                await asyncio.sleep(0.0005)
            await pilot.pause()
        position = table.position_text
    return {
        "first_rows": first_rows,
        "rss_kib": memory,
        "moves": moves,
        "fetches": fetches,
        "position": position,
    }


def watch_first_rows_frame(app: Any, started: float) -> list[float]:
    """Milliseconds from `started` until the first frame written to the terminal once the
    table holds its first rows (filled in later). Not the pilot's `pause()`: that waits for
    the whole process to go idle, so work in other threads after the rows (the revision
    check importing Alembic) would count as time to the first rows."""
    from tui.widgets.record_table import RecordTable

    painted: list[float] = []
    write = app._display

    def display(screen: Any, renderable: Any) -> None:
        write(screen, renderable)
        if painted or renderable is None or app._batch_count:
            return
        table = next(iter(screen.query(RecordTable)), None)
        if table is not None and table.row_at(0) is not None:
            painted.append((time.perf_counter() - started) * 1000)

    app._display = display
    return painted


def time_fetches(table: object) -> list[float]:
    """Milliseconds of each page fetch the table makes from now on (its source, wrapped)."""
    durations: list[float] = []
    source = table._source  # type: ignore[attr-defined]

    def timed(method: Any) -> Any:
        async def call(*args: Any) -> Any:
            began = time.perf_counter()
            try:
                return await method(*args)
            finally:
                durations.append((time.perf_counter() - began) * 1000)

        return call

    for name in ("fetch_after", "fetch_before", "fetch_at"):
        setattr(source, name, timed(getattr(source, name)))
    return durations


def ensure_small_db() -> None:
    if SMALL_DB.exists():
        return
    args = ["--sqlite", str(SMALL_DB), "seed", "--users", "1000", "--posts", "10000"]
    subprocess.run([sys.executable, "-m", "tui", *args, "--seed", "1"], check=True, cwd=ROOT)


def run_child(db: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big", type=Path, default=DEFAULT_SQLITE)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child))))
        return
    if not args.big.exists():
        raise SystemExit(f"{args.big} is missing: run python bench/build_db.py first")
    ensure_small_db()
    run_child(SMALL_DB)  # warm the OS file cache and byte-code caches
    run_child(args.big)
    small, big = [], []
    for _ in range(args.rounds):
        small.append(run_child(SMALL_DB))
        big.append(run_child(args.big))

    def med(results: list[dict[str, object]], key: str) -> float:
        return statistics.median(float(r[key]) for r in results)  # type: ignore[arg-type]

    moves = [m for r in big for m in r["moves"]]  # type: ignore[union-attr]
    fetches = [f for r in big for f in r["fetches"]]  # type: ignore[union-attr]
    first_small, first_big = med(small, "first_rows"), med(big, "first_rows")
    mem_small, mem_big = med(small, "rss_kib"), med(big, "rss_kib")
    print(f"Posts screen, {args.rounds} rounds (median), {PAGES} pages each; {args.big}")
    print(f"  last position on 1M: {big[-1]['position']}")
    row("first rows, 10,000 posts", f"{first_small:.0f} ms")
    row("first rows, 1,000,000 posts", f"{first_big:.0f} ms")
    ratio = first_big / first_small
    row("first rows 1M / 10k", f"{ratio:.2f}x", "target <= 1.2x", ratio <= 1.2)
    for label, values in (("page move + redraw", moves), ("page fetch (100 rows)", fetches)):
        middle, p95 = statistics.median(values), sorted(values)[int(len(values) * 0.95)]
        row(f"{label} on 1M, median of {len(values)}", f"{middle:.1f} ms", "target <= 20 ms",
            middle <= 20)  # fmt: skip
        row(f"{label} on 1M, 95th percentile", f"{p95:.1f} ms")
    row("memory after opening, 10,000 posts", f"{mem_small / 1024:.1f} MiB")
    row("memory after opening, 1,000,000 posts", f"{mem_big / 1024:.1f} MiB")
    mem_ratio = mem_big / mem_small
    row("memory 1M / 10k", f"{mem_ratio:.2f}x", "target <= 1.1x", mem_ratio <= 1.1)


if __name__ == "__main__":
    main()
