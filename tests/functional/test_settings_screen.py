"""The Settings screen, driven through the app: origins, masking, validation, test, apply, save."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static
from textual.worker import WorkerState

from tests.conftest import copy_demo_schema, pg_settings, sqlite_settings
from tests.functional.test_screen_common import notifications, screen_text
from tui.app import DbTuiApp, make_app
from tui.config import Settings, load_settings
from tui.db.session import SessionManager
from tui.models import User
from tui.screens.modals import ConfirmScreen

SECRET = "Zq8-pa55word-NEVER-SHOWN"
TYPED = "Tq7-typed!"


def status(app: DbTuiApp) -> str:
    return str(app.screen.query_one("#settings-status", Static).render())


def field_error(app: DbTuiApp, name: str) -> str:
    return str(app.screen.query_one(f"#error-{name}", Static).render())


async def settle(app: DbTuiApp, pilot: Pilot) -> None:
    """Wait until no worker is pending or running (a cancelled one is fine), then repaint."""
    while busy := [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]:
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
    await pilot.pause()


async def prepare(settings: Settings, username: str | None = None) -> None:
    """Give the database the schema and, optionally, one distinctive user."""
    copy_demo_schema(settings)
    mgr = SessionManager(settings)
    mgr.unlock()
    try:
        if username:
            async with mgr.session() as session:
                session.add(
                    User(email=f"{username}@example.com", username=username, hashed_password="x")
                )
    finally:
        await mgr.dispose()


async def usernames(app: DbTuiApp) -> set[str]:
    async with app.manager.session() as session:
        return set((await session.execute(select(User.username))).scalars())


@asynccontextmanager
async def settings_app(
    settings: Settings,
    env_file: Path,
    overrides: dict[str, str] | None = None,
) -> AsyncIterator[tuple[DbTuiApp, Pilot]]:
    app = make_app(settings, env_file=env_file, overrides=overrides, initial_mode="settings")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        yield app, pilot


async def type_into(app: DbTuiApp, pilot: Pilot, name: str, text: str) -> None:
    """Replace a field's text the way a user does: focus, clear, type (slow: short texts)."""
    widget = app.screen.query_one(f"#field-{name}", Input)
    widget.focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u")
    if text:
        await pilot.press(*text)
    await pilot.pause()


async def set_field(app: DbTuiApp, pilot: Pilot, name: str, text: str) -> None:
    """Replace a field's text at once (the same `Input.Changed` as typing, without the wait)."""
    app.screen.query_one(f"#field-{name}", Input).value = text
    await pilot.pause()


async def save_listing(app: DbTuiApp, pilot: Pilot) -> str:
    """Press ctrl+s and return what the confirmation lists before writing (left open)."""
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    assert isinstance(app.screen, ConfirmScreen), f"no confirmation; status: {status(app)}"
    return str(app.screen.query_one("#body", Static).render())


def listed_keys(listing: str) -> list[str]:
    """The setting names under "Write to …:" in a save confirmation."""
    lines = listing.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Write to "))
    entries = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        entries.append(line.split()[0].split("=")[0])
    return entries


async def answer(app: DbTuiApp, pilot: Pilot, key: str) -> None:
    """Answer the open yes/no dialog (`y` or `n`)."""
    await pilot.press(key)
    await settle(app, pilot)


async def choose_environment(app: DbTuiApp, pilot: Pilot, value: str) -> None:
    app.screen.query_one("#field-ENVIRONMENT", Select).value = value
    await pilot.pause()


async def fill_postgres(app: DbTuiApp, pilot: Pilot, database: str, port: str = "5432") -> None:
    await choose_environment(app, pilot, "production")
    await set_field(app, pilot, "POSTGRES_HOST", "127.0.0.1")
    await set_field(app, pilot, "POSTGRES_PORT", port)
    await set_field(app, pilot, "POSTGRES_USER", "postgres")
    await set_field(app, pilot, "POSTGRES_DB", database)


