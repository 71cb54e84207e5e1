"""The user's config.toml: where it is, what is read from it, and saving the theme."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tui.user_config import config_path, load_user_config, save_theme

SAMPLE = """\
# my dbtui settings
[keys]
"record_table.sort" = "S"   # capital S sorts
"app.sql_log" = " ctrl+l , f2 "

[connections.local]
url = "sqlite:///app.db"
"""


def test_the_file_lives_in_the_config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DBTUI_CONFIG_DIR", str(tmp_path))
    assert config_path() == tmp_path / "config.toml"
    monkeypatch.delenv("DBTUI_CONFIG_DIR")
    assert config_path().parts[-2:] == ("dbtui", "config.toml")


def test_keys_and_theme_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_user_config(path).keys == {}  # no file: defaults
    path.write_text('theme = "nord"\n' + SAMPLE)
    config = load_user_config(path)
    assert config.theme == "nord" and config.problems == ()
    assert config.keys == {"record_table.sort": "S", "app.sql_log": "ctrl+l,f2"}


def test_problems_are_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[keys\n")
    config = load_user_config(path)
    assert config.keys == {} and len(config.problems) == 1 and str(path) in config.problems[0]
    path.write_text('theme = 3\n[keys]\n"app.help" = 1\n"app.quit" = "ctrl+x"\n')
    config = load_user_config(path)
    assert config.theme is None and config.keys == {"app.quit": "ctrl+x"}
    assert [p.split(": ", 1)[1] for p in config.problems] == [
        "theme must be a string",
        'keys.app.help must be a string of keys, like "S"',
    ]


def test_saving_the_theme_keeps_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "config.toml"
    save_theme(path, "nord")  # no file yet: created with its folder
    assert path.read_text() == 'theme = "nord"\n'
    path.write_text(SAMPLE)
    save_theme(path, "textual-light")  # before the first table, comments kept
    assert path.read_text() == 'theme = "textual-light"\n' + SAMPLE
    save_theme(path, 'odd "name"')  # replaced in place, quoted as TOML
    assert path.read_text() == 'theme = "odd \\"name\\""\n' + SAMPLE
    assert tomllib.loads(path.read_text())["theme"] == 'odd "name"'
    assert list(tmp_path.glob("deeper/.config.*")) == []  # no temporary file left
