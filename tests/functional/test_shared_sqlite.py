"""A SQLite file shared with other processes while dbtui runs (the user's own app, the
`sqlite3` shell, `dbtui check`, a second dbtui).

Every other process here is a real one. After each of them opens the file, reads and closes,
dbtui's next save must be visible to a fresh connection in a third process, the other's commits
must show after `r`, a stale edit must still get the conflict dialog, and after dbtui quits
every row the others committed must still be there. These broke when dbtui opened the database
file outside SQLite (a plain `open()`/`close()` drops the process's POSIX locks, and the next
process that closed a connection deleted the WAL under dbtui).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.conftest import sqlite_settings
from tests.functional.pilot_waits import wait_until
from tests.functional.test_screen_common import (
    add_user,
    confirm,
    database,
    fill,
    form,
    save,
    screen_text,
    search,
    settle,
    table_lines,
)
from tui.app import DbTuiApp, make_app
from tui.screens.modals import ConfirmScreen, ConflictScreen, FormScreen

SIZE = (160, 45)

# Another process: open the file, read a table, close (what the user's app or the shell does).
READ_AND_CLOSE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("select count(*) from users").fetchall()
connection.close()
"""
# Another process commits a new user.
INSERT_USER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=10)
connection.execute(
    "insert into users (username, email, hashed_password) values (?, ?, 'x')",
    (sys.argv[2], sys.argv[2] + "@example.com"),
)
connection.commit()
connection.close()
"""
# Another process edits a user (as an application would: value and version).
UPDATE_USER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=10)
connection.execute(
    "update users set full_name = ?, version = version + 1 where username = ?",
    (sys.argv[3], sys.argv[2]),
)
connection.commit()
connection.close()
"""
# A fresh connection in a third process prints one value.
READ_VALUE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
row = connection.execute(sys.argv[2]).fetchone()
connection.close()
print(row[0] if row else "<no row>")
"""
# A second dbtui (headless) opens the same file, waits for its rows, and quits.
SECOND_DBTUI = """
import asyncio, sys
from tui.app import make_app

async def main():
    app = make_app(None, overrides={"SQLITE_DATABASE": sys.argv[1]})
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(2000):
            if app.settings_loaded and app.database_ready.is_set():
                break
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        print("second dbtui saw", app.screen.query_one("#table").row_count, "rows")

asyncio.run(main())
"""


async def run_process(*argv: str) -> str:
    """Run a real process to its end; its standard output (fails the test on an error)."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, f"{argv[:3]} failed: {err.decode()[-2000:]}"
    return out.decode()


async def python(script: str, *args: str) -> str:
    return await run_process(sys.executable, "-c", script, *args)


async def read_and_close(path: Path) -> None:
    await python(READ_AND_CLOSE, str(path))


async def dbtui_check(path: Path) -> None:
    out = await run_process(sys.executable, "-m", "tui", "check", "--sqlite", str(path))
    assert "connection:  ok" in out


async def second_dbtui(path: Path) -> None:
    assert "second dbtui saw" in await python(SECOND_DBTUI, str(path))


OTHER_PROCESSES: dict[str, Callable[[Path], Any]] = {
    "sqlite3 connection": read_and_close,
    "dbtui check": dbtui_check,
    "second dbtui": second_dbtui,
}


async def value_seen_elsewhere(path: Path, sql: str) -> str:
    """What a fresh connection in another process reads."""
    return (await python(READ_VALUE, str(path), sql)).strip()


async def ready(app: DbTuiApp, pilot: Pilot) -> None:
    """Wait until start-up is over: settings loaded, database ready, rows loaded."""
    await wait_until(
        pilot,
        lambda: app.settings_loaded and app.database_ready.is_set(),
        "the settings and the database",
    )
    await settle(app, pilot)


async def edit_full_name(app: DbTuiApp, pilot: Pilot, username: str, full_name: str) -> None:
    """Open `username`'s row (searching for it) and save a new full name (the text goes into
    the inputs as a whole: typing it key by key costs seconds and tests nothing here)."""
    await search(app, pilot, username)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, FormScreen), screen_text(app)
    assert form(app).values()["username"] == username
    fill(app, full_name=full_name)
    await save(app, pilot)


