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


# -- named connections -----------------------------------------------------------------------
CONNECTIONS = """\
[connections.local]
url = "sqlite:///data/app.db"

[connections.staging]
host = "db.internal"
port = 6543
user = "ops@corp"
database = "shop"
password_env = "STAGING_PW"
models = "shop.models:Base"

[connections.prod]
url = "postgres://reader@db.internal/shop"

[connections.socket]
host = "/var/run/postgresql"
database = "shop"
environment = "local"
production = true
"""


def test_connections_are_read_with_their_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONNECTIONS)
    config = load_user_config(path)
    assert config.problems == () and list(config.connections) == [
        "local",
        "staging",
        "prod",
        "socket",
    ]
    assert config.connection("local").settings_values() == {
        "DATABASE_URL": "sqlite:///data/app.db",
        "ENVIRONMENT": "local",  # the name, unless `environment` says otherwise
    }
    staging = config.connection("staging")
    assert staging.settings_values({"STAGING_PW": "p@ss:w/rd"}) == {
        "DATABASE_URL": "postgresql://ops%40corp:p%40ss%3Aw%2Frd@db.internal:6543/shop",
        "ENVIRONMENT": "staging",
        "MODELS": "shop.models:Base",
    }
    # `prod` is production by its name (as ENVIRONMENT=prod is); `production = true` marks any
    assert config.connection("prod").settings_values()["ENVIRONMENT"] == "prod"
    assert config.connection("socket").settings_values() == {
        "DATABASE_URL": "postgresql:///shop?host=/var/run/postgresql",
        "ENVIRONMENT": "local",
        "PRODUCTION": "true",
    }


def test_connection_settings_beat_the_environment_and_lose_to_flags(tmp_path: Path) -> None:
    from tui.config import Origin, load_settings, setting_origins

    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-env-file.db\n")
    environ = {"DBTUI_DATABASE_URL": "sqlite:///from-environ.db", "DBTUI_PRODUCTION": "true"}
    connection = {"DATABASE_URL": "sqlite:///named.db", "ENVIRONMENT": "named"}
    settings = load_settings(tmp_path / ".env", None, environ, connection)
    assert settings.masked_url == "sqlite+aiosqlite:///named.db"
    assert settings.ENVIRONMENT == "named" and settings.is_production  # marked in environ
    origins = setting_origins(tmp_path / ".env", None, environ, connection)
    assert origins["DATABASE_URL"] is Origin.CONNECTION
    assert origins["PRODUCTION"] is Origin.ENVIRONMENT
    flags = {"DATABASE_URL": "sqlite:///flag.db"}
    assert load_settings(None, flags, {}, connection).masked_url == "sqlite+aiosqlite:///flag.db"


def test_an_unknown_name_names_the_known_ones(tmp_path: Path) -> None:
    from tui.user_config import ConnectionConfigError

    path = tmp_path / "config.toml"
    with pytest.raises(ConnectionConfigError, match="defines none"):
        load_user_config(path).connection("staging")
    path.write_text(CONNECTIONS)
    with pytest.raises(ConnectionConfigError) as raised:
        load_user_config(path).connection("stagign")
    assert str(raised.value) == (
        f"no connection named 'stagign' in {path}; known: local, prod, socket, staging"
    )
    with pytest.raises(ConnectionConfigError, match="password_env STAGING_PW is not set"):
        load_user_config(path).connection("staging").settings_values({})


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('url = "postgresql://u:hunter2@h/db"', "its url holds a password"),
        ('host = "h"\npassword = "hunter2"', "config.toml holds no passwords"),
        ('url = "sqlite:///a.db"\nhost = "h"', "give url or host, not both"),
        ('url = "sqlite:///a.db"\nreadonly = true', "unknown key readonly"),
        ('url = "app.db"', "url is not a database URL"),
        ('host = "h"\nport = "5432"\nproduction = "yes"', "production must be"),
        ('database = "shop"', "needs a url, or a host"),
        ('url = " "', "url must be a non-empty string"),
    ],
)
def test_a_broken_connection_is_refused_by_name_without_its_secret(
    tmp_path: Path, entry: str, problem: str
) -> None:
    from tui.user_config import ConnectionConfigError

    path = tmp_path / "config.toml"
    path.write_text(f"[connections.broken]\n{entry}\n\n[connections.fine]\nurl = 'sqlite://'\n")
    config = load_user_config(path)
    assert list(config.connections) == ["fine"]  # the others stay usable
    assert len(config.problems) == 1 and problem in config.problems[0]
    with pytest.raises(ConnectionConfigError) as raised:
        config.connection("broken")
    assert problem in str(raised.value) and "connection 'broken'" in str(raised.value)
    assert "hunter2" not in str(raised.value)
