"""Connection health: the header says when the database is gone; `r` works once it is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import _pg_admin, pg_settings, sqlite_settings
from tests.functional.test_settings_screen import prepare, screen_text, settle
from tui.app import DbTuiApp, make_app


async def until(pilot: Pilot, condition, attempts: int = 500) -> None:
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met")


async def refresh(app: DbTuiApp, pilot: Pilot) -> None:
    await pilot.press("r")
    await settle(app, pilot)


@pytest.mark.postgres
async def test_postgres_goes_away_and_comes_back(tmp_path: Path, pg_database: str) -> None:
    await prepare(pg_settings(pg_database), "survivor")
    app = make_app(pg_settings(pg_database), env_file=tmp_path / ".env", initial_mode="users")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await until(pilot, lambda: "survivor" in screen_text(app))

        # Connections dropped by the server: the pool's pre-ping reconnects, nobody notices.
        await _pg_admin(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            f"where datname = '{pg_database}'"
        )
        await refresh(app, pilot)
        assert not app.connection_problem
        assert "survivor" in screen_text(app)

        # The database refuses connections: the header says so, actions fail clearly.
        await _pg_admin(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS false')
        await _pg_admin(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            f"where datname = '{pg_database}'"
        )
        try:
            await refresh(app, pilot)
            await until(pilot, lambda: app.connection_problem)
            assert "connection lost" in app.connection_state
            assert "not currently accepting connections" in app.connection_state
            assert "connection lost" in screen_text(app)
        finally:
            await _pg_admin(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS true')

        # Back: the next refresh works, without restarting, and the header recovers.
        await refresh(app, pilot)
        await until(pilot, lambda: not app.connection_problem)
        assert app.connection_state == "read-only"
        await until(pilot, lambda: "survivor" in screen_text(app))


async def test_sqlite_file_removed_and_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.services.connection_watch.FILE_WATCH_SECONDS", 0.05)
    Path("data").mkdir()
    settings = sqlite_settings(Path("data/app.db"))
    await prepare(settings, "on_disk")
    app = make_app(settings, env_file=tmp_path / ".env", initial_mode="users")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await until(pilot, lambda: "on_disk" in screen_text(app))

        Path("data").rename("moved-away")
        await until(pilot, lambda: app.connection_problem)
        assert "SQLite folder is gone" in app.connection_state
        assert "SQLite folder is gone" in screen_text(app)

        Path("moved-away").rename("data")
        await until(pilot, lambda: not app.connection_problem)
        assert app.connection_state == ""
        await refresh(app, pilot)
        await until(pilot, lambda: "on_disk" in screen_text(app))