# -- what the screen shows -------------------------------------------------------------------
async def test_every_setting_with_its_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"# mine\nDB_POOL_SIZE=7\nPOSTGRES_PASSWORD={SECRET}\n")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "45")
    overrides = {"SQLITE_DATABASE": "app.db"}
    settings = load_settings(env_file, overrides)
    await prepare(settings)
    async with settings_app(settings, env_file, overrides) as (app, _pilot):
        text = screen_text(app)
        for label in ("Environment", "SQLite", "PostgreSQL", "Pool", "DATABASE_URL override"):
            assert label in text
        origin = {
            name: str(app.screen.query_one(f"#origin-{name}", Static).render())
            for name in ("DB_POOL_SIZE", "DB_POOL_TIMEOUT", "SQLITE_DATABASE", "POSTGRES_PORT")
        }
        assert origin == {
            "DB_POOL_SIZE": ".env",
            "DB_POOL_TIMEOUT": "environment variable",
            "SQLITE_DATABASE": "command line",
            "POSTGRES_PORT": "default",
        }
        assert app.screen.query_one("#field-DB_POOL_SIZE", Input).value == "7"
        assert app.screen.query_one("#field-DB_POOL_TIMEOUT", Input).value == "45"
        password = app.screen.query_one("#field-POSTGRES_PASSWORD", Input)
        assert password.password and password.value == ""
        assert "(unchanged)" in text
        assert SECRET not in text
        assert SECRET not in app.export_screenshot()


async def test_password_and_url_never_rendered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"postgresql://someone:{SECRET}@127.0.0.1:1/nowhere"
    settings = sqlite_settings(Path("app.db"), POSTGRES_PASSWORD=SECRET)
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await type_into(app, pilot, "POSTGRES_PASSWORD", TYPED)
        assert "•" * len(TYPED) in screen_text(app)
        await set_field(app, pilot, "DATABASE_URL", url)
        text = screen_text(app)
        assert "someone:***@127.0.0.1:1/nowhere" in text  # the masked preview
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "host unreachable" in status(app)
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert "Not switched" in status(app)
        shown = [screen_text(app), app.export_screenshot(), status(app)]
        shown += notifications(app)
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        assert SECRET not in text and TYPED not in text


