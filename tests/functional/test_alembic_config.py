"""`--alembic-config`: the Migrations screen and the CLI driven by another application's Alembic
project (its alembic.ini, scripts and env.py), built from the fixture revisions."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import sqlite_settings
from tests.functional.pilot_waits import notifications
from tests.functional.test_cli import assert_one_line_failure, dbtui
from tests.functional.test_migrations_screen import (
    SIZE,
    confirm,
    log_lines,
    run_action,
    select,
    settle,
    stamped,
    state_text,
    table_names,
)
from tests.migration_fixtures import COOKBOOK_ENV, OWN_URL_ENV, other_project
from tui.app import make_app
from tui.config import Settings
from tui.db.session import SessionManager
from tui.migrations import EventKind, MigrationError, MigrationEvent, MigrationRunner
from tui.screens.migrations import MigrationsScreen

FAILING_IMPORT_ENV = COOKBOOK_ENV.replace(
    "from alembic import context\n",
    "from alembic import context\nfrom myapp.settings import DATABASE_URL\n",
)


def stored_tables(path: Path) -> set[str]:
    """Tables of the SQLite file at `path` (read by SQLite, read-only)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}


def revision_of(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [row[0] for row in conn.execute("select version_num from alembic_version")]


def panel_keys(screen: MigrationsScreen) -> list[str]:
    return [row.key for row in screen.revision_list.rows_shown]


# -- an env.py that honours config.attributes["connection"] -------------------------------------
async def test_the_panel_drives_another_projects_alembic(
    backend_settings: Settings, tmp_path: Path
) -> None:
    settings = backend_settings
    ini = other_project(tmp_path / "shop")
    app = make_app(settings, initial_mode="migrations", alembic_config=ini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MigrationsScreen)
        # Its history, not the demo's; read without running its env.py.
        assert panel_keys(screen) == ["0004_branch_a", "0003_notes"]
        await select(pilot, screen, "0003_notes")
        await settle(app, pilot)
        assert "File: db/versions/0003_notes.py" in str(screen.query_one("#detail-info").render())
        if settings.is_sqlite:  # a new development database gets its schema at start-up
            assert "Up to date: at head 0004_branch_a" in state_text(screen)
        else:
            assert "Empty database" in state_text(screen)
            await run_action(app, pilot, settings, "u", revision="0004_branch_a")
        assert await stamped(app) == ["0004_branch_a"]

        # The downgrade dialog reads what its SQL drops (SQLite: run on a copy of the schema).
        async with app.manager.engine.begin() as conn:
            conn = await conn.execution_options(dbtui_allow_writes=True)
            await conn.execute(text("insert into branch_a (id) values (1), (2)"))
        shown = await run_action(app, pilot, settings, "D", revision="0003_notes")
        assert "Drops table branch_a (2 rows)." in shown
        assert await stamped(app) == ["0003_notes"]
        assert "branch_a" not in await table_names(app)

        await run_action(app, pilot, settings, "u", revision="0004_branch_a")
        lines = [line for line, _style in log_lines(screen)]
        # Progress comes through although its env.py calls fileConfig (never in the app).
        assert "[1/1] upgrade 0004_branch_a: branch_a table" in lines
        assert "Upgraded: now at 0004_branch_a" in lines
        assert not [line for line in lines if "env.py" in line]
        assert await stamped(app) == ["0004_branch_a"]
        assert {"notes", "branch_a"} <= await table_names(app)
        assert not (tmp_path / "shop" / "theirs.db").exists()  # its own URL was not used

        await pilot.press("c")
        if settings.is_production:
            await confirm(app, pilot, settings)
        await settle(app, pilot)
        lines = [line for line, _style in log_lines(screen)]
        assert any("No drift" in line for line in lines)
        assert not [line for line in lines if line.startswith("setting up")]  # Alembic's set-up


async def test_an_env_py_that_configures_logging_leaves_the_apps_alone(tmp_path: Path) -> None:
    """Its env.py asserts `config.config_file_name` and calls `fileConfig` (FastAPI's full-stack
    template does): it runs, and the process keeps its own logging."""
    ini = other_project(tmp_path / "shop")
    settings = sqlite_settings(tmp_path / "app.db")
    root, ours = logging.getLogger(), logging.getLogger("tui.test_keeps_logging")
    handlers = list(root.handlers)
    manager = SessionManager(settings)
    events: list[MigrationEvent] = []
    try:
        runner = MigrationRunner(ini, settings=settings, on_event=events.append)
        assert await manager.run_sync(runner.upgrade) == ("0004_branch_a",)
    finally:
        await manager.dispose()
    assert "Running upgrade  -> 0003_notes, notes table" in [e.text for e in events]
    assert root.handlers == handlers
    assert not ours.disabled


async def test_default_is_the_alembic_ini_of_the_current_folder(
    isolated_environment: Path,
) -> None:
    folder = isolated_environment  # the working folder of this test
    other_project(folder)
    assert dbtui("migrate", "--revision", "0003_notes", cwd=folder).code == 0
    assert revision_of(folder / "app.db") == ["0003_notes"]

    app = make_app(sqlite_settings(folder / "app.db"), initial_mode="migrations")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert panel_keys(app.screen) == ["0004_branch_a", "0003_notes"]
        assert "At 0003_notes · 1 pending revision" in state_text(app.screen)

    # Elsewhere, the demo's is the default; `--alembic-config` names the project's.
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    run = dbtui("--sqlite", "../app.db", "check", cwd=elsewhere)
    assert_one_line_failure(run, "stamped with revision 0003_notes, which is not in the")
    given = ("--alembic-config", "../alembic.ini")
    run = dbtui("--sqlite", "../app.db", "check", *given, cwd=elsewhere)
    assert "revision:    0003_notes (head 0004_branch_a): not at head" in run.out
    assert dbtui("--sqlite", "../app.db", "migrate", *given, cwd=elsewhere).code == 0
    run = dbtui("--sqlite", "../app.db", "check", *given, cwd=elsewhere)
    assert run.code == 0 and "0004_branch_a (head 0004_branch_a): up to date" in run.out
    assert stored_tables(folder / "app.db") >= {"notes", "branch_a"}
    run = dbtui("migrate", "--alembic-config", "missing.ini", cwd=elsewhere)
    assert_one_line_failure(run, "--alembic-config: no such file: missing.ini")


# -- an env.py that ignores it ------------------------------------------------------------------
async def test_an_env_py_that_migrates_another_database_is_named(tmp_path: Path) -> None:
    ini = other_project(tmp_path / "shop", OWN_URL_ENV)
    theirs = tmp_path / "shop" / "theirs.db"
    settings = sqlite_settings(tmp_path / "app.db")
    app = make_app(settings, initial_mode="migrations", alembic_config=ini)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MigrationsScreen)
        await run_action(app, pilot, settings, "u", revision="0004_branch_a")
        warning = (
            f"env.py migrated sqlite:///{theirs}, not the database on screen "
            f"({settings.masked_url})"
        )
        assert (f"⚠ {warning}", "$text-warning") in log_lines(screen)
        assert any(warning in message for message in notifications(app))
        # The database on screen is untouched, and says so.
        assert "Empty database" in state_text(screen)
        assert await table_names(app) == set()
    assert revision_of(theirs) == ["0004_branch_a"]

    run = dbtui("--sqlite", "other.db", "migrate", "--alembic-config", str(ini), cwd=tmp_path)
    assert run.code == 0, run
    assert f"dbtui: warning: env.py migrated sqlite:///{theirs}, not the database" in run.err


