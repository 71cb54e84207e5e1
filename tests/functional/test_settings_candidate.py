"""`build_candidate`: the form's text to validated settings, or one message per field."""

from __future__ import annotations

import pytest

from tui.config import Environment, Settings
from tui.widgets.settings_form import build_candidate, masked_url_text

SECRET = "Hx9-very-secret"


@pytest.fixture
def current() -> Settings:
    return Settings.model_validate({"POSTGRES_PASSWORD": SECRET})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("POSTGRES_PORT", "0", "1 to 65535"),
        ("POSTGRES_PORT", "65536", "1 to 65535"),
        ("POSTGRES_PORT", "", "1 to 65535"),
        ("POSTGRES_PORT", "54x", "1 to 65535"),
        ("DB_POOL_SIZE", "0", "positive whole number"),
        ("DB_POOL_TIMEOUT", "-3", "positive whole number"),
        ("DB_POOL_RECYCLE", "1.5", "positive whole number"),
        ("DB_MAX_OVERFLOW", "-1", "0 or more"),
        ("SQLITE_DATABASE", "  ", "must not be empty"),
        ("DATABASE_URL", "not a url", "not a valid database URL"),
        ("DATABASE_URL", "mysql://u@h/db", "only sqlite"),
    ],
)
def test_bad_values_name_their_field(
    current: Settings, name: str, value: str, message: str
) -> None:
    candidate, errors = build_candidate(current, {name: value})
    assert candidate is None
    assert list(errors) == [name]
    assert message in errors[name]


def test_host_needed_for_postgres_in_production(current: Settings) -> None:
    edits = {"ENVIRONMENT": "production", "POSTGRES_HOST": " "}
    candidate, errors = build_candidate(current, edits)
    assert candidate is None and "host must not be empty" in errors["POSTGRES_HOST"]
    # Not needed when the host is not used.
    candidate, errors = build_candidate(current, {"POSTGRES_HOST": " "})
    assert candidate is not None and errors == {}


def test_good_values_and_unchanged_secrets(current: Settings) -> None:
    edits = {"ENVIRONMENT": "production", "POSTGRES_PORT": " 6543 ", "POSTGRES_PASSWORD": None}
    candidate, errors = build_candidate(current, edits)
    assert errors == {} and candidate is not None
    assert candidate.environment_kind is Environment.PRODUCTION and candidate.POSTGRES_PORT == 6543
    assert candidate.POSTGRES_PASSWORD.get_secret_value() == SECRET  # kept, never shown
    candidate, _ = build_candidate(current, {"POSTGRES_PASSWORD": ""})
    assert candidate is not None and candidate.POSTGRES_PASSWORD.get_secret_value() == ""


def test_environment_variables_do_not_leak_into_the_candidate(
    current: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("DB_POOL_SIZE", "42")
    candidate, errors = build_candidate(current, {"DATABASE_URL": ""})
    assert errors == {} and candidate is not None
    assert candidate.DATABASE_URL_OVERRIDE is None and candidate.DB_POOL_SIZE == 5


def test_messages_never_contain_secrets(current: Settings) -> None:
    url = f"postgresql://me:{SECRET}@host:99999999/db"
    _candidate, errors = build_candidate(current, {"DATABASE_URL": url, "POSTGRES_PORT": SECRET})
    assert errors and all(SECRET not in message for message in errors.values())
    assert masked_url_text(f"postgresql://me:{SECRET}@host/db") == "postgresql://me:***@host/db"
