"""Any table's screen (issue 12): a reflected 1,000,000-row table with only its key indexed
against 10,000 rows, reflected against declared (``--models``), and paging.

usage: python bench/bench_table_screen.py [--backend sqlite|postgres] [--rounds N]

Uses the tables `bench_reflected_table.py` builds (run it once first). Each measurement runs in
a fresh child process through Textual's headless pilot: the app starts on its table list, then
opens the table as `enter` does; the child reports the time from that moment to the first frame
written with rows (`App._display`), resident memory once the table's workers are done, and the
time of each further page while paging down (cursor move + keyset fetch + redraw). Rounds
alternate, so every variant meets the same machine state. Targets: first rows 1M <= 1.2x 10k;
reflected <= 2x declared; each further page <= 20 ms; memory 1M <= 1.1x 10k.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from _common import ROOT, pg_target, row, sqlite_target
from bench_posts_screen import rss_kib, watch_first_rows_frame
from bench_reflected_table import DEFAULT_PG, DEFAULT_SQLITE, declared

PAGES = 30


async def child(backend: str, table_name: str, reflect: bool) -> dict[str, object]:
    from sqlalchemy import MetaData

    from tui.app import make_app
    from tui.entities.models_source import LoadedModels
    from tui.entities.registry import Registry
    from tui.screens.table import TableScreen
    from tui.screens.tables import TablesScreen
    from tui.widgets.record_table import RecordTable

    settings = sqlite_target(DEFAULT_SQLITE) if backend == "sqlite" else pg_target(DEFAULT_PG)
    if reflect:
        registry = Registry.reflecting()
    else:
        metadata = MetaData()
        declared(table_name).to_metadata(metadata)
        registry = Registry.from_models(LoadedModels(metadata, None), "bench")
    app = make_app(settings, registry=registry)
    async with app.run_test(size=(160, 50)) as pilot:
        while not (isinstance(app.screen, TablesScreen) and app.screen.tables):
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        started = time.perf_counter()
        painted = watch_first_rows_frame(app, started)
        app.screen.open_table(table_name)
        while not isinstance(app.screen, TableScreen):
            await asyncio.sleep(0.001)
        table = app.screen.query_one(RecordTable)
        while not painted:
            await asyncio.sleep(0.001)
        first_rows = painted[0]
        await app.workers.wait_for_complete()
        await pilot.pause()
        memory = rss_kib()
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
            while table.is_loading:
                await asyncio.sleep(0.0005)
            await pilot.pause()
    return {"first_rows": first_rows, "rss_kib": memory, "moves": moves}


def run_child(backend: str, table_name: str, reflect: bool) -> dict[str, Any]:
    args = [backend, table_name, "reflect" if reflect else "models"]
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        backend, table_name, kind = args.child
        print(json.dumps(asyncio.run(child(backend, table_name, kind == "reflect"))))
        return
    variants = {
        "10k reflected": ("small_items", True),
        "1M reflected": ("big_items", True),
        "1M declared": ("big_items", False),
    }
    for name, reflect in variants.values():  # warm caches
        run_child(args.backend, name, reflect)
    results: dict[str, list[dict[str, Any]]] = {label: [] for label in variants}
    for _ in range(args.rounds):
        for label, (name, reflect) in variants.items():
            results[label].append(run_child(args.backend, name, reflect))

    def med(label: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in results[label])

    print(f"Table screen ({args.backend}), {args.rounds} rounds (median), {PAGES} pages each")
    for label in variants:
        row(f"first rows, {label}", f"{med(label, 'first_rows'):.0f} ms")
    ratio = med("1M reflected", "first_rows") / med("10k reflected", "first_rows")
    row("first rows 1M / 10k (reflected)", f"{ratio:.2f}x", "target <= 1.2x", ratio <= 1.2)
    ratio = med("1M reflected", "first_rows") / med("1M declared", "first_rows")
    row("opening reflected / declared (1M)", f"{ratio:.2f}x", "target <= 2x", ratio <= 2)
    moves = [m for r in results["1M reflected"] for m in r["moves"]]
    middle, p95 = statistics.median(moves), sorted(moves)[int(len(moves) * 0.95)]
    row("page move + redraw on 1M, median", f"{middle:.1f} ms", "target <= 20 ms", middle <= 20)
    row("page move + redraw on 1M, 95th percentile", f"{p95:.1f} ms")
    small, big = med("10k reflected", "rss_kib"), med("1M reflected", "rss_kib")
    row("memory after opening, 10k / 1M", f"{small / 1024:.1f} / {big / 1024:.1f} MiB")
    ratio = big / small
    row("memory 1M / 10k", f"{ratio:.2f}x", "target <= 1.1x", ratio <= 1.1)


if __name__ == "__main__":
    main()
