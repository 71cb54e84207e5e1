"""The user's config.toml in the running app: keys remapped through Textual's keymap (and `?`
showing them), the theme remembered, `--theme` for one run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tests.functional.test_cli import assert_one_line_failure, dbtui
from tests.functional.test_screen_common import (
    SIZE,
    add_users,
    column_values,
    database,
    local_sqlite,
    screen_text,
    settle,
)
from tui.app import make_app
from tui.screens.modals import HelpScreen
from tui.user_config import UserConfig, load_user_config
from tui.widgets.sql_log_panel import SqlLogPanel


async def wait_for(condition: Callable[[], object], what: str, timeout: float = 10) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_keys_from_the_config_file_work_and_help_shows_them() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["bob", "amy", "cat"])
    config = UserConfig(keys={"record_table.sort": "S", "app.sql_log": "f2"})
    app = make_app(settings, user_config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()
        shown = {description.split(" — ")[0]: keys for keys, description, _ in app.screen.rows}
        assert shown["Sort"] == "S" and shown["SQL log"] == "f2"
        help_lines = screen_text(app).splitlines()
        assert any("S " in line and "Sort" in line for line in help_lines)
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, HelpScreen), "help to close")

        # The old keys do nothing, the new ones do what the bindings did.
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not app.sql_log_visible
        await pilot.press("f2")
        await wait_for(lambda: app.screen.query_one(SqlLogPanel).display, "the SQL log panel")

        await pilot.press("right")  # username
        before = column_values(app, 1)
        assert before == ["bob", "amy", "cat"]
        await pilot.press("s")
        await settle(app, pilot)
        assert column_values(app, 1) == before
        await pilot.press("S")
        await settle(app, pilot)
        await wait_for(lambda: column_values(app, 1) == ["amy", "bob", "cat"], "sorted rows")


async def test_the_chosen_theme_is_remembered(tmp_path: Path) -> None:
    settings = local_sqlite()
    async with database(settings):
        pass
    path = tmp_path / "config.toml"
    path.write_text('# mine\ntheme = "textual-light"\n\n[keys]\n"app.sql_log" = "f2"\n')
    app = make_app(settings, user_config=load_user_config(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "textual-light" and app.current_theme.dark is False
        app.theme = "nord"  # what the palette's "Change theme" does
        await wait_for(lambda: load_user_config(path).theme == "nord", "the theme to be saved")
    assert path.read_text() == '# mine\ntheme = "nord"\n\n[keys]\n"app.sql_log" = "f2"\n'

    # --theme picks one for this run only.
    app = make_app(settings, user_config=load_user_config(path), theme="dracula")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "dracula"
    assert load_user_config(path).theme == "nord"


def test_an_unknown_theme_is_one_line(tmp_path: Path) -> None:
    run = dbtui("--theme", "no-such-theme", cwd=tmp_path)
    assert_one_line_failure(run, "--theme: unknown theme 'no-such-theme'", "textual-light")
    assert not list(tmp_path.glob("*.db"))
