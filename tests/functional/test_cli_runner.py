"""The in-process `dbtui` of the CLI tests (`cli_runner.run_cli`): exit codes as a process has
them, and nothing left behind in the test process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import alembic  # noqa: F401  (its logger's NullHandler comes with the import, not with a run)

from tests.functional.cli_runner import Run, _logging_state, _restore_logging, run_cli
from tests.migration_fixtures import other_project
from tui import __version__


def process_state() -> dict[str, object]:
    theirs = logging.getLogger("alembic")
    return {
        "environment": dict(os.environ),
        "folder": os.getcwd(),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
        "root handlers": list(logging.getLogger().handlers),
        "root level": logging.getLogger().level,
        "alembic": (theirs.level, list(theirs.handlers), theirs.propagate),
        "disabled loggers": sorted(
            name
            for name, logger in logging.Logger.manager.loggerDict.items()
            if getattr(logger, "disabled", False)
        ),
        "signals": [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)],
        "policy": asyncio.get_event_loop_policy(),
        "threads": set(threading.enumerate()),
        "path": list(sys.path),
    }


async def test_a_run_inside_an_event_loop_leaves_the_process_as_it_was(tmp_path: Path) -> None:
    """A migration whose env.py calls `fileConfig`, with a variable and input of its own, from
    an async test (its loop running): the command sees them, the test process keeps its own."""
    loop = asyncio.get_running_loop()
    ini = other_project(tmp_path / "shop")
    before = process_state()
    args = ("migrate", "--alembic-config", str(ini))
    run = run_cli(*args, cwd=tmp_path, env={"SQLITE_DATABASE": "mine.db"}, stdin="y\n")
    assert run.code == 0, run
    assert "upgrade 0004_branch_a: branch_a table" in run.out
    assert "upgraded to 0004_branch_a (sqlite+aiosqlite:///mine.db)" in run.out
    assert (tmp_path / "mine.db").is_file() and not Path("mine.db").exists()
    assert process_state() == before
    assert asyncio.get_running_loop() is loop and not loop.is_closed()


def test_exit_codes_are_a_processs(tmp_path: Path) -> None:
    assert run_cli("--version", cwd=tmp_path) == Run(0, f"dbtui {__version__}\n", "")
    run = run_cli("--no-such-flag", cwd=tmp_path)
    assert run.code == 2 and run.out == ""
    assert (
        run.err.startswith("usage: dbtui") and "unrecognized arguments: --no-such-flag" in run.err
    )
    run = run_cli("check", cwd=tmp_path)
    assert run.code == 1 and run.err.startswith("dbtui: error: SQLite database file does not")


def test_a_logger_changed_by_a_run_is_put_back_and_named() -> None:
    ours = logging.getLogger("tui.test_cli_runner")
    saved = _logging_state()
    handler = logging.StreamHandler()
    ours.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    logging.getLogger("tui.test_cli_runner.new").addHandler(logging.NullHandler())  # as Alembic
    assert _restore_logging(saved) == ["tui.test_cli_runner"]
    assert ours.handlers == [] and ours.level == logging.NOTSET
    assert _restore_logging(saved) == []
