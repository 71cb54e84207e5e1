"""Settings: precedence, computed URLs, masking, and the `.env` writer."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from tui.config import (
    Environment,
    Origin,
    Settings,
    load_settings,
    save_env_file,
    setting_origins,
    settings_as_env,
)


def test_defaults_match_the_design() -> None:
    settings = load_settings(None, environ={})
    assert settings.ENVIRONMENT == "development"
    assert settings.environment_kind is Environment.DEVELOPMENT
    assert settings.SQLITE_DATABASE == "app.db"
    assert settings.POSTGRES_PORT == 5432
    assert (settings.DB_POOL_SIZE, settings.DB_MAX_OVERFLOW) == (5, 10)
    assert (settings.DB_POOL_TIMEOUT, settings.DB_POOL_RECYCLE) == (30, 1800)
    assert settings.DATABASE_URL == "sqlite+aiosqlite:///app.db"
    assert settings.SYNC_DATABASE_URL == "sqlite:///app.db"


def test_precedence_defaults_env_file_environment_flags(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SQLITE_DATABASE=from_file.db\nPOSTGRES_DB=filedb\nDB_POOL_SIZE=7\n")
    environ = {"POSTGRES_DB": "envdb", "DB_POOL_SIZE": "8"}
    flags = {"DB_POOL_SIZE": "9"}
    settings = load_settings(env_file, flags, environ=environ)
    assert settings.SQLITE_DATABASE == "from_file.db"
    assert settings.POSTGRES_DB == "envdb"
    assert settings.DB_POOL_SIZE == 9
    origins = setting_origins(env_file, flags, environ=environ)
    assert origins["SQLITE_DATABASE"] is Origin.ENV_FILE
    assert origins["POSTGRES_DB"] is Origin.ENVIRONMENT
    assert origins["DB_POOL_SIZE"] is Origin.COMMAND_LINE
    assert origins["POSTGRES_HOST"] is Origin.DEFAULT


def test_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLITE_DATABASE", "envfile.db")
    assert load_settings(None).SQLITE_DATABASE == "envfile.db"


def test_environments_compute_their_urls() -> None:
    testing = load_settings(None, {"ENVIRONMENT": "testing"}, environ={})
    assert testing.DATABASE_URL == "sqlite+aiosqlite://"
    assert testing.is_memory
    production = load_settings(
        None,
        {"ENVIRONMENT": "production", "POSTGRES_HOST": "db", "POSTGRES_USER": "app"},
        environ={},
    )
    assert production.DATABASE_URL.startswith("postgresql+asyncpg://app@db:5432/")
    assert production.SYNC_DATABASE_URL.startswith("postgresql://")


def test_database_url_overrides_any_environment() -> None:
    url = "postgresql+asyncpg://u:pw@h:5433/d"
    settings = load_settings(None, {"DATABASE_URL": url}, environ={})
    assert settings.DATABASE_URL == url
    assert settings.masked_url == "postgresql+asyncpg://u:***@h:5433/d"
    blank = load_settings(None, {"DATABASE_URL": ""}, environ={})
    assert blank.DATABASE_URL == "sqlite+aiosqlite:///app.db"


@pytest.mark.parametrize("password", ["p%ss", "p@ss:w/rd", "%40x@"])
def test_special_characters_in_password_survive_and_are_masked(password: str) -> None:
    settings = load_settings(
        None, {"ENVIRONMENT": "production", "POSTGRES_PASSWORD": password}, environ={}
    )
    assert settings.url().password == password
    assert password not in settings.masked_url
    assert "***" in settings.masked_url
    assert password not in repr(settings)
    assert password not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POSTGRES_PORT", "0"),
        ("POSTGRES_PORT", "65536"),
        ("DB_POOL_SIZE", "0"),
        ("DB_POOL_TIMEOUT", "-1"),
        ("PRODUCTION", "maybe"),
        ("SQLITE_DATABASE", "  "),
    ],
)
def test_invalid_values_are_rejected_naming_the_field(name: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        load_settings(None, {name: value}, environ={})
    assert name in str(info.value)


def test_production_needs_a_host() -> None:
    with pytest.raises(ValidationError, match="POSTGRES_HOST"):
        load_settings(None, {"ENVIRONMENT": "production", "POSTGRES_HOST": " "}, environ={})


def test_save_env_file_keeps_comments_unknown_keys_and_is_private(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# my comment\nOTHER_KEY=keep me\nPOSTGRES_DB=old\n\n# trailing comment\n")
    os.chmod(env_file, 0o644)
    settings = load_settings(
        env_file, {"POSTGRES_DB": "new", "POSTGRES_PASSWORD": 'p"w #x'}, environ={}
    )
    save_env_file(env_file, settings_as_env(settings))
    text = env_file.read_text()
    assert "# my comment" in text and "# trailing comment" in text
    assert "OTHER_KEY=keep me" in text
    assert text.count("POSTGRES_DB=") == 1 and "POSTGRES_DB=new" in text
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    reloaded = load_settings(env_file, environ={})
    assert reloaded.POSTGRES_DB == "new"
    assert reloaded.POSTGRES_PASSWORD.get_secret_value() == 'p"w #x'
    assert [p.name for p in tmp_path.iterdir()] == [".env"]


def test_save_env_file_creates_a_missing_file(tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    save_env_file(env_file, settings_as_env(Settings()))
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert load_settings(env_file, environ={}).environment_kind is Environment.DEVELOPMENT


def test_failed_save_leaves_the_old_file_whole(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_DB=old\n")
    with pytest.raises(UnicodeEncodeError):
        save_env_file(env_file, {"POSTGRES_DB": "new", "POSTGRES_USER": "bad\udc80"})
    assert env_file.read_text() == "POSTGRES_DB=old\n"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]