# -- validation at the field -----------------------------------------------------------------
async def test_invalid_values_are_reported_next_to_their_field(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await type_into(app, pilot, "POSTGRES_PORT", "70000")
        assert "1 to 65535" in field_error(app, "POSTGRES_PORT")
        await set_field(app, pilot, "POSTGRES_PORT", "0")
        assert "1 to 65535" in field_error(app, "POSTGRES_PORT")
        await set_field(app, pilot, "DB_POOL_SIZE", "")
        assert "positive whole number" in field_error(app, "DB_POOL_SIZE")
        await set_field(app, pilot, "DB_POOL_TIMEOUT", "0")
        assert "positive" in field_error(app, "DB_POOL_TIMEOUT")
        await set_field(app, pilot, "DATABASE_URL", "mysql://x@y/z")
        assert "only sqlite" in field_error(app, "DATABASE_URL")
        engine = app.manager.engine
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert "Fix the marked fields" in status(app)
        assert app.manager.engine is engine
        # Fixing the fields clears their messages.
        await set_field(app, pilot, "POSTGRES_PORT", "5433")
        await set_field(app, pilot, "DB_POOL_SIZE", "3")
        await set_field(app, pilot, "DB_POOL_TIMEOUT", "9")
        await set_field(app, pilot, "DATABASE_URL", "")
        for name in ("POSTGRES_PORT", "DB_POOL_SIZE", "DB_POOL_TIMEOUT", "DATABASE_URL"):
            assert field_error(app, name) == ""


async def test_postgres_host_required_in_production(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await choose_environment(app, pilot, "production")
        await set_field(app, pilot, "POSTGRES_HOST", "  ")
        assert "host must not be empty" in field_error(app, "POSTGRES_HOST")


# -- test connection -------------------------------------------------------------------------
async def test_connection_test_reports_server_and_reasons(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    Path("garbage.db").write_bytes(b"this is not a database file at all" * 100)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        engine, live = app.manager.engine, app.manager.settings
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert status(app).startswith("Connected: SQLite 3.")
        assert "round trip" in status(app) and "sqlite+aiosqlite:///app.db" in status(app)

        await set_field(app, pilot, "SQLITE_DATABASE", "garbage.db")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "not a SQLite database file" in status(app)

        await set_field(app, pilot, "SQLITE_DATABASE", "missing.db")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "does not exist yet" in status(app)
        assert not Path("missing.db").exists()

        await set_field(app, pilot, "SQLITE_DATABASE", "no/such/folder/x.db")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "folder does not exist" in status(app)

        await fill_postgres(app, pilot, "app", port="1")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "host unreachable" in status(app)
        assert "postgresql+asyncpg://postgres@127.0.0.1:1/app" in status(app)
        # The live connection was never touched.
        assert app.manager.engine is engine and app.manager.settings is live


@pytest.mark.postgres
async def test_connection_test_on_postgres(tmp_path: Path, pg_database: str) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await fill_postgres(app, pilot, pg_database)
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert status(app).startswith("Connected: PostgreSQL ")
        await set_field(app, pilot, "POSTGRES_DB", pg_database + "_missing")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "database does not exist" in status(app)
        await set_field(app, pilot, "POSTGRES_DB", pg_database)
        await set_field(app, pilot, "POSTGRES_USER", "no_such_role_xyz")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert "does not exist" in status(app) and "no_such_role_xyz" in status(app)


# -- apply -----------------------------------------------------------------------------------
async def users_screen_text(app: DbTuiApp, pilot: Pilot, username: str) -> str:
    """Go to the Users screen, wait for `username` to show, come back to Settings."""
    await pilot.press("1")
    await settle(app, pilot)
    for _ in range(200):
        if username in screen_text(app):
            break
        await pilot.pause(0.02)
    shown = screen_text(app)
    await pilot.press("5")
    await settle(app, pilot)
    return shown


@pytest.mark.postgres
async def test_switch_sqlite_to_postgres_and_back(tmp_path: Path, pg_database: str) -> None:
    sqlite = sqlite_settings(Path("app.db"))
    await prepare(sqlite, "only_in_sqlite")
    await prepare(pg_settings(pg_database), "only_in_postgres")
    async with settings_app(sqlite, tmp_path / ".env") as (app, pilot):
        assert await usernames(app) == {"only_in_sqlite"}
        assert "only_in_sqlite" in await users_screen_text(app, pilot, "only_in_sqlite")
        generation = app.db_generation

        await fill_postgres(app, pilot, pg_database)
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert status(app).startswith("Switched to postgresql+asyncpg://")
        assert await usernames(app) == {"only_in_postgres"}
        assert app.db_generation > generation
        users = await users_screen_text(app, pilot, "only_in_postgres")
        assert "only_in_postgres" in users and "only_in_sqlite" not in users
        text = screen_text(app)
        assert "PRODUCTION" in text and f"127.0.0.1:5432/{pg_database}" in text
        assert app.manager.read_only and "read-only" in text

        await choose_environment(app, pilot, "development")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert await usernames(app) == {"only_in_sqlite"}
        text = screen_text(app)
        assert "DEVELOPMENT" in text and "sqlite+aiosqlite:///app.db" in text
        assert not app.manager.read_only
        users = await users_screen_text(app, pilot, "only_in_sqlite")
        assert "only_in_sqlite" in users and "only_in_postgres" not in users


async def test_failed_switch_keeps_the_old_connection(tmp_path: Path) -> None:
    sqlite = sqlite_settings(Path("app.db"))
    await prepare(sqlite, "still_here")
    async with settings_app(sqlite, tmp_path / ".env") as (app, pilot):
        engine = app.manager.engine
        await fill_postgres(app, pilot, "app", port="1")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert "Not switched: host unreachable" in status(app)
        assert "Still using sqlite+aiosqlite:///app.db" in status(app)
        assert app.manager.engine is engine
        assert app.environment == "development"
        assert app.masked_url == "sqlite+aiosqlite:///app.db"
        assert await usernames(app) == {"still_here"}

        await set_field(app, pilot, "SQLITE_DATABASE", "no/such/folder/x.db")
        await choose_environment(app, pilot, "development")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert "folder does not exist" in status(app)
        assert await usernames(app) == {"still_here"}


async def test_switch_waits_for_a_running_write(tmp_path: Path) -> None:
    first, second = sqlite_settings(Path("first.db")), sqlite_settings(Path("second.db"))
    await prepare(first)
    await prepare(second)
    async with settings_app(first, tmp_path / ".env") as (app, pilot):
        old_manager_settings = app.manager.settings
        async with app.manager.session() as session:
            session.add(User(email="w@example.com", username="in_flight", hashed_password="x"))
            await session.flush()
            await set_field(app, pilot, "SQLITE_DATABASE", "second.db")
            await pilot.press("ctrl+a")
            await pilot.pause()
            assert "Switching" in status(app)
            assert app.manager.settings is old_manager_settings  # still waiting
            await pilot.press("ctrl+a")  # a second Apply does not cancel the first
            await pilot.pause()
            assert any("already running" in n for n in notifications(app))
        await settle(app, pilot)
        assert status(app).startswith("Switched to sqlite+aiosqlite:///second.db")
    check = SessionManager(first)
    try:
        async with check.session() as session:
            names = set((await session.execute(select(User.username))).scalars())
    finally:
        await check.dispose()
    assert names == {"in_flight"}


# -- save ------------------------------------------------------------------------------------
async def test_env_round_trip(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# my project settings\nOTHER_TOOL_KEY=keep me\nSQLITE_DATABASE=app.db\n"
        "POSTGRES_PASSWORD=old-password\n"
    )
    settings = load_settings(env_file)
    await prepare(settings)
    async with settings_app(settings, env_file) as (app, pilot):
        await set_field(app, pilot, "POSTGRES_PASSWORD", SECRET)
        await set_field(app, pilot, "DB_POOL_SIZE", "8")
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["POSTGRES_PASSWORD", "DB_POOL_SIZE"]
        assert "POSTGRES_PASSWORD (changed)" in listing and SECRET not in listing
        await answer(app, pilot, "y")
        assert status(app).startswith(f"Saved to {env_file}")
        assert "press ctrl+a to use them now" in status(app)
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert app.manager.settings.DB_POOL_SIZE == 8
        assert str(app.screen.query_one("#origin-DB_POOL_SIZE", Static).render()) == ".env"
        shown = [screen_text(app), listing, *notifications(app)]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    content = env_file.read_text()
    assert content.startswith("# my project settings\nOTHER_TOOL_KEY=keep me\n")
    assert f"POSTGRES_PASSWORD={SECRET}" in content and "old-password" not in content
    reloaded = load_settings(env_file)
    assert reloaded.POSTGRES_PASSWORD.get_secret_value() == SECRET
    assert reloaded.DB_POOL_SIZE == 8 and reloaded.SQLITE_DATABASE == "app.db"
    # The password is in .env and nowhere else: no other file, screen, notification or log.
    for folder in {tmp_path, Path.cwd()}:
        for path in folder.rglob("*"):
            if path.is_file() and path != env_file:
                assert SECRET.encode() not in path.read_bytes(), path
    assert all(SECRET not in text for text in shown)
    assert all(SECRET not in record.getMessage() for record in caplog.records)


async def test_read_only_env_file_is_left_alone(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# keep\nDB_POOL_SIZE=4\n")
    env_file.chmod(0o400)
    settings = load_settings(env_file, {"SQLITE_DATABASE": "app.db"})
    await prepare(settings)
    async with settings_app(settings, env_file) as (app, pilot):
        await set_field(app, pilot, "DB_POOL_SIZE", "9")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "is read-only; the file is unchanged" in status(app)
    assert env_file.read_text() == "# keep\nDB_POOL_SIZE=4\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


async def test_unwritable_targets_give_a_clear_message(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        for target, message in (
            (folder / ".env", "is not writable"),
            (tmp_path / "missing" / ".env", "folder does not exist"),
            (tmp_path, "is a folder"),
        ):
            async with settings_app(settings, target) as (app, pilot):
                await pilot.press("ctrl+s")
                await settle(app, pilot)
                assert message in status(app)
                assert "Not saved" in status(app)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


async def test_apply_to_a_new_sqlite_file_creates_the_schema(tmp_path: Path) -> None:
    settings = sqlite_settings(Path("app.db"))
    await prepare(settings, "old_db_user")
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        await set_field(app, pilot, "SQLITE_DATABASE", "fresh.db")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert status(app).startswith("Switched to sqlite+aiosqlite:///fresh.db")
        assert await usernames(app) == set()  # the tables exist, empty


async def test_clearing_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"POSTGRES_PASSWORD={SECRET}\nDATABASE_URL=sqlite:///other.db\n")
    settings = load_settings(env_file)
    await prepare(settings)
    await prepare(sqlite_settings(Path("app.db")), "default_db_user")
    async with settings_app(settings, env_file) as (app, pilot):
        assert app.masked_url == "sqlite+aiosqlite:///other.db"
        await pilot.click("#clear-DATABASE_URL")
        await pilot.click("#clear-POSTGRES_PASSWORD")
        await pilot.pause()
        assert "(cleared" in screen_text(app)
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["POSTGRES_PASSWORD", "DATABASE_URL"]
        assert "POSTGRES_PASSWORD (cleared)" in listing and "DATABASE_URL (cleared)" in listing
        await answer(app, pilot, "y")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert app.masked_url == "sqlite+aiosqlite:///app.db"
        assert await usernames(app) == {"default_db_user"}
    reloaded = load_settings(env_file)
    assert reloaded.DATABASE_URL_OVERRIDE is None
    assert reloaded.POSTGRES_PASSWORD.get_secret_value() == ""
    assert SECRET not in env_file.read_text()


async def test_save_writes_only_edits_never_the_environment_or_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", SECRET)
    monkeypatch.setenv("ENVIRONMENT", "development")
    env_file = tmp_path / ".env"
    original = b"# my settings\nexport OTHER_TOOL='keep me'  # theirs\nDB_POOL_SIZE=7\n\n"
    env_file.write_bytes(original)
    overrides = {"SQLITE_DATABASE": "app.db"}  # as `--sqlite app.db` gives it
    settings = load_settings(env_file, overrides)
    await prepare(settings)
    async with settings_app(settings, env_file, overrides) as (app, pilot):
        await pilot.press("ctrl+s")  # nothing edited: nothing to write, no question
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert status(app).startswith("Nothing to save")
        assert env_file.read_bytes() == original

        await set_field(app, pilot, "DB_POOL_TIMEOUT", "45")
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["DB_POOL_TIMEOUT"]
        assert "DB_POOL_TIMEOUT=45" in listing
        assert "ENVIRONMENT, SQLITE_DATABASE, POSTGRES_PASSWORD" in listing  # left out
        await answer(app, pilot, "n")
        assert status(app) == "Not saved."
        assert env_file.read_bytes() == original

        await save_listing(app, pilot)
        await answer(app, pilot, "y")
        assert env_file.read_bytes() == original + b"DB_POOL_TIMEOUT=45\n"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

        await set_field(app, pilot, "DB_POOL_SIZE", "9")  # a key of the file: replaced in place
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["DB_POOL_SIZE"]
        await answer(app, pilot, "y")
        edited = original.replace(b"DB_POOL_SIZE=7", b"DB_POOL_SIZE=9")
        assert env_file.read_bytes() == edited + b"DB_POOL_TIMEOUT=45\n"

        await type_into(app, pilot, "POSTGRES_PASSWORD", TYPED)  # edited: now it is written
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["POSTGRES_PASSWORD"]
        assert "POSTGRES_PASSWORD (changed)  (the environment variable still takes" in listing
        assert TYPED not in listing and SECRET not in listing
        await answer(app, pilot, "y")
        shown = [screen_text(app), status(app)]
    content = env_file.read_bytes()
    assert content == edited + f'DB_POOL_TIMEOUT=45\nPOSTGRES_PASSWORD="{TYPED}"\n'.encode()
    assert b"ENVIRONMENT" not in content and b"SQLITE_DATABASE" not in content
    assert SECRET.encode() not in content
    assert all(TYPED not in text and SECRET not in text for text in shown)


async def test_applied_edits_are_listed_and_saved(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DB_POOL_SIZE=7\n")
    settings = load_settings(env_file, {"SQLITE_DATABASE": "app.db"})
    await prepare(settings)
    async with settings_app(settings, env_file, {"SQLITE_DATABASE": "app.db"}) as (app, pilot):
        await set_field(app, pilot, "DB_POOL_RECYCLE", "900")
        await pilot.press("ctrl+a")
        await settle(app, pilot)
        assert status(app).startswith("Switched to")
        listing = await save_listing(app, pilot)
        assert listed_keys(listing) == ["DB_POOL_RECYCLE"]
        await answer(app, pilot, "y")
        assert env_file.read_text() == "DB_POOL_SIZE=7\nDB_POOL_RECYCLE=900\n"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert status(app).startswith("Nothing to save")