async def escape_search(app: DbTuiApp, pilot: Pilot) -> None:
    await pilot.press("escape")
    await settle(app, pilot)


async def exercise(
    app: DbTuiApp, pilot: Pilot, path: Path, kinds: tuple[str, ...] = tuple(OTHER_PROCESSES)
) -> None:
    """(a) saves after each of the `kinds` of other process are visible elsewhere, (b) others'
    commits show after `r`, (d) a stale edit gets the conflict dialog. Rows others committed
    are checked again after the app quits (by the caller, with the same `kinds`)."""
    for n, kind in enumerate(kinds):
        await OTHER_PROCESSES[kind](path)
        # (a) dbtui's save reaches the file that every other process reads
        await edit_full_name(app, pilot, "shared_ann", f"Saved after {kind}")
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        seen = await value_seen_elsewhere(
            path, "select full_name from users where username = 'shared_ann'"
        )
        assert seen == f"Saved after {kind}", f"after a {kind}, another process sees {seen!r}"
        await escape_search(app, pilot)
        # (b) what another process commits shows after `r`
        await python(INSERT_USER, str(path), f"from_other_{n}")
        await pilot.press("r")
        await settle(app, pilot)
        assert f"from_other_{n}" in "\n".join(table_lines(app)), f"after a {kind}"

    # (d) someone else changes the row while its form is open: the save is refused
    await search(app, pilot, "shared_ann")
    await pilot.press("enter")
    await settle(app, pilot)
    await python(UPDATE_USER, str(path), "shared_ann", "Changed elsewhere")
    fill(app, full_name="Mine")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen), "the conflict dialog")
    assert "Changed elsewhere" in screen_text(app)
    await pilot.press("e")  # keep editing, then cancel: nothing of mine is written
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)
    assert isinstance(app.screen, ConfirmScreen), screen_text(app)  # "Mine" is unsaved
    await confirm(app, pilot)  # discard it
    assert not isinstance(app.screen, FormScreen | ConfirmScreen), screen_text(app)


async def others_rows_survived(path: Path, kinds: tuple[str, ...] = tuple(OTHER_PROCESSES)) -> None:
    """(c) After dbtui quit, every row the other processes committed is in the file."""
    names = await value_seen_elsewhere(
        path, "select group_concat(username) from users where username like 'from_other_%'"
    )
    assert sorted(names.split(",")) == [f"from_other_{n}" for n in range(len(kinds))]
    full_name = await value_seen_elsewhere(
        path, "select full_name from users where username = 'shared_ann'"
    )
    assert full_name == "Changed elsewhere"


async def seeded_file(path: Path) -> None:
    async with database(sqlite_settings(path)) as manager:
        await add_user(manager, "shared_ann", full_name="Ann")


#: Every start-up path below runs under `no_python_open` with one other process that opens
#: the file, reads and closes (what drops the locks dbtui would have lost); the first runs
#: every kind of other process.
ONE_KIND = ("sqlite3 connection",)
_WATCHED: set[str] = set()  # names of the files `no_python_open` watches (none: off)
_OPENED: list[str] = []
_AUDITING: list[bool] = []  # the hook is installed (once per process)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and str(args[0]) in _WATCHED:
        _OPENED.append(str(args[0]))


@contextmanager
def no_python_open(path: Path) -> Iterator[None]:
    """Fail when this process opens the database file or its -wal/-shm outside SQLite (a
    Python-level open(); SQLite's own opens do not pass through Python) inside the block."""
    if not _AUDITING:
        sys.addaudithook(_audit)  # cannot be removed: idle while `_WATCHED` is empty
        _AUDITING.append(True)
    names = (path.name, str(path))
    _WATCHED.update(f"{name}{end}" for name in names for end in ("", "-wal", "-shm"))
    _OPENED.clear()
    try:
        yield
        assert _OPENED == [], f"opened outside SQLite: {_OPENED}"
    finally:
        _WATCHED.clear()


