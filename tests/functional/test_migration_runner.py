"""MigrationRunner against real SQLite files and PostgreSQL databases.

The runner is synchronous: these tests hand it a connection with `SessionManager.run_sync`, as
the command line does. The state after an operation is compared with what `alembic current`
reports, run through Alembic's command line in this process on a connection of its own
(`cli_current`), or with the version table read on a connection of its own. On each backend the
real `python -m alembic`, in a process of its own, applies a revision the runner generated
(`test_drift_check_and_autogenerate`).
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.migration_fixtures import (
    alembic_in_process,
    cli_current,
    project_with,
    recorded_revisions,
    run_alembic,
)
from tui.config import Settings, load_settings
from tui.db.session import SessionManager
from tui.migrations import (
    EventKind,
    MigrationBusy,
    MigrationError,
    MigrationEvent,
    MigrationFailed,
    MigrationRefused,
    MigrationRunner,
    RevisionState,
)

HEAD = "0003_users_case_insensitive"
PREVIOUS = "0002_list_indexes"
GRAPH = ("0003_notes", "0004_branch_a", "0005_branch_b", "0006_merge", "0007_failing")


class Recorder:
    """Collects events (called from the worker thread)."""

    def __init__(self) -> None:
        self.events: list[MigrationEvent] = []
        self.lock = threading.Lock()

    def __call__(self, event: MigrationEvent) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, kind: EventKind) -> list[MigrationEvent]:
        return [e for e in self.events if e.kind is kind]


@pytest.fixture
async def db(backend_settings: Settings) -> AsyncIterator[SessionManager]:
    """An empty database on each backend; PostgreSQL ones are production (locked)."""
    manager = SessionManager(backend_settings)
    try:
        yield manager
    finally:
        await manager.dispose()


async def tables(manager: SessionManager) -> set[str]:
    async with manager.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


def runner_for(manager: SessionManager, migrations: Path | None = None, **kw) -> MigrationRunner:
    """A runner on the project of `migrations` (its alembic.ini), else the demo's."""
    ini = migrations.parent / "alembic.ini" if migrations is not None else None
    return MigrationRunner(ini, settings=manager.settings, **kw)


async def test_upgrade_downgrade_stamp_agree_with_alembic_current(
    db: SessionManager, tmp_path: Path
) -> None:
    migrations = project_with(tmp_path / "project")
    recorder = Recorder()
    runner = runner_for(db, migrations, on_event=recorder)

    status = await db.run_sync(runner.status)
    assert [r.revision for r in status.revisions] == [HEAD, PREVIOUS, "0001_initial_schema"]
    assert status.pending == ("0001_initial_schema", PREVIOUS, HEAD)
    assert status.summary() == "the database has no schema yet: upgrade to head to create it"
    assert status.needs_upgrade

    assert await db.run_sync(runner.upgrade, allow_writes=True) == (HEAD,)
    assert cli_current(migrations, db.settings) == {HEAD}
    started = recorder.of(EventKind.REVISION_STARTED)
    assert [(e.revision, e.step, e.total) for e in started] == [
        ("0001_initial_schema", 1, 3),
        (PREVIOUS, 2, 3),
        (HEAD, 3, 3),
    ]
    assert [e.revision for e in recorder.of(EventKind.REVISION_DONE)] == [
        "0001_initial_schema",
        PREVIOUS,
        HEAD,
    ]
    assert any("Running upgrade" in e.text for e in recorder.of(EventKind.OUTPUT))
    assert recorder.events[-1].kind is EventKind.FINISHED
    status = await db.run_sync(runner.status)
    assert status.at_head and not status.needs_upgrade
    assert status.state_of(HEAD) is RevisionState.CURRENT
    assert status.state_of("0001_initial_schema") is RevisionState.APPLIED
    assert await db.run_sync(runner.startup_status) is None

    assert await db.run_sync(runner.downgrade, "-1", allow_writes=True) == (PREVIOUS,)
    assert cli_current(migrations, db.settings) == {PREVIOUS}
    assert (await db.run_sync(runner.status)).state_of(HEAD) is RevisionState.PENDING
    assert "behind head (1 pending revision)" in (await db.run_sync(runner.startup_status) or "")

    assert await db.run_sync(runner.stamp, "heads", allow_writes=True) == (HEAD,)
    assert cli_current(migrations, db.settings) == {HEAD}
    # Stamping ran nothing: put the stamp back where the schema really is.
    assert await db.run_sync(runner.stamp, PREVIOUS, allow_writes=True) == (PREVIOUS,)

    assert await db.run_sync(runner.downgrade, "base", allow_writes=True) == ()
    assert cli_current(migrations, db.settings) == set()
    assert await tables(db) == {"alembic_version"}


