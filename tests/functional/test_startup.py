"""Start-up without settings (the `dbtui` app path): the first frame shows the environment
before the settings load, then the rows; invalid settings end the app with one line, code 1."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import tui.app
import tui.startup
from tests.conftest import skip_outside_ci
from tests.functional.test_screen_common import (
    add_user,
    database,
    local_sqlite,
    screen_text,
    settle,
)
from tests.unit.test_import_hygiene import FIRST_ROWS_NEVER
from tui.app import make_app
from tui.screens.table import TableScreen


def hold(monkeypatch: pytest.MonkeyPatch, *names: str) -> threading.Event:
    """Each `tui.startup.<name>` (run in a worker thread) waits until the returned event is
    set."""
    go_on = threading.Event()

    def held(original: Any) -> Any:
        def wait_then_call(*args: Any) -> Any:
            go_on.wait(10)
            return original(*args)

        return wait_then_call

    for name in names:
        monkeypatch.setattr(tui.startup, name, held(getattr(tui.startup, name)))
    return go_on


@pytest.fixture
def held_settings(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Nothing loads until the returned event is set (to look at the first frame)."""
    return hold(monkeypatch, "load_startup_settings")


async def wait_for(pilot: Any, condition: Any, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def on_users(app: tui.app.DbTuiApp) -> bool:
    """Whether the Users list is on screen."""
    return isinstance(app.screen, TableScreen) and app.screen.spec.name == "users"


async def test_first_frame_shows_the_environment_then_the_rows(
    held_settings: threading.Event,
) -> None:
    async with database(local_sqlite()) as manager:
        await add_user(manager, "first_rows_ann")
    Path(".env").write_text("ENVIRONMENT=production\nSQLITE_DATABASE=other.db\n")
    # flags beat .env: a development SQLite file
    app = make_app(
        None,
        env_file=Path(".env"),
        overrides={"ENVIRONMENT": "development", "SQLITE_DATABASE": "app.db"},
    )
    assert not app.settings_loaded
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        first = screen_text(app)
        assert "DEVELOPMENT" in first and "sqlite+aiosqlite:///app.db" in first
        assert "Loading settings" in first
        assert not on_users(app)
        await pilot.press("1")  # screen keys wait for the settings
        assert not on_users(app)

        held_settings.set()
        for _ in range(500):
            if app.settings_loaded and app.database_ready.is_set():
                break
            await pilot.pause(0.01)
        await settle(app, pilot)
        assert on_users(app)
        assert app.settings.SQLITE_DATABASE == "app.db"
        shown = screen_text(app)
        assert "first_rows_ann" in shown and "DEVELOPMENT" in shown
        assert "Loading settings" not in shown


async def run_to_exit(app: tui.app.DbTuiApp) -> None:
    await asyncio.wait_for(app.run_async(headless=True, size=(100, 24)), timeout=20)


@pytest.mark.parametrize(
    ("overrides", "needles"),
    [
        ({"SQLITE_DATABASE": " "}, ["SQLITE_DATABASE (--sqlite)", "must not be empty"]),
        ({"POSTGRES_PORT": "99999"}, ["POSTGRES_PORT (--pg-port)", "65535"]),
        ({"DATABASE_URL": "::not a url::"}, ["invalid DATABASE_URL"]),
    ],
)
async def test_invalid_settings_end_the_app_with_one_line(
    overrides: dict[str, str], needles: list[str]
) -> None:
    app = make_app(None, env_file=None, overrides=overrides)
    await run_to_exit(app)
    assert app.return_code == 1
    assert app.startup_error is not None and "\n" not in app.startup_error
    for needle in needles:
        assert needle in app.startup_error


async def test_a_url_without_an_engine_ends_the_app_without_the_password() -> None:
    app = make_app(None, env_file=None, overrides={"DATABASE_URL": "mysql://u:s3cr3t@h/db"})
    await run_to_exit(app)
    assert app.return_code == 1
    assert app.startup_error is not None and "s3cr3t" not in app.startup_error
    assert "\n" not in app.startup_error


async def test_a_url_naming_a_file_that_is_not_sqlite_ends_the_app(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"not a database\n" * 50)
    app = make_app(None, env_file=None, overrides={"DATABASE_URL": f"sqlite:///{notes}"})
    await run_to_exit(app)
    assert app.return_code == 1
    assert app.startup_error is not None
    assert "not a SQLite database file" in app.startup_error and str(notes) in app.startup_error
    assert notes.read_bytes() == b"not a database\n" * 50


def test_dbtui_in_a_terminal_with_invalid_settings_prints_one_line(tmp_path: Path) -> None:
    """The real app path in a terminal: first frame, then exit 1 and one line after it."""
    if shutil.which("tmux") is None:
        skip_outside_ci("needs tmux for a terminal")
    command = f"cd {tmp_path} && {sys.executable} -m tui --pg-port 99999; echo EXIT=$?; sleep 60"
    server = ["tmux", "-L", f"dbtui_test_{tmp_path.name}"]
    subprocess.run([*server, "new-session", "-d", "-x", "150", "-y", "24", command], check=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            screen = subprocess.run(
                [*server, "capture-pane", "-p"], capture_output=True, text=True
            ).stdout
            if "EXIT=" in screen:
                break
            assert time.monotonic() < deadline, f"dbtui did not exit:\n{screen}"
            time.sleep(0.05)
    finally:
        subprocess.run([*server, "kill-server"], capture_output=True)
    lines = [line for line in screen.splitlines() if line.strip()]
    assert lines[-1] == "EXIT=1"
    assert len(lines) == 2, lines
    assert lines[0].startswith("dbtui: error: invalid setting POSTGRES_PORT (--pg-port)")
    assert "99999" in lines[0]


async def test_invalid_settings_end_the_app_on_an_existing_database() -> None:
    async with database(local_sqlite()) as manager:
        await add_user(manager, "existing_bob")
    app = make_app(None, env_file=None, overrides={"POSTGRES_PORT": "99999"})
    await run_to_exit(app)
    assert app.return_code == 1
    assert app.startup_error is not None and "POSTGRES_PORT (--pg-port)" in app.startup_error


async def test_a_new_database_is_migrated_only_after_validation() -> None:
    """A SQLite file without tables gets its schema only once the settings are valid (here
    they are not: nothing is created)."""
    import sqlite3

    with sqlite3.connect("app.db") as raw:
        raw.execute("PRAGMA journal_mode=WAL")  # a database file with no table in it
    assert Path("app.db").stat().st_size > 0
    app = make_app(None, env_file=None, overrides={"DB_POOL_SIZE": "0"})
    await run_to_exit(app)
    assert app.return_code == 1 and "DB_POOL_SIZE" in (app.startup_error or "")
    with sqlite3.connect("app.db") as raw:
        assert raw.execute("select count(*) from sqlite_master").fetchone() == (0,)


async def test_garbage_collection_paused_for_start_up_resumes_with_the_first_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`dbtui` pauses garbage collection while it starts; a pause left on would let the app's
    memory grow for as long as it runs."""
    import gc

    monkeypatch.setattr(tui.startup, "GC_RESUME_SECONDS", 0.05)
    async with database(local_sqlite()) as manager:
        await add_user(manager, "collected_ann")
    tui.startup.pause_gc()
    try:
        app = make_app(None, env_file=None, overrides={"SQLITE_DATABASE": "app.db"})
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: "collected_ann" in screen_text(app), "the first rows")
            await wait_for(pilot, gc.isenabled, "garbage collection to resume")
        gc.unfreeze()  # what start-up froze: this test process goes on
        gc.collect()  # while this test's event loop still runs (aiosqlite answers on it)
    finally:
        gc.enable()


def test_resuming_leaves_a_pause_it_did_not_make() -> None:
    """Textual pauses garbage collection during a scroll: the app's resume (a timer after the
    first screen) must not end that pause, nor freeze what exists then."""
    import gc

    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        tui.startup.resume_gc()
        assert not gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.enable()


#: Runs the app on ./app.db until the Users list has rows; prints which `names` it imported.
FIRST_ROWS_RUN = """
import asyncio, sys
import tui.services.database
tui.services.database.REVISION_CHECK_DELAY = 600  # Alembic loads for it, after the first rows
from tui.app import make_app

async def first_rows(names):
    app = make_app(None, env_file=None, overrides={"SQLITE_DATABASE": "app.db"})
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(2000):
            table = next(iter(app.screen.query("RecordTable")), None)
            if table is not None and table.current_row is not None:
                print(",".join(m for m in names if m in sys.modules))
                return
            await pilot.pause(0.01)
    raise SystemExit("no rows within 20 s")

asyncio.run(first_rows(sys.argv[1].split(",")))
"""


async def test_the_first_users_rows_import_no_form_dialog_or_hasher() -> None:
    """The real start-up, run to the first rows in a fresh interpreter, imports none of what
    only writes, forms and dialogs need."""
    async with database(local_sqlite()) as manager:
        await add_user(manager, "light_ann")
    result = subprocess.run(
        [sys.executable, "-c", FIRST_ROWS_RUN, ",".join(FIRST_ROWS_NEVER)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
