"""`dbtui migrate current|history|upgrade|downgrade|stamp` as a user runs it from the shell, on
real SQLite files; production's typed confirmation on a terminal (a pseudo-terminal) and
without one. The commands run in this process (`cli_runner.run_cli`); a process of its own only
with a real terminal."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.functional.cli_runner import Run, run_cli
from tests.functional.test_cli import assert_one_line_failure, dbtui

REPO_ROOT = Path(__file__).resolve().parents[2]
REVISIONS = sorted(p.stem for p in (REPO_ROOT / "migrations" / "versions").glob("0*.py"))
FIRST, HEAD = REVISIONS[0], REVISIONS[-1]


def stamped(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("select version_num from alembic_version")]


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}


def production(path: Path) -> dict[str, str]:
    """Production settings on a SQLite file (a full DATABASE_URL overrides the computed one)."""
    return {"ENVIRONMENT": "production", "DATABASE_URL": f"sqlite:///{path}"}


def on_a_terminal(*args: str, cwd: Path, env: dict[str, str], typed: str) -> Run:
    """`python -m tui ARGS` with a pseudo-terminal for standard input, on which `typed` is
    typed; standard output and error are captured."""
    master, slave = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", *args],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(master, typed.encode() + b"\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    return Run(process.returncode, out, err)


def test_current_and_history_read_without_creating_the_file(tmp_path: Path) -> None:
    run = dbtui("migrate", "current", cwd=tmp_path)
    assert run.code == 0, run
    assert "current:  none (the database file does not exist yet)" in run.out
    assert f"head:     {HEAD}" in run.out

    run = dbtui("migrate", "history", cwd=tmp_path)
    assert run.code == 0, run
    lines = run.out.splitlines()[1:]
    assert [line.split()[0] for line in lines] == REVISIONS[::-1]  # newest first
    assert "(head, pending)" in lines[0]
    assert not (tmp_path / "app.db").exists()


def test_upgrade_downgrade_stamp_and_what_current_says(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    run = dbtui("migrate", "upgrade", FIRST, cwd=tmp_path)
    assert run.code == 0, run
    assert f"upgrade {FIRST}:" in run.out and f"upgraded to {FIRST}" in run.out
    assert stamped(db) == [FIRST] and "users" in tables(db)

    run = dbtui("migrate", "current", cwd=tmp_path)
    assert f"current:  {FIRST}  " in run.out
    assert f"behind head ({len(REVISIONS) - 1} pending revision" in run.out

    run = dbtui("migrate", "history", cwd=tmp_path)
    states = {line.split()[0]: line for line in run.out.splitlines()[1:]}
    assert "(current)" in states[FIRST] and "(head, pending)" in states[HEAD]

    run = dbtui("migrate", cwd=tmp_path)  # no sub-command: upgrade to the head, as before
    assert run.code == 0, run
    assert stamped(db) == [HEAD]
    run = dbtui("migrate", "current", cwd=tmp_path)
    assert f"current:  {HEAD} (head)" in run.out and "status:   up to date" in run.out

    run = dbtui("migrate", "downgrade", "-1", cwd=tmp_path)
    assert run.code == 0, run
    assert stamped(db) == [REVISIONS[-2]]

    run = dbtui("migrate", "stamp", "heads", cwd=tmp_path)
    assert run.code == 0, run
    assert f"stamped {HEAD}" in run.out and stamped(db) == [HEAD]

    run = dbtui("migrate", "downgrade", "base", cwd=tmp_path)
    assert run.code == 0, run
    assert "downgraded to base" in run.out
    assert tables(db) <= {"alembic_version"} and stamped(db) == []


def test_an_unknown_revision_is_one_line(tmp_path: Path) -> None:
    assert dbtui("migrate", "upgrade", cwd=tmp_path).code == 0
    run = dbtui("migrate", "downgrade", "nosuch", cwd=tmp_path)
    assert_one_line_failure(run, "nosuch")
    assert stamped(tmp_path / "app.db") == [HEAD]


def test_the_old_revision_flag_still_upgrades(tmp_path: Path) -> None:
    run = dbtui("migrate", "--revision", FIRST, cwd=tmp_path)
    assert run.code == 0, run
    assert stamped(tmp_path / "app.db") == [FIRST]


# -- production ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [("upgrade",), ("downgrade", "base"), ("stamp", "heads")],
    ids=["upgrade", "downgrade", "stamp"],
)
def test_production_without_a_terminal_refuses_every_write(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "prod.db"
    assert dbtui("migrate", "upgrade", FIRST, cwd=tmp_path, env={"SQLITE_DATABASE": "prod.db"})
    before = stamped(db)
    run = dbtui("migrate", *args, cwd=tmp_path, env=production(db))
    assert_one_line_failure(run, f"refusing to {args[0]} a production database", "--confirm")
    assert stamped(db) == before

    run = dbtui("migrate", *args, "--confirm", "staging", cwd=tmp_path, env=production(db))
    assert_one_line_failure(run, "'staging' is not this database's environment (production)")
    assert stamped(db) == before


def test_production_reads_need_no_confirmation(tmp_path: Path) -> None:
    db = tmp_path / "prod.db"
    dbtui("migrate", "upgrade", cwd=tmp_path, env={"SQLITE_DATABASE": "prod.db"})
    run = dbtui("migrate", "current", cwd=tmp_path, env=production(db))
    assert run.code == 0, run
    assert "up to date" in run.out
    assert dbtui("migrate", "history", cwd=tmp_path, env=production(db)).code == 0


def test_production_with_the_name_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "prod.db"
    run = dbtui("migrate", "upgrade", "--confirm", "production", cwd=tmp_path, env=production(db))
    assert run.code == 0, run
    assert stamped(db) == [HEAD]
    # the older spelling still works
    args = ("migrate", "--allow-production", "downgrade", "-1")
    run = dbtui(*args, cwd=tmp_path, env=production(db))
    assert run.code == 0, run
    assert stamped(db) == [REVISIONS[-2]]


def test_production_on_a_terminal_asks_for_the_name(tmp_path: Path) -> None:
    db = tmp_path / "prod.db"
    env = production(db)
    run = on_a_terminal("migrate", "upgrade", cwd=tmp_path, env=env, typed="prod")
    assert run.code == 1, run
    said, asked_and_failed = run.err.strip().splitlines()
    assert said == f"upgrade to heads: this is the production database sqlite+aiosqlite:///{db}"
    assert asked_and_failed == (
        "Type the environment's name (production) to go on: "
        "dbtui: error: the name typed is not 'production': nothing done"
    )
    assert run.out == ""
    assert not db.exists() or "alembic_version" not in tables(db)

    # (after that, a stand-in terminal in this process: only `isatty()` and what is typed count)
    run = run_cli("migrate", "upgrade", cwd=tmp_path, env=env, stdin="production\n", tty=True)
    assert run.code == 0, run
    assert stamped(db) == [HEAD]

    # a downgrade says what it drops, with the rows it holds, before asking
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "insert into users (email, username, hashed_password, status, version, created_at,"
            " updated_at) values ('a@b.c', 'ann', 'x', 'active', 1, '2024-01-01', '2024-01-01')"
        )
        conn.commit()
    args = ("migrate", "downgrade", "base")
    run = run_cli(*args, cwd=tmp_path, env=env, stdin="no\n", tty=True)
    assert run.code == 1, run
    drops = run.err.splitlines()[1]
    assert drops.startswith("it drops ") and "table users (1 row)" in drops, run.err
    assert "table posts (0 rows)" in drops
    assert stamped(db) == [HEAD]
