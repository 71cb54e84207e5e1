"""Raw settings before pydantic: one precedence rule, cheap peeks, the SQLite file check."""

from __future__ import annotations

from pathlib import Path

from tui.config import load_settings
from tui.settings_sources import (
    layered_values,
    peek_environment,
    peek_sqlite_path,
    sqlite_file_problem,
    sqlite_url,
)


def test_flags_beat_environment_beat_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ENVIRONMENT=production\nSQLITE_DATABASE=file.db\nPOSTGRES_DB=fromfile\n")
    environ = {"ENVIRONMENT": "testing", "SQLITE_DATABASE": "environ.db", "OTHER": "x"}
    flags = {"SQLITE_DATABASE": "flag.db", "POSTGRES_HOST": None}
    values = layered_values(env_file, flags, environ)
    assert values == {
        "ENVIRONMENT": "testing",
        "SQLITE_DATABASE": "flag.db",
        "POSTGRES_DB": "fromfile",
    }
    settings = load_settings(env_file, flags, environ)  # validates the very same values
    assert settings.ENVIRONMENT == "testing" and settings.SQLITE_DATABASE == "flag.db"


def test_peeks_need_no_parsing() -> None:
    assert peek_environment({}) == "development"
    assert peek_environment({"ENVIRONMENT": "production"}) == "production"
    assert peek_environment({"ENVIRONMENT": "staging"}) == "staging"  # shown as it is
    assert peek_sqlite_path({}) == "app.db"
    assert peek_sqlite_path({"SQLITE_DATABASE": "data/x.db"}) == "data/x.db"
    assert peek_sqlite_path({"ENVIRONMENT": "testing"}) is None
    assert peek_sqlite_path({"DATABASE_URL": "sqlite:///y.db"}) is None
    assert (
        sqlite_url("data/x.db")
        == load_settings(None, {"SQLITE_DATABASE": "data/x.db"}, {}).masked_url
    )


def test_sqlite_file_problems(tmp_path: Path) -> None:
    target = "sqlite+aiosqlite:///…"
    assert sqlite_file_problem(str(tmp_path / "new.db"), target) is None
    missing = sqlite_file_problem(str(tmp_path / "nowhere" / "x.db"), target)
    assert missing is not None and missing.startswith("SQLite folder does not exist")
    folder = sqlite_file_problem(str(tmp_path), target)
    assert folder is not None and "(a folder)" in folder
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    problem = sqlite_file_problem(str(notes), target)
    assert problem == f"not a SQLite database file: {notes} ({target})"
    (tmp_path / "empty.db").touch()
    assert sqlite_file_problem(str(tmp_path / "empty.db"), target) is None
