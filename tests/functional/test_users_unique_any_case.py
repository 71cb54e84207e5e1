"""Usernames and emails are unique without regard to case (`Ann` and `ann` are one user):
revision 0003 on data that already collides, then the saves, the database and the form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import sqlite_settings
from tests.functional.test_cli import assert_one_line_failure, dbtui
from tests.functional.test_demo_users import read, repository, user
from tests.functional.test_demo_users import save as save_user
from tests.functional.test_migrations_screen import SIZE, confirm, log_lines, settle
from tests.functional.test_screen_common import (
    add_users,
    database,
    fill,
    form,
    notifications,
    rows,
    running,
    save,
)
from tests.functional.test_screen_common import confirm as confirm_dialog
from tests.functional.test_screen_common import settle as settle_users
from tests.migration_fixtures import project_with, recorded_revisions
from tui.app import make_app
from tui.config import Settings, load_settings
from tui.db.session import SessionManager
from tui.db.tables import users
from tui.entities.integrity import table_integrity_errors
from tui.migrations import MigrationFailed, MigrationRunner
from tui.schemas.errors import FieldErrors
from tui.screens.modals import FormScreen

BEFORE = "0002_list_indexes"
HEAD = "0003_users_case_insensitive"
TRASHED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

# Collide on username (1, 2: one of them in the trash) and on email (3, 4); 5 collides with none.
COLLIDING = [
    {"username": "Ann", "email": "ann@example.com", "deleted_at": None},
    {"username": "ann", "email": "ann.two@example.com", "deleted_at": TRASHED},
    {"username": "bob", "email": "Bob@Example.com", "deleted_at": None},
    {"username": "bobby", "email": "bob@example.com", "deleted_at": None},
    {"username": "carl", "email": "carl@example.com", "deleted_at": None},
]
REFUSAL = (
    "cannot make usernames and emails unique without regard to case: "
    "usernames: 'Ann' and 'ann' (ids 1, 2); emails: 'Bob@Example.com' and 'bob@example.com' "
    "(ids 3, 4); rename or merge them, then upgrade again"
)


async def insert_users(manager: SessionManager, values: list[dict[str, Any]]) -> None:
    """Write users straight into the database (no repository, no checks)."""
    async with manager.engine.begin() as conn:
        await conn.execute(insert(users), [dict(row, hashed_password="x") for row in values])


async def at_revision_0002(
    settings: Settings, values: list[dict[str, Any]], alembic_config: Path | None = None
) -> None:
    """Bring the database to revision 0002 and write `values` there."""
    manager = SessionManager(settings)
    manager.unlock()
    try:
        await manager.run_sync(MigrationRunner(alembic_config, settings=settings).upgrade, BEFORE)
        await insert_users(manager, values)
    finally:
        await manager.dispose()


@pytest.fixture
async def at_0002(backend_settings: Settings) -> AsyncIterator[SessionManager]:
    """A database at revision 0002 holding users that collide without regard to case."""
    await at_revision_0002(backend_settings, COLLIDING)
    manager = SessionManager(backend_settings)
    manager.unlock()
    try:
        yield manager
    finally:
        await manager.dispose()


async def stored(manager: SessionManager) -> list[tuple[Any, ...]]:
    async with manager.engine.connect() as conn:
        query = select(users.c.id, users.c.username, users.c.email, users.c.version)
        return [tuple(row) for row in await conn.execute(query.order_by(users.c.id))]


# -- the migration -------------------------------------------------------------------------------
async def test_upgrade_refuses_colliding_rows_and_changes_nothing(
    at_0002: SessionManager,
) -> None:
    manager = at_0002
    runner = MigrationRunner(settings=manager.settings)
    before = await stored(manager)
    assert len(before) == 5

    with pytest.raises(MigrationFailed) as failed:
        await manager.run_sync(runner.upgrade, allow_writes=True)
    message = str(failed.value)
    assert message == f"revision {HEAD} failed: {REFUSAL} (the database stays at {BEFORE})"
    assert await manager.run_sync(runner.current_heads) == (BEFORE,)
    assert await stored(manager) == before  # nothing dropped, renamed or bumped

    # Renamed by hand: the upgrade goes through and the indexes hold from then on.
    async with manager.engine.begin() as conn:
        await conn.execute(text("update users set username = 'ann2' where id = 2"))
        await conn.execute(text("update users set email = 'bobby@example.com' where id = 4"))
    assert await manager.run_sync(runner.upgrade, allow_writes=True) == (HEAD,)
    with pytest.raises(IntegrityError):
        async with manager.engine.begin() as conn:
            await conn.execute(text("update users set username = 'ANN2' where id = 1"))

    # The downgrade drops the indexes: case-only duplicates can be written again.
    assert await manager.run_sync(runner.downgrade, BEFORE, allow_writes=True) == (BEFORE,)
    async with manager.engine.begin() as conn:
        await conn.execute(text("update users set username = 'ANN2' where id = 1"))


async def test_one_column_colliding_is_named_alone(at_0002: SessionManager) -> None:
    async with at_0002.engine.begin() as conn:
        await conn.execute(text("update users set email = 'bobby@example.com' where id = 4"))
    with pytest.raises(MigrationFailed) as failed:
        runner = MigrationRunner(settings=at_0002.settings)
        await at_0002.run_sync(runner.upgrade, allow_writes=True)
    assert (
        "cannot make usernames unique without regard to case: 'Ann' and 'ann' (ids 1, 2); "
        "rename or merge them, then upgrade again"
    ) in str(failed.value)


def test_dbtui_migrate_says_so_in_one_line(tmp_path: Path) -> None:
    colliding = [
        {"username": "Ann", "email": "a@example.com"},
        {"username": "aNN", "email": "b@example.com"},
    ]
    asyncio.run(at_revision_0002(sqlite_settings(tmp_path / "app.db"), colliding))
    run = dbtui("migrate", cwd=tmp_path)
    assert_one_line_failure(
        run,
        f"dbtui: error: revision {HEAD} failed: cannot make usernames unique without regard to "
        "case: 'Ann' and 'aNN' (ids 1, 2); rename or merge them, then upgrade again "
        f"(the database stays at {BEFORE})",
    )


async def test_migrations_screen_shows_the_refusal_as_one_literal_line(tmp_path: Path) -> None:
    """The values are shown as they are: `[b]` and `[/]` are not markup."""
    settings = sqlite_settings(tmp_path / "app.db")
    migrations = project_with(tmp_path / "project")
    colliding = [
        {"username": "[b]Ann[/]", "email": "a@example.com"},
        {"username": "[B]aNN[/]", "email": "b@example.com"},
    ]
    ini = migrations.parent / "alembic.ini"
    await at_revision_0002(settings, colliding, alembic_config=ini)

    app = make_app(settings, initial_mode="migrations", alembic_config=ini)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await confirm(app, pilot, settings)
        expected = (
            f"✗ revision {HEAD} failed: cannot make usernames unique without regard to case: "
            "'[b]Ann[/]' and '[B]aNN[/]' (ids 1, 2); rename or merge them, then upgrade again "
            f"(the database stays at {BEFORE})"
        )
        assert (expected, "bold $text-error") in log_lines(app.screen)
        shown = notifications(app)
        assert any("'[b]Ann[/]' and '[B]aNN[/]'" in message for message in shown), shown
    assert recorded_revisions(settings) == {BEFORE}


# -- after the migration -------------------------------------------------------------------------
async def test_saves_refuse_case_only_duplicates(manager: SessionManager) -> None:
    ann = await save_user(manager, user("ann"))
    with pytest.raises(FieldErrors) as caught:
        await save_user(manager, user("ANN", email="ANN@example.com"))
    assert caught.value.errors == {
        "username": "already taken",
        "email": "already used by another user",
    }
    bob = await save_user(manager, user("bob"))
    with pytest.raises(FieldErrors) as caught:
        changes = {"username": "Ann", "email": "Bob@example.com"}
        await save_user(manager, changes, bob, await read(manager, bob))
    assert caught.value.errors == {"username": "already taken"}
    with pytest.raises(FieldErrors) as caught:
        await save_user(manager, {"email": "Ann@example.com"}, bob, await read(manager, bob))
    assert caught.value.errors == {"email": "already used by another user"}
    # A user may change the case of their own name.
    await save_user(manager, {"username": "Ann"}, ann, await read(manager, ann))
    assert (await read(manager, ann))["username"] == "Ann"
    async with manager.session() as session:
        await repository(session).soft_delete(ann)
    with pytest.raises(FieldErrors) as caught:
        await save_user(manager, user("aNN", email="new@example.com"))
    assert caught.value.errors == {"username": "already taken (by a user in the trash)"}
    async with manager.session() as session:
        names = (await session.execute(select(users.c.username).order_by(users.c.id))).all()
    assert names == [("Ann",), ("bob",)]


async def test_non_ascii_names_follow_the_databases_lower(manager: SessionManager) -> None:
    """SQLite's lower() folds ASCII letters only, PostgreSQL's by the database's locale: the
    check agrees with the index either way, and ASCII letters fold everywhere."""
    async with manager.session() as session:
        folds = (await session.execute(text("select lower('ÄRNE') = 'ärne'"))).scalar()
    if manager.settings.is_sqlite:
        assert not folds  # PostgreSQL's depends on the database's locale
    await save_user(manager, user("Ärne", email="arne@example.com"))
    if folds:
        with pytest.raises(FieldErrors) as caught:
            await save_user(manager, user("ärne", email="a2@example.com"))
        assert caught.value.errors == {"username": "already taken"}
    else:
        await save_user(manager, user("ärne", email="a2@example.com"))
    with pytest.raises(FieldErrors) as caught:
        await save_user(manager, user("äRNE", email="a3@example.com"))
    assert caught.value.errors == {"username": "already taken"}


async def test_a_direct_insert_violates_the_index_and_maps_to_the_field(
    manager: SessionManager,
) -> None:
    """What a race between the check and the insert ends in."""
    async with manager.session() as session:
        await session.execute(
            insert(users), [{"username": "ann", "email": "ann@example.com", "hashed_password": "x"}]
        )
    duplicates = {
        "username": {"username": "ANN", "email": "other@example.com"},
        "email": {"username": "other", "email": "Ann@Example.com"},
    }
    for field, row in duplicates.items():
        with pytest.raises(IntegrityError) as caught:
            async with manager.session() as session:
                await session.execute(insert(users), [dict(row, hashed_password="x")])
        assert table_integrity_errors(caught.value, users).errors == {field: "already taken"}
    async with manager.session() as session:
        assert (await session.execute(select(users.c.username))).all() == [("ann",)]


@pytest.fixture(params=["sqlite", "postgres"])
def app_settings(request: pytest.FixtureRequest) -> Settings:
    """A writable development database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_settings(Path("app.db"))
    name = request.getfixturevalue("pg_database")
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    return load_settings(None, {"DATABASE_URL": url}, environ={})


async def test_user_form_shows_the_field_error_for_a_case_only_duplicate(
    app_settings: Settings,
) -> None:
    async with database(app_settings) as manager:
        await add_users(manager, ["ann", "bob"])
    async with running(app_settings) as (app, pilot):
        await pilot.press("n")
        await settle_users(app, pilot)
        fill(app, username="ANN", email="Ann@Example.com", password="long-enough")
        await save(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert form(app).errors() == {
            "username": "already taken",
            "email": "already used by another user",
        }
        await pilot.press("escape")  # unsaved changes: asks first
        await settle_users(app, pilot)
        await confirm_dialog(app, pilot)  # discard the new user

        await pilot.press("j", "enter")  # edit bob
        await settle_users(app, pilot)
        fill(app, username="Ann")
        await save(app, pilot)
        assert form(app).errors() == {"username": "already taken"}
        names = await rows(app.manager, "select username from users order by id")
    assert names == [("ann",), ("bob",)]
