"""The Migrations screen (`4`) driven through the app, on SQLite files and PostgreSQL.

Each test copies the real `migrations/` folder with extra test revisions into a temporary
project; after every operation the database's revision is read from its `alembic_version`
table through a connection of its own, as `alembic current` reads it (the real command's
agreement with the runner is tested in test_migration_runner.py and test_alembic_cli.py).
PostgreSQL settings are production (read-only), so there every operation must be confirmed
by typing the environment name.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from rich.console import Console
from sqlalchemy import inspect, text
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled, WorkerState

from tests.conftest import sqlite_settings
from tests.functional.test_screen_common import run_command
from tests.functional.test_widget_modals import press_confirm
from tests.migration_fixtures import project_with, recorded_revisions, run_alembic
from tui.app import DbTuiApp, make_app
from tui.config import Settings, load_settings
from tui.db.base import Base
from tui.db.session import SessionManager
from tui.migrations import MigrationRunner
from tui.models import Post  # noqa: F401  (registers every table)
from tui.screens.migrations import MigrationsScreen
from tui.screens.modals import ConfirmScreen, PromptScreen, TypeToConfirmScreen

BRANCHY = ("0003_notes", "0004_branch_a", "0005_branch_b", "0006_merge", "0007_failing")
SIZE = (130, 40)


# -- helpers -----------------------------------------------------------------------------------
#: The demo's alembic.ini names new revisions <yyyy>_<mm>_<dd>_<Alembic's id>_<slug>.py.
DEMO_REVISION_FILE = re.compile(r"^\d{4}_\d{2}_\d{2}_(?P<rev>[0-9a-f]{12})_(?P<slug>\w+)\.py$")


def new_revisions(migrations: Path) -> list[tuple[Path, str, str]]:
    """(file, slug, revision id) of every revision file that is not one of the copied ones,
    each checked to follow the demo's naming scheme and to hold the id its name carries."""
    found = []
    for path in sorted((migrations / "versions").glob("*.py")):
        if path.name[:4].isdigit() and path.name[4] == "_" and not path.name[5:7].isdigit():
            continue  # 0001_initial_schema.py and the test revisions: older, numbered ids
        match = DEMO_REVISION_FILE.match(path.name)
        assert match, f"{path.name} does not follow the demo's file_template"
        assert f"Revision ID: {match['rev']}\n" in path.read_text()
        found.append((path, match["slug"], match["rev"]))
    return found


async def migrate(settings: Settings, migrations: Path, target: str) -> None:
    """Bring the database to `target` before the app starts."""
    manager = SessionManager(settings)
    manager.unlock()
    try:
        runner = MigrationRunner(migrations.parent / "alembic.ini", settings=settings)
        await manager.run_sync(runner.upgrade, target)
    finally:
        await manager.dispose()


def ini(migrations: Path) -> Path:
    """The alembic.ini of the project `project_with` copied `migrations` into."""
    return migrations.parent / "alembic.ini"


async def execute(settings: Settings, *statements: str) -> None:
    manager = SessionManager(settings)
    manager.unlock()
    try:
        async with manager.engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await manager.dispose()


async def stamped(app: DbTuiApp) -> list[str]:
    """The revisions in the database's version table (`alembic current` fails on unknown ones)."""
    async with app.manager.engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def table_names(app: DbTuiApp) -> set[str]:
    async with app.manager.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def settle(app: DbTuiApp, pilot: Pilot) -> None:
    """Wait until no worker runs, every posted message was handled (twice in a row) and the
    screen stays the same across a pause (snapshots need it: a DataTable measures new rows
    on its next idle)."""
    quiet = 0
    while quiet < 2:
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if busy:
            quiet = 0
            with contextlib.suppress(WorkerCancelled):  # a superseded preview
                await app.workers.wait_for_complete(busy)
        else:
            quiet += 1
        await pilot.pause()
    # The screenshot itself (text and styles) is compared: reading it back as text costs as
    # much again, and this loop runs at every step of every migration test.
    before = app.export_screenshot()
    for _ in range(200):
        await pilot.pause(0.01)
        now = app.export_screenshot()
        if now == before:
            return
        before = now
    raise AssertionError("the screen kept changing for 2 s")


