"""Start-up stays light: importing the app pulls in neither Alembic nor Faker."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("alembic", "faker", "mako", "hypothesis", "tui.export", "tui.seed", "tui.migrations")


def test_importing_the_app_and_first_screen_stays_light() -> None:
    code = (
        "import sys, tui.app, tui.cli, tui.screens.users;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
