"""Start-up time through a pseudo-terminal: an empty Textual app against dbtui, in one run.

usage: python bench/bench_startup.py [--rounds N] [--db PATH] [--size 160x50]

Each round launches, in a detached tmux pane (polled every 10 ms until a pattern shows),
  1. an empty Textual app (one Static) until its text is painted;
  2. the same app after importing SQLAlchemy (asyncio, ORM) and pydantic-settings: the floor
     the issue names ("textual + sqlalchemy + pydantic-settings alone costs about 2.2x");
  3. `python -m tui --sqlite DB` until the header shows the environment (first frame) and
     until the first rows of the Users screen show (a seeded username).
The seeded SQLite file (1,000 users, 10,000 posts, at head) is built on first use.
Targets: first frame <= 1.5x the empty app; first Users rows <= 3x (issue 12). Medians of
the rounds.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import ROOT, row

from tui.config import SETTING_NAMES

DEFAULT_DB = Path("/tmp/dbtui_bench_startup.db")
# A private tmux server (own socket) kept alive by an idle session for the whole run, so that
# launches neither race the server's exit nor meet other people's sessions.
TMUX = ["tmux", "-L", f"dbtui_bench_{os.getpid()}"]
EMPTY_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Static


class Empty(App):
    def compose(self) -> ComposeResult:
        yield Static("EMPTY-APP-READY")


Empty().run()
"""
FLOOR_APP = "import sqlalchemy.ext.asyncio, sqlalchemy.orm, pydantic_settings\n" + EMPTY_APP


def launch(
    cmd: list[str], patterns: list[str], cwd: Path, size: str, timeout: float
) -> list[float]:
    """Seconds from launch until each regex in `patterns` is on the screen (in order)."""
    width, height = size.split("x")
    name = "bs" + uuid.uuid4().hex[:8]
    # PYTHONDONTWRITEBYTECODE (set in this sandbox) would make every launch compile our modules
    # from source: Python's default, byte-code cached by the warm-up launch, is what users run
    unset = " ".join(f"-u {n}" for n in (*SETTING_NAMES, "PYTHONDONTWRITEBYTECODE"))
    shell = f"cd {shlex.quote(str(cwd))} && exec env {unset} {shlex.join(cmd)}"
    compiled = [re.compile(p) for p in patterns]
    times: list[float] = []
    started = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", name, "-x", width, "-y", height, shell], check=True
    )
    try:
        for pattern in compiled:
            while True:
                screen = subprocess.run(
                    [*TMUX, "capture-pane", "-p", "-t", name], capture_output=True, text=True
                ).stdout
                if pattern.search(screen):
                    times.append(time.perf_counter() - started)
                    break
                if time.perf_counter() - started > timeout:
                    tail = "\n".join(line for line in screen.splitlines() if line.strip())
                    raise SystemExit(f"{pattern.pattern!r} did not show in {timeout}s:\n{tail}")
                time.sleep(0.01)  # each poll is a tmux client process: polling costs CPU
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", name], capture_output=True)
    return times


def ensure_db(path: Path) -> None:
    if path.exists():
        return
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--sqlite", str(path), "seed", "--users", "1000",
         "--posts", "10000", "--tags", "50", "--seed", "1"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr)


def first_usernames(path: Path) -> str:
    """A regex matching any username that a first page of users could start with."""
    orders = ["id", "id desc", "username", "username desc", "created_at desc", "created_at"]
    names: set[str] = set()
    with sqlite3.connect(path) as conn:
        for order in orders:
            sql = f"select username from users where deleted_at is null order by {order} limit 3"
            names.update(r[0] for r in conn.execute(sql))
    return "|".join(re.escape(n) for n in sorted(names))


def main() -> None:
    parser = argparse.ArgumentParser(description="start-up: empty Textual app vs dbtui")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--size", default="160x50")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument(
        "--header-only", action="store_true", help="measure only the first frame (no rows)"
    )
    args = parser.parse_args()
    ensure_db(args.db)
    users = first_usernames(args.db)
    dbtui_patterns = [r"(?i)\bdevelopment\b"] + ([] if args.header_only else [users])
    workdir = Path(tempfile.mkdtemp(prefix="dbtui_startup_"))
    (workdir / "empty_app.py").write_text(EMPTY_APP)
    (workdir / "floor_app.py").write_text(FLOOR_APP)
    empty_cmd = [sys.executable, "empty_app.py"]
    dbtui_cmd = [sys.executable, "-m", "tui", "--sqlite", str(args.db)]
    os.environ.setdefault("PYTHONPATH", str(ROOT))

    subprocess.run([*TMUX, "new-session", "-d", "-s", "keepalive", "sleep 86400"], check=True)
    try:
        measure(args, empty_cmd, dbtui_cmd, dbtui_patterns, workdir)
    finally:
        subprocess.run([*TMUX, "kill-server"], capture_output=True)


def measure(
    args: argparse.Namespace,
    empty_cmd: list[str],
    dbtui_cmd: list[str],
    dbtui_patterns: list[str],
    workdir: Path,
) -> None:
    # warm-up: byte-code caches and the OS file cache
    launch(empty_cmd, ["EMPTY-APP-READY"], workdir, args.size, args.timeout)
    launch(dbtui_cmd, dbtui_patterns, workdir, args.size, args.timeout)

    floor_cmd = [sys.executable, "floor_app.py"]
    empty, floor, header, rows = [], [], [], []
    for _ in range(args.rounds):
        empty += launch(empty_cmd, ["EMPTY-APP-READY"], workdir, args.size, args.timeout)
        floor += launch(floor_cmd, ["EMPTY-APP-READY"], workdir, args.size, args.timeout)
        times = launch(dbtui_cmd, dbtui_patterns, workdir, args.size, args.timeout)
        header.append(times[0])
        rows.append(times[-1])
    e, f, h, r = (statistics.median(v) * 1000 for v in (empty, floor, header, rows))
    print(f"start-up through tmux, {args.rounds} rounds (median), database {args.db}")
    row("empty Textual app: first paint", f"{e:.0f} ms")
    row("same after importing SQLAlchemy + pydantic-settings", f"{f:.0f} ms ({f / e:.2f}x)")
    row("dbtui: first frame (header with environment)", f"{h:.0f} ms")
    row("first frame / empty app", f"{h / e:.2f}x", "target <= 1.5x", h / e <= 1.5)
    if not args.header_only:
        row("dbtui: first rows of the Users screen", f"{r:.0f} ms")
        row("first Users rows / empty app", f"{r / e:.2f}x", "target <= 3x", r / e <= 3)
        # the machine's speed drifts between rounds: each round's own ratio, for comparison
        paired = statistics.median(ri / ei for ri, ei in zip(rows, empty, strict=True))
        row("  median of the per-round ratios (rows / empty)", f"{paired:.2f}x")


if __name__ == "__main__":
    main()