async def test_reading_the_scripts_again_and_again_adds_to_sys_path_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's ini says `prepend_sys_path = .`: Alembic adds it at each read of the
    scripts; a long-running app must not pile them up."""
    monkeypatch.setattr(sys, "path", [entry for entry in sys.path if entry != "."])
    manager = SessionManager(load_settings(None, {"SQLITE_DATABASE": str(tmp_path / "a.db")}))
    try:
        runner = runner_for(manager)
        for _ in range(3):
            await manager.run_sync(runner.status)
        assert await manager.run_sync(runner.upgrade, allow_writes=True)
        assert (await manager.run_sync(runner.status)).at_head
    finally:
        await manager.dispose()
    assert sys.path.count(".") == 1


async def test_sql_preview_runs_nothing(db: SessionManager) -> None:
    runner = runner_for(db)
    sql = await db.run_sync(runner.sql_preview, "heads")
    assert "CREATE TABLE users" in sql
    assert "CREATE INDEX ix_posts_title_id" in sql
    if db.settings.is_sqlite:
        assert "USING fts5" in sql
    else:
        assert "GENERATED ALWAYS AS" in sql
        assert "CREATE TYPE user_status" in sql
    assert await tables(db) == set()

    await db.run_sync(runner.upgrade, allow_writes=True)
    down = await db.run_sync(runner.sql_preview, "base", "downgrade")
    assert "DROP TABLE users" in down
    assert "DROP INDEX" in down
    assert await db.run_sync(runner.current_heads) == (HEAD,)
    assert (await db.run_sync(runner.sql_preview, "heads")).strip() in ("", "BEGIN;\n\nCOMMIT;")


async def test_failing_revision_leaves_the_previous_revision(
    db: SessionManager, tmp_path: Path
) -> None:
    migrations = project_with(tmp_path / "project", *GRAPH)
    recorder = Recorder()
    runner = runner_for(db, migrations, on_event=recorder)

    status = await db.run_sync(runner.status)
    by_id = {r.revision: r for r in status.revisions}
    assert status.revisions[0].revision == "0007_failing"
    assert by_id["0003_notes"].is_branch_point
    assert by_id["0006_merge"].is_merge_point
    assert by_id["0006_merge"].down_revisions == ("0004_branch_a", "0005_branch_b")
    assert by_id["0007_failing"].is_head and status.heads == ("0007_failing",)
    assert by_id["0003_notes"].short_id == "0003"
    assert by_id["0003_notes"].path == migrations / "versions" / "0003_notes.py"
    assert by_id["0003_notes"].create_date is not None

    with pytest.raises(MigrationFailed) as failed:
        await db.run_sync(runner.upgrade, allow_writes=True)
    assert failed.value.revision == "0007_failing"
    assert "revision 0007_failing failed" in str(failed.value)
    assert failed.value.current == ("0006_merge",)
    assert recorded_revisions(db.settings) == {"0006_merge"}
    present = await tables(db)
    assert {"notes", "branch_a", "branch_b"} <= present
    assert "doomed" not in present
    failure = recorder.of(EventKind.FAILED)
    assert failure and failure[-1].revision == "0007_failing" and failure[-1].level == "error"

    # Trying again changes nothing either.
    with pytest.raises(MigrationFailed):
        await db.run_sync(runner.upgrade, allow_writes=True)
    assert await db.run_sync(runner.current_heads) == ("0006_merge",)

    # Down into the branches: two heads are current at once.
    await db.run_sync(runner.downgrade, "0004_branch_a", allow_writes=True)
    current = set(await db.run_sync(runner.current_heads))
    assert current == cli_current(migrations, db.settings)
    status = await db.run_sync(runner.status)
    assert status.state_of("0006_merge") is RevisionState.PENDING
    assert status.state_of("0003_notes") is RevisionState.APPLIED


async def test_drift_check_and_autogenerate(db: SessionManager, tmp_path: Path) -> None:
    migrations = project_with(tmp_path / "project", "0003_scratch")
    runner = runner_for(db, migrations)
    with pytest.raises(MigrationError, match="not at head"):
        await db.run_sync(runner.check)
    await db.run_sync(runner.upgrade, allow_writes=True)

    assert await db.run_sync(runner.check) == ["remove table scratch"]
    path = await db.run_sync(runner.autogenerate, "Drop scratch table")
    revision = runner.revisions()[0].revision
    # named as `alembic revision` names it: the project's file_template, Alembic's id
    assert path.parent == migrations / "versions"
    assert re.fullmatch(rf"\d{{4}}_\d\d_\d\d_{revision}_drop_scratch_table\.py", path.name)
    assert "op.drop_table('scratch')" in path.read_text()

    run_alembic(migrations, db.settings, "upgrade", "head")  # a process of its own
    assert recorded_revisions(db.settings) == {revision}
    assert await db.run_sync(runner.check) == []
    assert "scratch" not in await tables(db)

    # `alembic revision` names a revision as the runner did: one scheme, the ini's
    alembic_in_process(migrations, db.settings, "revision", "-m", "by hand")
    by_hand = runner.revisions()[0]
    assert by_hand.down_revisions == (revision,)
    assert by_hand.path.parent == migrations / "versions"
    assert re.fullmatch(rf"\d{{4}}_\d\d_\d\d_{by_hand.revision}_by_hand\.py", by_hand.path.name)


async def test_merge_joins_two_heads(tmp_path: Path) -> None:
    from tests.conftest import sqlite_settings

    manager = SessionManager(sqlite_settings(tmp_path / "merge.db"))
    try:
        migrations = project_with(tmp_path / "project", "0003_notes", "0004_branch_a")
        runner = runner_for(manager, migrations)
        with pytest.raises(MigrationError, match="only one head"):
            runner.merge()
        project_with(tmp_path / "project2", "0003_notes", "0004_branch_a", "0005_branch_b")
        runner = runner_for(manager, tmp_path / "project2" / "migrations")
        assert len((await manager.run_sync(runner.status)).heads) == 2
        with pytest.raises(MigrationError, match="several heads"):
            await manager.run_sync(runner.autogenerate, "anything")
        await manager.run_sync(runner.upgrade)
        current = await manager.run_sync(runner.current_heads)
        assert set(current) == {"0004_branch_a", "0005_branch_b"}
        path = runner.merge("join branches")
        merged = runner.revisions()[0].revision
        assert re.fullmatch(rf"\d{{4}}_\d\d_\d\d_{merged}_join_branches\.py", path.name)
        status = await manager.run_sync(runner.status)
        assert status.heads == (merged,)
        assert status.revisions[0].is_merge_point
        assert await manager.run_sync(runner.upgrade) == (merged,)
    finally:
        await manager.dispose()


async def test_second_operation_is_refused_while_one_runs(tmp_path: Path) -> None:
    from tests.conftest import sqlite_settings

    manager = SessionManager(sqlite_settings(tmp_path / "busy.db"))
    reached = threading.Event()
    release = threading.Event()
    released: list[bool] = []

    def hold(event: MigrationEvent) -> None:
        # Held after the first revision (Alembic's on_version_apply), not at "Running …": that
        # event comes from inside the `alembic` logger's handler, whose lock the reads below
        # need for their own log lines (they would wait for the hold to time out).
        if event.kind is EventKind.REVISION_DONE and not reached.is_set():
            reached.set()
            released.append(release.wait(30))  # False: the reads waited for the hold

    runner = runner_for(manager, on_event=hold)
    other = runner_for(manager)
    try:
        # In a thread of its own with its own event loop, as a thread worker runs it.
        first = asyncio.create_task(
            asyncio.to_thread(asyncio.run, manager.run_sync(runner.upgrade))
        )
        assert await asyncio.to_thread(reached.wait, 30)
        assert runner.busy and other.busy
        with pytest.raises(MigrationBusy, match="upgrade to heads is still running"):
            await manager.run_sync(other.downgrade, "base")
        with pytest.raises(MigrationBusy):
            await manager.run_sync(other.check)
        # Reading stays possible while it runs.
        assert len(other.revisions()) == 3
        assert await manager.run_sync(other.current_heads) == ()
        release.set()
        assert await first == (HEAD,)
        assert released == [True]
        assert not runner.busy
        assert await manager.run_sync(other.downgrade, "base") == ()
    finally:
        release.set()
        await manager.dispose()


async def test_production_needs_confirmation(tmp_path: Path) -> None:
    settings = load_settings(
        None,
        {"ENVIRONMENT": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}"},
        environ={},
    )
    manager = SessionManager(settings)
    try:
        assert manager.read_only
        runner = runner_for(manager)
        with pytest.raises(MigrationRefused, match="production is read-only"):
            await manager.run_sync(runner.upgrade)
        with pytest.raises(MigrationRefused):
            await manager.run_sync(runner.stamp, "heads")
        assert await tables(manager) == set()
        # reading is allowed
        assert "CREATE TABLE" in await manager.run_sync(runner.sql_preview, "heads")
        assert await manager.run_sync(runner.upgrade, allow_writes=True) == (HEAD,)
        assert manager.read_only  # the lock stays for everything else
        with pytest.raises(MigrationRefused):
            await manager.run_sync(runner.downgrade, "base")
        assert await manager.run_sync(runner.current_heads) == (HEAD,)
        assert await manager.run_sync(runner.check) == []
    finally:
        await manager.dispose()


async def test_unknown_revision_and_unversioned_tables(db: SessionManager) -> None:
    runner = runner_for(db)
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(dbtui_allow_writes=True)
        await conn.execute(text("create table legacy (id integer primary key)"))
        await conn.commit()
    status = await db.run_sync(runner.status)
    assert status.unversioned_tables == ("legacy",)
    assert not status.needs_upgrade
    assert "no Alembic revision" in (await db.run_sync(runner.startup_status) or "")

    async with db.engine.connect() as conn:
        conn = await conn.execution_options(dbtui_allow_writes=True)
        await conn.execute(text("create table alembic_version (version_num varchar(32))"))
        await conn.execute(text("insert into alembic_version values ('ffff_vanished')"))
        await conn.commit()
    status = await db.run_sync(runner.status)
    assert status.unknown == ("ffff_vanished",)
    assert all(status.state_of(r.revision) is RevisionState.PENDING for r in status.revisions)
    assert "ffff_vanished" in (status.problem or "")
    assert not status.needs_upgrade
    assert "not in the migration scripts" in (await db.run_sync(runner.startup_status) or "")


async def test_sqlite_batch_rebuild_keeps_cascade_children(tmp_path: Path) -> None:
    from tests.conftest import sqlite_settings

    manager = SessionManager(sqlite_settings(tmp_path / "fk.db"))
    try:
        migrations = project_with(tmp_path / "project", "0003_rebuild_posts")
        runner = runner_for(manager, migrations)
        await manager.run_sync(runner.upgrade, HEAD)
        async with manager.session() as session:
            for statement in (
                "insert into users (id, email, username, hashed_password) "
                "values (1, 'a@example.com', 'ann', 'x')",
                "insert into posts (id, title, slug, content, author_id) "
                "values (1, 'Basil', 'basil', 'green basil', 1)",
                "insert into tags (id, name) values (1, 'herbs')",
                "insert into post_tags (post_id, tag_id) values (1, 1)",
            ):
                await session.execute(text(statement))
        await manager.run_sync(runner.upgrade)
        async with manager.session() as session:
            links = (await session.execute(text("select count(*) from post_tags"))).scalar()
            fk = (await session.execute(text("pragma foreign_keys"))).scalar()
        assert links == 1
        assert fk == 1
    finally:
        await manager.dispose()


async def test_sqlite_foreign_key_check_rolls_back_orphans(tmp_path: Path) -> None:
    from tests.conftest import sqlite_settings

    manager = SessionManager(sqlite_settings(tmp_path / "orphans.db"))
    try:
        migrations = project_with(tmp_path / "project", "0003_orphans")
        runner = runner_for(manager, migrations)
        await manager.run_sync(runner.upgrade, HEAD)
        async with manager.session() as session:
            await session.execute(
                text(
                    "insert into users (id, email, username, hashed_password) "
                    "values (1, 'a@example.com', 'ann', 'x')"
                )
            )
            await session.execute(
                text("insert into posts (title, slug, author_id) values ('T', 't', 1)")
            )
        with pytest.raises(MigrationFailed, match="foreign key check failed") as failed:
            await manager.run_sync(runner.upgrade)
        assert failed.value.revision == "0003_orphans"
        assert await manager.run_sync(runner.current_heads) == (HEAD,)
        async with manager.session() as session:
            users = (await session.execute(text("select count(*) from users"))).scalar()
        assert users == 1
    finally:
        await manager.dispose()


async def test_in_memory_testing_database(tmp_path: Path) -> None:
    manager = SessionManager(load_settings(None, {"ENVIRONMENT": "testing"}, environ={}))
    try:
        runner = runner_for(manager)
        assert await manager.run_sync(runner.upgrade) == (HEAD,)
        assert "users" in await tables(manager)
        assert await manager.run_sync(runner.check) == []
    finally:
        await manager.dispose()


async def test_connection_follows_environment_switch(tmp_path: Path) -> None:
    from tests.conftest import sqlite_settings

    manager = SessionManager(sqlite_settings(tmp_path / "first.db"))
    try:
        migrations = project_with(tmp_path / "project")
        runner = runner_for(manager, migrations)
        await manager.run_sync(runner.upgrade)
        # A `%` in the database's name must not upset Alembic's config interpolation (the SQL
        # preview hands the URL to env.py as `sqlalchemy.url`).
        await manager.switch(sqlite_settings(tmp_path / "100% second.db"))
        assert await manager.run_sync(runner.current_heads) == ()
        first = "0001_initial_schema"
        assert "CREATE TABLE users" in await manager.run_sync(runner.sql_preview, first)
        assert await manager.run_sync(runner.upgrade, first) == (first,)
        assert cli_current(migrations, manager.settings) == {first}
        assert cli_current(migrations, sqlite_settings(tmp_path / "first.db")) == {HEAD}
    finally:
        await manager.dispose()


def test_importing_the_runner_does_not_import_alembic() -> None:
    import subprocess
    import sys

    code = "import sys, tui.migrations; print('alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