@asynccontextmanager
async def migrations_app(
    settings: Settings, migrations: Path
) -> AsyncIterator[tuple[DbTuiApp, Pilot, MigrationsScreen]]:
    app = make_app(settings, initial_mode="migrations", alembic_config=ini(migrations))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MigrationsScreen)
        yield app, pilot, screen


def state_text(screen: MigrationsScreen) -> str:
    return str(screen.query_one("#migration-state", Static).render())


def log_lines(screen: MigrationsScreen) -> list[tuple[str, str]]:
    return list(screen.log_pane.entries)


async def select(pilot: Pilot, screen: MigrationsScreen, revision: str) -> None:
    """Move the cursor to `revision` with the `j`/`k` keys, as a user would."""
    keys = [row.key for row in screen.revision_list.rows_shown]
    target = keys.index(revision)
    while screen.revision_list.cursor_row != target:
        await pilot.press("j" if screen.revision_list.cursor_row < target else "k")
    await pilot.pause()
    assert screen.selected() is not None and screen.selected().revision == revision


async def wait_for_modal(app: DbTuiApp, pilot: Pilot, kind: type) -> ModalScreen:
    for _ in range(200):
        if isinstance(app.screen, kind):
            return app.screen
        await pilot.pause(0.02)
    raise AssertionError(f"no {kind.__name__} appeared (screen: {app.screen!r})")


def dialog_text(modal: ModalScreen) -> str:
    return "\n".join(str(w.render()) for w in modal.query(Static))


async def confirm(app: DbTuiApp, pilot: Pilot, settings: Settings, *, wait: bool = True) -> str:
    """Accept the confirmation dialog (typing the environment name in production);
    returns the dialog's text. With `wait`, waits for the operation to end."""
    production = settings.is_production
    modal = await wait_for_modal(app, pilot, TypeToConfirmScreen if production else ConfirmScreen)
    shown = dialog_text(modal)
    if production:
        modal.query_one(Input).value = "production"
        await pilot.press("enter")
    else:
        await press_confirm(pilot)
    if wait:
        await settle(app, pilot)
    return shown


async def run_action(
    app: DbTuiApp, pilot: Pilot, settings: Settings, key: str, *, revision: str | None = None
) -> str:
    screen = app.screen
    assert isinstance(screen, MigrationsScreen)
    if revision is not None:
        await select(pilot, screen, revision)
    await pilot.press(key)
    return await confirm(app, pilot, settings)


# -- tests -------------------------------------------------------------------------------------
async def test_upgrade_failure_downgrade_stamp(backend_settings: Settings, tmp_path: Path) -> None:
    settings = backend_settings
    migrations = project_with(tmp_path / "project", *BRANCHY)
    await migrate(settings, migrations, "0003_users_case_insensitive")

    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "5 pending" in state_text(screen)
        rows = {row.key: row.markers for row in screen.revision_list.rows_shown}
        assert screen.revision_list.rows_shown[0].key == "0007_failing"
        assert rows["0003_users_case_insensitive"] == ("current",)
        assert rows["0001_initial_schema"] == ("applied",)
        assert rows["0003_notes"] == ("pending", "branch point")
        assert rows["0006_merge"] == ("pending", "merge point")
        assert rows["0007_failing"] == ("pending", "head")

        # Upgrade to the selected pending revision.
        generation = app.db_generation
        shown = await run_action(app, pilot, settings, "u", revision="0006_merge")
        assert "0006_merge" in shown and "0007_failing" not in shown
        assert recorded_revisions(settings) == {"0006_merge"}
        assert screen.status is not None and screen.status.current == ("0006_merge",)
        assert app.db_generation > generation
        assert "1 pending" in state_text(screen)
        assert any("Upgraded: now at 0006_merge" in line for line, _ in log_lines(screen))

        # A failing revision: the database stays where it was; the error names the revision.
        await run_action(app, pilot, settings, "u", revision="0007_failing")
        assert recorded_revisions(settings) == {"0006_merge"}
        assert "doomed" not in await table_names(app)
        errors = [line for line, style in log_lines(screen) if "$text-error" in style]
        assert any("0007_failing" in line and "no_such_table" in line for line in errors)
        assert screen.status is not None and screen.status.current == ("0006_merge",)

        # Downgrade: the dialog lists what is undone.
        shown = await run_action(app, pilot, settings, "D", revision="0003_notes")
        for undone in ("0006_merge", "0005_branch_b", "0004_branch_a"):
            assert undone in shown
        assert "Undoes 3 revision(s)" in shown
        assert recorded_revisions(settings) == {"0003_notes"}
        assert "branch_a" not in await table_names(app)

        # Stamp: records the revision without running anything.
        await run_action(app, pilot, settings, "s", revision="0003_users_case_insensitive")
        assert recorded_revisions(settings) == {"0003_users_case_insensitive"}
        assert "notes" in await table_names(app)
        assert screen.status is not None and screen.status.current == (
            "0003_users_case_insensitive",
        )


