"""The real `alembic` command line: upgrade, check, downgrade to nothing, upgrade again.

The first upgrade is `python -m alembic` in a process of its own, as a user runs it, and the
app reads what it wrote; the later steps run the same command line in this process
(`alembic_in_process`: Alembic's `CommandLine`, env.py's command-line path, its own engine),
which saves a Python start-up (about 0.7 s of CPU) per step.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.conftest import sqlite_settings
from tests.fixture_app.databases import ALEMBIC_INI as FIXTURE_APP_INI
from tests.fixture_app.db import DATABASE_URL_VARIABLE
from tests.migration_fixtures import (
    REPO_ROOT,
    alembic_command_line,
    alembic_in_process,
    run_alembic,
)
from tui.config import Settings
from tui.db.session import SessionManager

HEAD = "0003_users_case_insensitive"
TABLES = {"users", "user_profiles", "posts", "tags", "post_tags", "alembic_version"}


async def _schema(settings: Settings) -> tuple[set[str], set[str]]:
    """(table names, PostgreSQL enum type names) of the database."""
    manager = SessionManager(settings)
    try:
        async with manager.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            enums: set[str] = set()
            if not settings.is_sqlite:
                query = "select typname from pg_type where typtype = 'e'"
                enums = set((await conn.execute(text(query))).scalars())
    finally:
        await manager.dispose()
    return tables, enums


async def test_cli_round_trip(backend_settings: Settings) -> None:
    migrations = REPO_ROOT / "migrations"
    out = run_alembic(migrations, backend_settings, "upgrade", "head")  # a process of its own
    assert f"-> {HEAD}" in out.stderr
    tables, enums = await _schema(backend_settings)
    if backend_settings.is_sqlite:
        assert TABLES | {"posts_fts"} <= tables
    else:
        assert tables == TABLES
        assert enums == {"user_status"}

    check = alembic_in_process(migrations, backend_settings, "check")
    assert "No new upgrade operations detected" in check.stdout

    alembic_in_process(migrations, backend_settings, "downgrade", "base")
    assert await _schema(backend_settings) == ({"alembic_version"}, set())
    assert alembic_in_process(migrations, backend_settings, "current").stdout.strip() == ""

    upgraded = alembic_in_process(migrations, backend_settings, "upgrade", "head")
    assert f"-> {HEAD}" in upgraded.stderr
    current = alembic_in_process(migrations, backend_settings, "current").stdout
    assert current.split() == [HEAD, "(head)"]


def test_cli_takes_x_url_over_settings(tmp_path: Path) -> None:
    """`-x url=...` wins over DATABASE_URL from the environment."""
    settings = sqlite_settings(tmp_path / "main.db")
    other = tmp_path / "other.db"
    migrations = REPO_ROOT / "migrations"
    alembic_in_process(migrations, settings, "-x", f"url=sqlite:///{other}", "upgrade", "head")
    assert other.is_file()
    assert not (tmp_path / "main.db").exists()


def test_in_process_command_line_leaves_this_process_as_it_was(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Both env.py files call `fileConfig` on the command-line path (the fixture app's with
    `disable_existing_loggers`): afterwards logging, the environment, the folder and
    `sys.path` are as they were, and a failing command reports as a process would."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    environ, cwd, path = dict(os.environ), Path.cwd(), list(sys.path)

    demo = alembic_in_process(
        REPO_ROOT / "migrations", sqlite_settings(tmp_path / "demo.db"), "current"
    )
    assert demo.stdout.strip() == ""
    assert "Context impl SQLiteImpl" in demo.stderr  # the ini's console handler, captured
    fixture_app = alembic_command_line(
        FIXTURE_APP_INI,
        "current",
        environ={DATABASE_URL_VARIABLE: f"sqlite:///{tmp_path / 'fixture.db'}"},
        cwd=tmp_path,
    )
    assert "Context impl SQLiteImpl" in fixture_app.stderr
    failed = alembic_command_line(FIXTURE_APP_INI, "downgrade", "nowhere", check=False)
    assert failed.returncode != 0
    assert "FAILED" in failed.stdout + failed.stderr

    assert (root.handlers, root.level) == (handlers, level)
    # not closed either (fileConfig closes every handler the logging module knows of)
    assert all(h.stream is not None for h in handlers if isinstance(h, logging.FileHandler))
    assert (dict(os.environ), Path.cwd(), sys.path) == (environ, cwd, path)
    for name in ("alembic", "sqlalchemy", "sqlalchemy.engine", "tui"):
        assert not logging.getLogger(name).disabled, name
    with caplog.at_level(logging.INFO, logger="tui"):
        logging.getLogger("tui.migrations").info("still heard")
    assert "still heard" in caplog.text