async def test_an_env_py_that_connects_out_of_sight_is_still_noticed(tmp_path: Path) -> None:
    """Its connection is made in a thread of its own (no event reaches dbtui): the heads of the
    database on screen did not move, so the runner still warns."""
    threaded = OWN_URL_ENV.replace(
        "    with own_engine().connect() as connection:\n        migrate(connection)\n",
        "    def run():\n"
        "        with own_engine().connect() as connection:\n"
        "            migrate(connection)\n\n"
        "    with ThreadPoolExecutor(1) as pool:\n"
        "        pool.submit(run).result()\n",
    )
    threaded = "from concurrent.futures import ThreadPoolExecutor\n" + threaded
    ini = other_project(tmp_path / "shop", threaded)
    settings = sqlite_settings(tmp_path / "app.db")
    manager = SessionManager(settings)
    events: list[MigrationEvent] = []
    try:
        runner = MigrationRunner(ini, settings=settings, on_event=events.append)
        assert await manager.run_sync(runner.upgrade) == ()
    finally:
        await manager.dispose()
    assert [(e.text, e.level) for e in events if e.kind is EventKind.ELSEWHERE] == [
        (
            "env.py ran, but the database on screen did not change: it does not use "
            'config.attributes["connection"] (see the README)',
            "warning",
        )
    ]
    assert revision_of(tmp_path / "shop" / "theirs.db") == ["0004_branch_a"]


