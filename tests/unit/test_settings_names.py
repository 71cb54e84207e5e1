"""Settings in an application's folder: the `DBTUI_` prefix, environment names dbtui does not
know, and what marks a connection production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tui.config import Environment, Origin, load_settings, setting_origins
from tui.settings_sources import peek_environment, peek_kind, peek_sqlite_path


def test_prefixed_names_win_over_plain_names_in_the_environment(tmp_path: Path) -> None:
    environ = {
        "DATABASE_URL": "postgresql://app@apphost/appdb",
        "DBTUI_DATABASE_URL": f"sqlite:///{tmp_path / 'mine.db'}",
        "ENVIRONMENT": "staging",
        "DBTUI_ENVIRONMENT": "testing",
        "DBTUI_MODELS": "shop.models:Base",
    }
    settings = load_settings(None, environ=environ)
    assert settings.masked_url == f"sqlite+aiosqlite:///{tmp_path / 'mine.db'}"
    assert settings.ENVIRONMENT == "testing"
    assert settings.environment_kind is Environment.TESTING
    assert settings.MODELS == "shop.models:Base"


def test_a_prefixed_name_in_env_file_wins_over_the_plain_name_in_the_environment(
    tmp_path: Path,
) -> None:
    """The application's own `ENVIRONMENT=local` (set by its shell) does not hide dbtui's own
    `DBTUI_ENVIRONMENT` in `.env`; the prefixed name in the environment beats both."""
    env_file = tmp_path / ".env"
    env_file.write_text("ENVIRONMENT=local\nDBTUI_ENVIRONMENT=production\nDBTUI_POSTGRES_DB=x\n")
    settings = load_settings(env_file, environ={"ENVIRONMENT": "local"})
    assert settings.ENVIRONMENT == "production" and settings.is_production
    assert settings.POSTGRES_DB == "x"
    origins = setting_origins(env_file, environ={"ENVIRONMENT": "local"})
    assert origins["ENVIRONMENT"] is Origin.ENV_FILE
    both = {"ENVIRONMENT": "local", "DBTUI_ENVIRONMENT": "testing"}
    assert load_settings(env_file, environ=both).ENVIRONMENT == "testing"
    assert setting_origins(env_file, environ=both)["ENVIRONMENT"] is Origin.ENVIRONMENT


def test_command_line_flags_win_over_prefixed_names(tmp_path: Path) -> None:
    environ = {"DBTUI_SQLITE_DATABASE": "env.db", "DBTUI_ENVIRONMENT": "production"}
    flags = {"SQLITE_DATABASE": "flag.db", "ENVIRONMENT": "development"}
    settings = load_settings(None, flags, environ)
    assert settings.SQLITE_DATABASE == "flag.db"
    assert settings.ENVIRONMENT == "development" and not settings.is_production
    assert setting_origins(None, flags, environ)["SQLITE_DATABASE"] is Origin.COMMAND_LINE


@pytest.mark.parametrize("name", ["local", "staging", "dev", "Development", "qa-2", "[bold]x[/]"])
def test_an_unknown_environment_name_is_kept_and_treated_as_development(name: str) -> None:
    settings = load_settings(None, environ={"ENVIRONMENT": name, "SQLITE_DATABASE": "app.db"})
    assert settings.ENVIRONMENT == name
    assert settings.environment_kind is Environment.DEVELOPMENT and not settings.is_production
    assert settings.masked_url == "sqlite+aiosqlite:///app.db"
    # the first frame reads the same from the raw values
    assert peek_environment({"ENVIRONMENT": name}) == name
    assert peek_kind({"ENVIRONMENT": name}) is Environment.DEVELOPMENT
    assert peek_sqlite_path({"ENVIRONMENT": name}) == "app.db"


def test_a_blank_environment_is_development() -> None:
    settings = load_settings(None, environ={"ENVIRONMENT": "  "})
    assert settings.ENVIRONMENT == "development"
    assert settings.environment_kind is Environment.DEVELOPMENT


@pytest.mark.parametrize("name", ["production", "Production", "PROD", "prod"])
def test_production_names_mark_production(name: str) -> None:
    settings = load_settings(None, environ={"ENVIRONMENT": name, "POSTGRES_HOST": "db"})
    assert settings.is_production and settings.ENVIRONMENT == name
    assert settings.url().drivername == "postgresql+asyncpg"
    assert peek_kind({"ENVIRONMENT": name}) is Environment.PRODUCTION


@pytest.mark.parametrize("flag", ["true", "1", "yes", "TRUE", "on"])
def test_dbtui_production_marks_any_name_production(flag: str) -> None:
    environ = {"ENVIRONMENT": "staging", "DBTUI_PRODUCTION": flag}
    settings = load_settings(None, environ=environ)
    assert settings.ENVIRONMENT == "staging" and settings.is_production
    assert peek_kind(environ | {"PRODUCTION": flag}) is Environment.PRODUCTION


def test_the_plain_production_name_is_not_read() -> None:
    """`PRODUCTION` is too common a name in applications: only `DBTUI_PRODUCTION` counts."""
    settings = load_settings(None, environ={"PRODUCTION": "true", "ENVIRONMENT": "local"})
    assert not settings.is_production


@pytest.mark.parametrize("flag", ["false", "0", "no", ""])
def test_dbtui_production_false_never_weakens_a_production_name(flag: str) -> None:
    environ = {"ENVIRONMENT": "production", "DBTUI_PRODUCTION": flag}
    assert load_settings(None, environ=environ).is_production
    assert not load_settings(None, environ={"DBTUI_PRODUCTION": flag}).is_production


def test_an_invalid_production_flag_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError) as info:
        load_settings(None, environ={"DBTUI_PRODUCTION": "maybe"})
    assert "PRODUCTION" in str(info.value)


def test_a_save_lists_and_writes_the_prefixed_key_the_file_uses(tmp_path: Path) -> None:
    from tui.config import save_env_file
    from tui.env_save import plan_env_save

    env_file = tmp_path / ".env"
    env_file.write_text("ENVIRONMENT=local\nDBTUI_SQLITE_DATABASE=a.db\n")
    live = load_settings(env_file, environ={})
    candidate = load_settings(env_file, {"SQLITE_DATABASE": "b.db"}, environ={})
    plan = plan_env_save(env_file, candidate, live, setting_origins(env_file, environ={}))
    assert "  DBTUI_SQLITE_DATABASE=b.db" in plan.describe().split("\n")
    save_env_file(plan.path, plan.values)
    assert env_file.read_text() == "ENVIRONMENT=local\nDBTUI_SQLITE_DATABASE=b.db\n"
    assert load_settings(env_file, environ={}).SQLITE_DATABASE == "b.db"
