"""Named connections of the user's config.toml (`[connections.NAME]`), as a user runs them:
`dbtui -c NAME` on the command line and in the app, `--list-connections`, and passwords that
never show."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Select

from tests.conftest import sqlite_settings
from tests.functional.test_cli import assert_one_line_failure, dbtui
from tests.functional.test_screen_common import SIZE, add_user, database, screen_text, settle
from tests.functional.test_user_config_app import wait_for
from tui.app import make_app
from tui.user_config import load_user_config

PASSWORD = "n0t-for:your@eyes"


def xdg_config(monkeypatch: pytest.MonkeyPatch, home: Path, text: str) -> Path:
    """`text` as `$XDG_CONFIG_HOME/dbtui/config.toml`, found the way a user's file is (no
    DBTUI_CONFIG_DIR)."""
    monkeypatch.delenv("DBTUI_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    path = home / "dbtui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_a_named_postgres_connection_from_the_config_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_database: str
) -> None:
    path = xdg_config(
        monkeypatch,
        tmp_path / "xdg",
        f'[connections.staging]\nhost = "127.0.0.1"\nport = 5432\nuser = "postgres"\n'
        f'database = "{pg_database}"\npassword_env = "STAGING_PW"\n',
    )
    secret = {"STAGING_PW": PASSWORD}
    work = tmp_path / "work"
    work.mkdir()
    # the environment points elsewhere: the chosen connection wins over it
    elsewhere = {**secret, "DATABASE_URL": "sqlite:///elsewhere.db"}
    upgraded = dbtui("-c", "staging", "migrate", cwd=work, env=elsewhere)
    assert upgraded.code == 0, upgraded
    checked = dbtui("check", "--connection", "staging", cwd=work, env=elsewhere)
    assert checked.code == 0, checked
    assert "environment: staging" in checked.out
    assert f"postgres:***@127.0.0.1:5432/{pg_database}" in checked.out
    assert f"named:       staging ({path})" in checked.out
    assert "up to date" in checked.out
    assert not (work / "elsewhere.db").exists()
    for run in (upgraded, checked):
        assert PASSWORD not in run.text and "n0t-for" not in run.text

    listed = dbtui("--list-connections", cwd=work, env=secret)
    assert listed.code == 0 and listed.err == ""
    assert listed.out.splitlines() == [
        f"staging  postgresql://postgres@127.0.0.1:5432/{pg_database}  "
        "(environment staging, password from $STAGING_PW)"
    ]
    missing = dbtui("-c", "staging", "check", cwd=work)
    assert_one_line_failure(missing, "password_env STAGING_PW is not set")


def test_unknown_and_broken_connections_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    xdg_config(
        monkeypatch,
        tmp_path / "xdg",
        '[connections.local]\nurl = "sqlite:///local.db"\n\n'
        '[connections.leaky]\nurl = "postgresql://app:hunter2@db/app"\n',
    )
    for command in (["check"], ["migrate", "current"], []):
        unknown = dbtui("-c", "lcoal", *command, cwd=tmp_path)
        assert_one_line_failure(unknown, "no connection named 'lcoal'", "known: leaky, local")
        leaky = dbtui("-c", "leaky", *command, cwd=tmp_path)
        assert_one_line_failure(leaky, "connection 'leaky'", "holds a password")
        assert "hunter2" not in leaky.text
    listed = dbtui("--list-connections", cwd=tmp_path)
    assert listed.code == 0
    assert listed.out.splitlines() == ["local  sqlite:///local.db  (environment local)"]
    assert "connection 'leaky'" in listed.err and "hunter2" not in listed.text
    assert not (tmp_path / "local.db").exists()  # nothing ran


async def test_the_app_opens_on_the_named_connection(tmp_path: Path) -> None:
    async with database(sqlite_settings(tmp_path / "named.db")) as manager:
        await add_user(manager, "only_in_named")
    path = tmp_path / "config.toml"
    path.write_text(f'[connections.mine]\nurl = "sqlite:///{tmp_path / "named.db"}"\n')
    config = load_user_config(path)
    connection = config.connection("mine").settings_values()
    Path(".env").write_text("SQLITE_DATABASE=other.db\n")  # the folder's own, overridden
    app = make_app(None, env_file=Path(".env"), connection=connection, user_config=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.settings_loaded and app.database_ready.is_set(), "settings")
        await settle(app, pilot)
        shown = screen_text(app)
        assert "only_in_named" in shown and "mine" in shown
        assert f"sqlite+aiosqlite:///{tmp_path / 'named.db'}" in shown
        await pilot.press("5")
        await wait_for(lambda: "named connection" in screen_text(app), "the Settings screen")
    assert not Path("other.db").exists()


def test_serve_starts_each_app_on_the_same_connection() -> None:
    from tui.cli import app_flags_from, build_parser

    for argv in (["serve", "-c", "staging"], ["--connection", "staging", "serve"]):
        assert app_flags_from(build_parser().parse_args(argv)) == ["--connection", "staging"]


async def test_the_settings_screen_switches_among_named_connections(tmp_path: Path) -> None:
    for name, user in (("first", "only_in_first"), ("second", "only_in_second")):
        async with database(sqlite_settings(tmp_path / f"{name}.db")) as manager:
            await add_user(manager, user)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[connections.first]\nurl = "sqlite:///{tmp_path / "first.db"}"\n\n'
        f'[connections.second]\nurl = "sqlite:///{tmp_path / "second.db"}"\n'
        'environment = "staging"\n'
    )
    config = load_user_config(path)
    first = config.connection("first").settings_values()
    app = make_app(None, env_file=Path(".env"), connection=first, user_config=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.settings_loaded and app.database_ready.is_set(), "settings")
        await settle(app, pilot)
        assert "only_in_first" in screen_text(app)
        await pilot.press("5")
        await wait_for(lambda: "Named connection" in screen_text(app), "the connection list")
        choices = app.screen.query_one("#settings-connection", Select)
        choices.focus()
        await pilot.press("enter")
        shown = choices.query_one(OptionList)  # the open list: prompt, first, second
        await wait_for(lambda: shown.display and shown.highlighted is not None, "the list")
        prompts = [str(shown.get_option_at_index(i).prompt) for i in range(shown.option_count)]
        target = next(i for i, prompt in enumerate(prompts) if prompt.startswith("second "))
        await pilot.press(*["down"] * (target - (shown.highlighted or 0)))
        assert shown.highlighted == target, prompts
        await pilot.press("enter")
        await wait_for(lambda: "Switched to" in screen_text(app), "the switch")
        assert f"{tmp_path / 'second.db'}" in app.settings.masked_url
        assert app.settings.ENVIRONMENT == "staging"
        assert "named connection" in screen_text(app)  # where DATABASE_URL now comes from
        await pilot.press("ctrl+s")  # a named connection is not an edit: .env stays as it is
        await wait_for(lambda: "Nothing to save" in screen_text(app), "the save's answer")
        assert not Path(".env").exists()
        await pilot.press("1")
        await wait_for(lambda: "only_in_second" in screen_text(app), "the second database's rows")
        assert "only_in_first" not in screen_text(app)
        assert "STAGING" in screen_text(app) or "staging" in screen_text(app)