async def test_cancelled_confirmation_changes_nothing(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes")
    await migrate(settings, migrations, "0003_users_case_insensitive")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        await pilot.press("u")
        await wait_for_modal(app, pilot, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.status is not None and screen.status.current == (
            "0003_users_case_insensitive",
        )
    assert recorded_revisions(settings) == {"0003_users_case_insensitive"}


SLOW_REVISION = '''"""slow revision for tests

Revision ID: 0003_slow
Revises: 0003_users_case_insensitive
Create Date: 2026-11-25 14:00:00

"""

import time
from pathlib import Path

from alembic import context, op

revision = "0003_slow"
down_revision = "0003_users_case_insensitive"
branch_labels = None
depends_on = None

RELEASE = Path({release!r})


def upgrade() -> None:
    deadline = time.monotonic() + 30
    while not context.is_offline_mode() and not RELEASE.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    op.execute("CREATE TABLE slow_done (id INTEGER PRIMARY KEY)")


def downgrade() -> None:
    op.execute("DROP TABLE slow_done")
'''


async def test_second_operation_is_refused_while_one_runs(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    release = tmp_path / "release"
    (migrations / "versions" / "0003_slow.py").write_text(
        SLOW_REVISION.format(release=str(release))
    )
    await migrate(settings, migrations, "0003_users_case_insensitive")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        await pilot.press("u")
        await wait_for_modal(app, pilot, ConfirmScreen)
        await pilot.press("y")
        for _ in range(500):
            if any("0003_slow" in line for line, _ in log_lines(screen)):
                break
            await pilot.pause(0.02)
        assert screen.operation == "upgrade to 0003_slow"
        assert "Running: upgrade" in state_text(screen)
        await pilot.press("s")
        await pilot.press("u")
        await pilot.pause()
        refusals = [line for line, _ in log_lines(screen) if "refused" in line]
        assert len(refusals) == 2 and "still running" in refusals[0]
        assert not isinstance(app.screen, ModalScreen)
        release.touch()
        await settle(app, pilot)
        assert screen.operation is None
        assert screen.status is not None and screen.status.current == ("0003_slow",)
    assert recorded_revisions(settings) == {"0003_slow"}


async def test_autogenerate_and_drift_check(backend_settings: Settings, tmp_path: Path) -> None:
    settings = backend_settings
    migrations = project_with(tmp_path / "project", "0003_scratch")
    await migrate(settings, migrations, "heads")

    async with migrations_app(settings, migrations) as (app, pilot, screen):
        # Drift check: the table the models do not have is listed.
        await pilot.press("c")
        if settings.is_production:
            await confirm(app, pilot, settings)
        await settle(app, pilot)
        drift = [line for line, style in log_lines(screen) if "$text-warning" in style]
        assert any("remove table scratch" in line for line in drift)

        # Autogenerate: differences first, then a message, then a new file.
        await pilot.press("g")
        if settings.is_production:
            await confirm(app, pilot, settings, wait=False)
        prompt = await wait_for_modal(app, pilot, PromptScreen)
        assert "remove table scratch" in dialog_text(prompt)
        await pilot.press(*"drop scratch")
        await pilot.press("enter")
        await settle(app, pilot)
        created = new_revisions(migrations)
        assert len(created) == 1 and created[0][1] == "drop_scratch"
        path, _slug, rev = created[0]
        assert any(
            f"Wrote migrations/versions/{path.name}" in line for line, _ in log_lines(screen)
        )
        rows = {row.key: row.markers for row in screen.revision_list.rows_shown}
        assert rows[rev] == ("pending", "head")

    # The real alembic command applies the generated revision.
    run_alembic(migrations, settings, "upgrade", "head")
    assert recorded_revisions(settings) == {rev}

    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "scratch" not in await table_names(app)
        assert "Up to date" in state_text(screen)
        await pilot.press("c")
        if settings.is_production:
            await confirm(app, pilot, settings)
        await settle(app, pilot)
        assert any("No drift" in line for line, _ in log_lines(screen))

    # `alembic revision` names the revisions it creates as the app did (one scheme: the ini's).
    run_alembic(migrations, settings, "revision", "-m", "by hand")
    assert sorted(slug for _path, slug, _rev in new_revisions(migrations)) == [
        "by_hand",
        "drop_scratch",
    ]


async def test_autogenerate_with_no_differences_says_so(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    await migrate(settings, migrations, "heads")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        await pilot.press("g")
        await settle(app, pilot)
        assert not isinstance(app.screen, ModalScreen)
        assert any("nothing to generate" in line for line, _ in log_lines(screen))
    assert sorted(p.name for p in (migrations / "versions").glob("*.py")) == [
        "0001_initial_schema.py",
        "0002_list_indexes.py",
        "0003_users_case_insensitive.py",
    ]


async def test_merge_several_heads(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes", "0004_branch_a", "0005_branch_b")
    await migrate(settings, migrations, "0003_notes")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "2 heads: m merges them" in state_text(screen)
        await pilot.press("m")
        prompt = await wait_for_modal(app, pilot, PromptScreen)
        assert "0004_branch_a" in dialog_text(prompt)
        await pilot.press("enter")  # keeps the suggested message
        await settle(app, pilot)
        [(_path, slug, rev)] = new_revisions(migrations)
        assert slug == "merge_heads"
        rows = {row.key: row.markers for row in screen.revision_list.rows_shown}
        assert rows[rev] == ("pending", "head", "merge point")
        assert "2 heads" not in state_text(screen)

        # Upgrade to head now runs both branches and the merge.
        await run_action(app, pilot, settings, "u", revision=rev)
    assert recorded_revisions(settings) == {rev}


async def test_enter_on_a_fresh_downgrade_or_stamp_dialog_changes_nothing(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes")
    await migrate(settings, migrations, "0003_notes")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        for key in ("D", "s"):
            await select(pilot, screen, "0002_list_indexes")
            await pilot.press(key)
            await wait_for_modal(app, pilot, ConfirmScreen)
            await pilot.press("enter")
            await settle(app, pilot)
            assert not isinstance(app.screen, ModalScreen), key
            assert recorded_revisions(settings) == {"0003_notes"}, key
            assert "notes" in await table_names(app)
        shown = await run_action(app, pilot, settings, "D", revision="0002_list_indexes")
        assert "tab then enter: Downgrade · escape: No" in shown
        assert recorded_revisions(settings) == {"0002_list_indexes"}
        assert "notes" not in await table_names(app)


async def add_users_with_nicknames(settings: Settings, count: int) -> None:
    await execute(
        settings,
        *(
            "INSERT INTO users (email, username, hashed_password, nickname) "
            f"VALUES ('u{n}@example.com', 'u{n}', 'x', 'nick {n}')"
            for n in range(count)
        ),
    )


async def test_downgrade_dialog_lists_the_dropped_column_with_its_rows(
    backend_settings: Settings, tmp_path: Path
) -> None:
    # SQLite: a batch rebuild of users (copy without the column); PostgreSQL: DROP COLUMN.
    settings = backend_settings
    migrations = project_with(tmp_path / "project", "0003_user_nickname")
    await migrate(settings, migrations, "heads")
    await add_users_with_nicknames(settings, 3)
    async with migrations_app(settings, migrations) as (app, pilot, _screen):
        shown = await run_action(app, pilot, settings, "D", revision="0002_list_indexes")
        assert "Drops column users.nickname (3 rows).\nData in what they created is lost." in (
            shown
        )
        assert recorded_revisions(settings) == {"0002_list_indexes"}
        async with app.manager.engine.connect() as conn:
            names = await conn.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("users")]
            )
            users = (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one()
        assert "nickname" not in names and users == 3


async def test_downgrade_to_base_lists_the_demo_tables_with_their_rows(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    await migrate(settings, migrations, "heads")
    at_head = recorded_revisions(settings)
    await execute(
        settings,
        "INSERT INTO users (id, email, username, hashed_password) VALUES "
        "(1, 'a@example.com', 'a', 'x'), (2, 'b@example.com', 'b', 'x')",
        "INSERT INTO posts (title, slug, author_id) VALUES ('One', 'one', 1), ('Two', 'two', 2),"
        " ('Three', 'three', 2)",
    )
    async with migrations_app(settings, migrations) as (app, pilot, _screen):
        await run_command(app, pilot, "Migrations: downgrade to base")
        modal = await wait_for_modal(app, pilot, ConfirmScreen)
        shown = dialog_text(modal)
        for dropped in ("table users (2 rows)", "table posts (3 rows)", "table tags (0 rows)"):
            assert dropped in shown
        assert "Data in what they created is lost." in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert await table_names(app) >= {"users", "posts", "tags"}
    assert recorded_revisions(settings) == at_head


async def test_unknown_revision_offers_only_stamp(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes")
    await migrate(settings, migrations, "0002_list_indexes")
    await execute(settings, "UPDATE alembic_version SET version_num = 'ffff_gone'")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "upgrade and downgrade are off until a known revision is stamped" in (
            state_text(screen)
        )
        assert "or stamp the right revision" in state_text(screen)
        bindings = app.screen.active_bindings
        assert not bindings["u"].enabled and not bindings["D"].enabled
        assert bindings["s"].enabled
        palette = [command.title for command in app.get_system_commands(app.screen)]
        assert "Migrations: stamp" in palette
        assert not [title for title in palette if "grade" in title]
        for key, revision in (("u", "0003_notes"), ("D", "0001_initial_schema")):
            await select(pilot, screen, revision)
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, ModalScreen), key
        screen.action_upgrade()  # as a palette entry listed before the state was read would
        flows = [w for w in app.workers if w.group == "migration-flow" and w.is_running]
        assert not flows, "an upgrade started from an unknown revision"
        await pilot.pause()
        assert not isinstance(app.screen, ModalScreen)
        assert await stamped(app) == ["ffff_gone"]
        await run_action(app, pilot, settings, "s", revision="0002_list_indexes")
        assert app.screen.active_bindings["u"].enabled
    assert recorded_revisions(settings) == {"0002_list_indexes"}


async def test_unknown_and_unversioned_databases_are_explained(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    await migrate(settings, migrations, "heads")
    await execute(settings, "UPDATE alembic_version SET version_num = 'ffff_gone'")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "ffff_gone" in state_text(screen)
        assert "not in the migration scripts" in state_text(screen)
        assert "problem" in screen.query_one("#migration-state").classes
        # Stamping a known revision fixes it (the unknown one is purged).
        await run_action(app, pilot, settings, "s", revision="0003_users_case_insensitive")
        assert screen.status is not None and screen.status.current == (
            "0003_users_case_insensitive",
        )
        assert "Up to date" in state_text(screen)
    assert recorded_revisions(settings) == {"0003_users_case_insensitive"}

    other = sqlite_settings(tmp_path / "unversioned.db")
    manager = SessionManager(other)
    manager.unlock()
    async with manager.engine.begin() as conn:  # tables without any Alembic revision
        await conn.run_sync(Base.metadata.create_all)
    await manager.dispose()
    async with migrations_app(other, migrations) as (app, pilot, screen):
        assert "no Alembic revision" in state_text(screen)
        assert "stamp" in state_text(screen)
        await run_action(app, pilot, other, "s", revision="0003_users_case_insensitive")
    assert recorded_revisions(other) == {"0003_users_case_insensitive"}


async def test_detail_pane_shows_parents_file_and_sql(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes")
    await migrate(settings, migrations, "0003_users_case_insensitive")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        await select(pilot, screen, "0003_notes")
        await settle(app, pilot)
        info = str(screen.query_one("#detail-info", Static).render())
        assert "Parents: 0003_users_case_insensitive" in info
        assert "migrations/versions/0003_notes.py" in info
        assert "CREATE TABLE notes" in _plain(app, screen.query_one("#detail-sql", Static).content)
        # An applied revision previews its downgrade.
        await select(pilot, screen, "0001_initial_schema")
        await settle(app, pilot)
        assert "DROP INDEX" in _plain(app, screen.query_one("#detail-sql", Static).content)


def _plain(app: DbTuiApp, renderable: object) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def test_palette_lists_migration_commands(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    await migrate(settings, migrations, "heads")
    async with migrations_app(settings, migrations) as (_app, _pilot, screen):
        titles = [title for title, _help, _cb in screen.palette_commands()]
        assert "Migrations: upgrade" in titles and "Migrations: drift check" in titles
        keys = {b.key: b for b in screen.BINDINGS}  # type: ignore[union-attr]
        for key in "uDsgcmr":
            assert keys[key].id and keys[key].tooltip


async def test_key_4_opens_the_panel(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project", "0003_notes")
    await migrate(settings, migrations, "0003_users_case_insensitive")
    app = make_app(settings, alembic_config=ini(migrations))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not isinstance(app.screen, MigrationsScreen)
        await pilot.press("4")
        await settle(app, pilot)
        assert isinstance(app.screen, MigrationsScreen)
        assert "1 pending" in state_text(app.screen)


def header_text(app: DbTuiApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("EnvironmentBar Static"))


async def test_header_follows_the_revision_after_an_upgrade(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "header.db")
    migrations = project_with(tmp_path / "project")
    await migrate(settings, migrations, "0002_list_indexes")

    async with migrations_app(settings, migrations) as (app, pilot, _screen):
        for _ in range(200):  # the start-up check runs once the first screen is up
            if app.revision_state:
                break
            await pilot.pause(0.02)
        assert app.revision_state == "the database is behind head (1 pending revision)"
        assert app.revision_state in header_text(app)

        await run_action(app, pilot, settings, "u", revision="0003_users_case_insensitive")
        assert recorded_revisions(settings) == {"0003_users_case_insensitive"}
        await settle(app, pilot)
        assert app.revision_state == ""
        assert "behind head" not in header_text(app)


async def test_in_memory_testing_database(tmp_path: Path) -> None:
    """Testing's in-memory database exists only on the app's own connection: the start-up
    migration, the panel's reading and its operations all run on it."""
    settings = load_settings(None, {"ENVIRONMENT": "testing"}, environ={})
    migrations = project_with(tmp_path / "project", "0003_notes")
    async with migrations_app(settings, migrations) as (app, pilot, screen):
        assert "Up to date: at head 0003_notes" in state_text(screen)
        assert "notes" in await table_names(app)
        shown = await run_action(app, pilot, settings, "D", revision="0002_list_indexes")
        assert "Drops table notes (0 rows)" in shown
        assert await stamped(app) == ["0002_list_indexes"]
        assert "notes" not in await table_names(app)
        assert "Up to date" not in state_text(screen)