async def test_dry_runs_refuse_an_env_py_that_connects_on_its_own(tmp_path: Path) -> None:
    """A preview or the downgrade dialog's list runs env.py; one that connects elsewhere (even
    in offline mode) is stopped before it runs anything there."""
    ini = other_project(tmp_path / "shop")
    settings = sqlite_settings(tmp_path / "app.db")
    manager = SessionManager(settings)
    try:
        runner = MigrationRunner(ini, settings=settings)
        assert await manager.run_sync(runner.upgrade) == ("0004_branch_a",)
        always_own = OWN_URL_ENV.replace(
            "if context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    ", ""
        )
        (ini.parent / "db" / "env.py").write_text(always_own)
        theirs = tmp_path / "shop" / "theirs.db"
        refused = f"env.py connected to sqlite:///{theirs} on its own"
        with pytest.raises(MigrationError, match=re.escape(refused)):
            await manager.run_sync(runner.downgrade_drops, "0003_notes")
        # (an offline run gets the database on screen as `sqlalchemy.url`, password left out)
        with pytest.raises(MigrationError, match=r"env\.py connected to sqlite:///.+ on its own"):
            await manager.run_sync(runner.sql_preview, "0003_notes", "downgrade")
        assert stored_tables(theirs) == set()
        assert await manager.run_sync(runner.current_heads) == ("0004_branch_a",)
    finally:
        await manager.dispose()


# -- an env.py that fails ---------------------------------------------------------------------
async def test_an_env_py_that_fails_on_import_is_one_line(tmp_path: Path) -> None:
    ini = other_project(tmp_path / "shop", FAILING_IMPORT_ENV)
    settings = sqlite_settings(tmp_path / "app.db")
    failure = "env.py failed: ModuleNotFoundError: No module named 'myapp'"
    app = make_app(settings, initial_mode="migrations", alembic_config=ini)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        # The new database is not migrated at start-up, and the app says why.
        assert f"The new database was not migrated: {failure}" in notifications(app)
        screen = app.screen
        assert isinstance(screen, MigrationsScreen)
        assert panel_keys(screen) == ["0004_branch_a", "0003_notes"]  # history needs no env.py
        await select(pilot, screen, "0003_notes")
        await settle(app, pilot)
        preview = str(screen.query_one("#detail-sql").render())
        assert preview == f"No SQL preview: {failure}"

        shown = await run_action(app, pilot, settings, "u", revision="0003_notes")
        assert "Applies 1 revision(s)" in shown
        assert (f"✗ {failure}", "bold $text-error") in log_lines(screen)
        assert await table_names(app) == set()

    run = dbtui("migrate", "--alembic-config", str(ini), cwd=tmp_path)
    assert_one_line_failure(run, f"dbtui: error: {failure}")


# -- new revisions follow the project's own naming ----------------------------------------------
async def test_new_revisions_are_named_as_the_projects_alembic_names_them(tmp_path: Path) -> None:
    """A project without a `file_template` gets Alembic's default `<rev>_<slug>.py` from the app
    too (not dbtui's demo scheme), with Alembic's own kind of id."""
    extra_table = (
        'sa.Table("extra", target_metadata, sa.Column("id", sa.Integer(), primary_key=True))\n'
    )
    env_py = COOKBOOK_ENV.replace("\n\ndef ", f"\n{extra_table}\n\ndef ", 1)
    ini = other_project(tmp_path / "shop", env_py)
    settings = sqlite_settings(tmp_path / "app.db")
    manager = SessionManager(settings)
    try:
        runner = MigrationRunner(ini, settings=settings)
        await manager.run_sync(runner.upgrade)
        created = await manager.run_sync(runner.autogenerate, "add extra")
    finally:
        await manager.dispose()
    match = re.fullmatch(r"(?P<rev>[0-9a-f]{12})_add_extra\.py", created.name)
    assert match, created.name
    assert created.parent == tmp_path / "shop" / "db" / "versions"
    script = created.read_text()
    assert f"Revision ID: {match['rev']}\n" in script
    assert re.search(r"op\.create_table\(\s*['\"]extra['\"]", script)
