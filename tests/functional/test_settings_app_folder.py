"""dbtui run in an application's folder: its `.env` and environment use the same names for other
purposes; dbtui starts, shows the environment as it is named, and guards production."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Select, Static

from tests.conftest import pg_settings
from tests.functional.test_settings_screen import prepare, settle, usernames
from tui.app import DbTuiApp, make_app
from tui.config import load_settings
from tui.db.errors import ReadOnlyError
from tui.db.session import SessionManager
from tui.models import User

WAIT_STEPS = 1500  # pauses of 0.02 s: about 30 s on a loaded machine


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def badge(app: DbTuiApp) -> tuple[str, set[str]]:
    widget = app.screen.query_one("#env-badge", Static)
    return str(widget.render()), set(widget.classes)


async def started(app: DbTuiApp, pilot: Pilot) -> None:
    await wait_until(
        pilot,
        lambda: (
            app.return_code is not None or (app.settings_loaded and app.database_ready.is_set())
        ),
        "settings and database",
    )
    assert app.return_code is None, app.startup_error
    await settle(app, pilot)


async def test_an_application_environment_name_starts_as_development(tmp_path: Path) -> None:
    Path(".env").write_text("# the application's own\nENVIRONMENT=staging\nSECRET_KEY=x\n")
    app = make_app(None, env_file=Path(".env"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert badge(app) == ("staging", {"development"})  # the first frame already
        await started(app, pilot)
        assert badge(app) == ("staging", {"development"})
        assert app.settings.masked_url == "sqlite+aiosqlite:///app.db"
        assert not app.manager.read_only
        await wait_until(
            pilot,
            lambda: (
                "No users yet" in str(app.screen.query_one("#empty-hint", Static).render())
                if app.screen.query("#empty-hint")
                else False
            ),
            "the Users screen on the new database",
        )
        async with app.manager.session() as session:  # writes are allowed: development
            session.add(User(email="a@example.com", username="ann_staging", hashed_password="x"))
        assert await usernames(app) == {"ann_staging"}


async def test_dbtui_production_makes_any_name_read_only(tmp_path: Path) -> None:
    database = tmp_path / "live.db"
    settings = load_settings(None, {"DATABASE_URL": f"sqlite:///{database}"}, environ={})
    await prepare(settings, "existing_user")
    Path(".env").write_text(
        f"ENVIRONMENT=local\nDATABASE_URL=sqlite:///{database}\nDBTUI_PRODUCTION=true\n"
    )
    app = make_app(None, env_file=Path(".env"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert badge(app) == ("local", {"production"})
        await started(app, pilot)
        assert badge(app) == ("local", {"production"})
        assert app.connection_state == "read-only" and app.manager.read_only
        with pytest.raises(ReadOnlyError):
            async with app.manager.session() as session:
                session.add(User(email="b@example.com", username="refused", hashed_password="x"))
        assert await usernames(app) == {"existing_user"}


async def test_settings_screen_keeps_an_unknown_name_and_switches_from_it(tmp_path: Path) -> None:
    Path(".env").write_text("ENVIRONMENT=local\n")
    app = make_app(None, env_file=Path(".env"), initial_mode="settings")
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        choice = app.screen.query_one("#field-ENVIRONMENT", Select)
        assert choice.value == "local"
        choice.value = "testing"
        await pilot.pause()
        await pilot.press("ctrl+a")
        await wait_until(pilot, lambda: app.environment == "testing", "the switch to testing")
        await settle(app, pilot)
        assert badge(app) == ("TESTING", {"testing"})
        assert app.settings.is_memory


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
async def test_database_url_as_other_tools_write_it_connects(pg_database: str, scheme: str) -> None:
    settings = load_settings(
        None, environ={"DATABASE_URL": f"{scheme}://postgres@127.0.0.1:5432/{pg_database}"}
    )
    manager = SessionManager(settings)
    try:
        async with manager.read_session() as session:
            assert (await session.execute(text("select current_database()"))).scalar() == (
                pg_database
            )
    finally:
        await manager.dispose()


@pytest.mark.postgres
async def test_libpq_variables_reach_postgres_and_production_stays_read_only(
    pg_database: str,
) -> None:
    await prepare(pg_settings(pg_database), "pg_user")
    environ = {
        "ENVIRONMENT": "prod",
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGUSER": "postgres",
        "PGDATABASE": pg_database,
    }
    settings = load_settings(None, environ=environ)
    assert settings.masked_url == f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_database}"
    manager = SessionManager(settings)
    try:
        assert manager.read_only
        async with manager.read_session() as session:
            names = (await session.execute(text("select username from users"))).scalars()
            assert list(names) == ["pg_user"]
        with pytest.raises(ReadOnlyError):
            async with manager.session() as session:
                await session.execute(text("delete from users"))
    finally:
        await manager.dispose()
