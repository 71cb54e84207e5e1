"""Snapshot of the Settings screen: every group, origins, the password masked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from tests.functional.test_settings_screen import SECRET, prepare, settle
from tui.app import DbTuiApp, make_app
from tui.config import load_settings


def test_settings_screen_snapshot(snap_compare) -> None:
    # Relative paths only (the test runs in a fresh temporary folder): nothing on screen
    # depends on where or when it runs.
    env_file = Path(".env")
    env_file.write_text(f"# local\nDB_POOL_SIZE=7\nPOSTGRES_PASSWORD={SECRET}\n")
    settings = load_settings(env_file, {"SQLITE_DATABASE": "app.db"}, environ={})
    asyncio.run(prepare(settings))
    app = make_app(
        settings,
        env_file=env_file,
        overrides={"SQLITE_DATABASE": "app.db"},
        initial_mode="settings",
    )

    async def run_before(pilot: Pilot) -> None:
        assert isinstance(pilot.app, DbTuiApp)
        await settle(pilot.app, pilot)
        pilot.app.screen.query_one("#field-POSTGRES_PORT", Input).value = "0"
        await pilot.pause()
        pilot.app.screen.set_focus(None)
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(120, 40))