@asynccontextmanager
async def started(app: DbTuiApp, path: Path) -> AsyncIterator[Pilot]:
    """The app started (its start-up path watched by `no_python_open` too)."""
    with no_python_open(path):
        async with app.run_test(size=SIZE) as pilot:
            await ready(app, pilot)
            yield pilot


async def test_file_with_tables() -> None:
    """`dbtui` on an existing development file, with every kind of other process."""
    path = Path("app.db").resolve()
    await seeded_file(path)
    app = make_app(None, overrides={"SQLITE_DATABASE": "app.db"})
    async with started(app, path) as pilot:
        await exercise(app, pilot, path)
    await others_rows_survived(path)


async def test_fresh_file() -> None:
    """`dbtui` on a file that does not exist yet: created and migrated by the app."""
    path = Path("fresh.db").resolve()
    app = make_app(None, overrides={"SQLITE_DATABASE": "fresh.db"})
    async with started(app, path) as pilot:
        assert path.is_file()
        await python(INSERT_USER, str(path), "shared_ann")
        await pilot.press("r")
        await settle(app, pilot)
        await exercise(app, pilot, path, ONE_KIND)
    await others_rows_survived(path, ONE_KIND)


async def test_env_file(tmp_path: Path) -> None:
    """`dbtui --env-file PATH` naming the database."""
    path = tmp_path / "data" / "from-env.db"
    path.parent.mkdir()
    await seeded_file(path)
    env_file = tmp_path / "custom.env"
    env_file.write_text(f"SQLITE_DATABASE={path}\n")
    app = make_app(None, env_file=env_file)
    async with started(app, path) as pilot:
        assert str(path) in screen_text(app)
        await exercise(app, pilot, path, ONE_KIND)
    await others_rows_survived(path, ONE_KIND)


async def test_settings_switch_and_back() -> None:
    """Switch to another file on the Settings screen and back, then share the first file."""
    path = Path("app.db").resolve()
    await seeded_file(path)
    await seeded_file(Path("other.db"))
    app = make_app(None, overrides={"SQLITE_DATABASE": "app.db"})
    async with started(app, path) as pilot:
        for target in ("other.db", "app.db"):
            await pilot.press("5")
            await settle(app, pilot)
            field = app.screen.query_one("#field-SQLITE_DATABASE")
            field.value = target  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.press("ctrl+a")
            await settle(app, pilot)
            assert f"Switched to sqlite+aiosqlite:///{target}" in screen_text(app)
        await pilot.press("1")
        await settle(app, pilot)
        await exercise(app, pilot, path, ONE_KIND)
    await others_rows_survived(path, ONE_KIND)


# Another process writes for a second (holds the write lock), then commits.
SHORT_WRITE = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
connection.execute(
    "insert into users (username, email, hashed_password) values ('during', 'd@example.com', 'x')"
)
time.sleep(1.0)
connection.execute("COMMIT")
connection.close()
"""


async def test_a_save_waits_for_another_process_short_write() -> None:
    """A save that reads before it writes (the unique check) waits for the lock another
    process holds for a moment, instead of failing at once when its read turns into a write."""
    path = Path("app.db").resolve()
    await seeded_file(path)
    app = make_app(None, overrides={"SQLITE_DATABASE": "app.db"})
    async with started(app, path) as pilot:
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        for name, value in {
            "username": "waiting_bob",
            "email": "bob@example.com",
            "password": "long-enough",
        }.items():
            form(app).focus_field(name)
            await pilot.press(*value)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SHORT_WRITE, str(path), stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        assert (await process.stdout.readline()).strip() == b"locked"
        await save(app, pilot)
        assert await process.wait() == 0
        assert not isinstance(app.screen, FormScreen), screen_text(app)
    names = await value_seen_elsewhere(path, "select group_concat(username) from users")
    assert sorted(names.split(",")) == ["during", "shared_ann", "waiting_bob"]
