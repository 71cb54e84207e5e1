"""Settings people already have: `DATABASE_URL` as other tools write it, libpq's `PG*` variables
and password file, `.env` values that read back exactly, and an explicit environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.config import (
    Origin,
    Settings,
    describe_validation_error,
    load_settings,
    read_env_file,
    save_env_file,
    setting_origins,
)

SECRET = "Zq8-libpq-SECRET"


# -- DATABASE_URL forms -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given_url", "shown"),
    [
        (
            "postgres://ann:SECRET@db.example:6543/shop",
            "postgresql+asyncpg://ann:***@db.example:6543/shop",
        ),
        ("postgresql://ann:SECRET@db.example/shop", "postgresql+asyncpg://ann:***@db.example/shop"),
        (
            "postgresql+psycopg://ann:SECRET@db.example/shop",
            "postgresql+asyncpg://ann:***@db.example/shop",
        ),
        (
            "postgresql+psycopg2://ann:SECRET@db.example/shop",
            "postgresql+asyncpg://ann:***@db.example/shop",
        ),
        (
            "postgresql+asyncpg://ann:SECRET@db.example/shop",
            "postgresql+asyncpg://ann:***@db.example/shop",
        ),
        ("sqlite:///data/app.db", "sqlite+aiosqlite:///data/app.db"),
        ("sqlite:////tmp/abs.db", "sqlite+aiosqlite:////tmp/abs.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_database_urls_other_tools_write_map_to_the_async_driver(
    given_url: str, shown: str
) -> None:
    settings = load_settings(None, environ={"DATABASE_URL": given_url})
    assert settings.masked_url == shown
    assert "SECRET" not in settings.masked_url
    assert settings.url().get_dialect().is_async
    if "SECRET" in given_url:
        assert settings.secrets == ["SECRET"]


def test_sqlite_memory_url_is_in_memory() -> None:
    assert load_settings(None, environ={"DATABASE_URL": "sqlite://"}).is_memory


def test_libpq_sslmode_becomes_asyncpg_ssl() -> None:
    settings = load_settings(None, environ={"DATABASE_URL": "postgres://u@h/db?sslmode=require"})
    assert settings.url().query == {"ssl": "require"}
    assert settings.url(sync=True).query == {"sslmode": "require"}


# -- libpq's PG* variables and ~/.pgpass --------------------------------------------------------
LIBPQ = {
    "PGHOST": "pg.example",
    "PGPORT": "6543",
    "PGUSER": "ann",
    "PGDATABASE": "shop",
    "PGPASSWORD": SECRET,
}


def test_libpq_variables_apply_where_postgres_settings_are_not_given() -> None:
    settings = load_settings(None, environ={"ENVIRONMENT": "production", **LIBPQ})
    url = settings.url()
    assert (url.host, url.port, url.username, url.database) == ("pg.example", 6543, "ann", "shop")
    assert url.password == SECRET
    assert SECRET not in settings.masked_url and SECRET not in repr(settings)
    origins = setting_origins(None, environ={"ENVIRONMENT": "production", **LIBPQ})
    assert origins["POSTGRES_HOST"] is Origin.LIBPQ and origins["POSTGRES_PASSWORD"] is Origin.LIBPQ


def test_postgres_settings_win_over_libpq_variables(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_HOST=from-env-file\nDBTUI_POSTGRES_DB=mine\n")
    environ = {"ENVIRONMENT": "production", "POSTGRES_USER": "bob", **LIBPQ}
    url = load_settings(env_file, {"POSTGRES_PORT": "7000"}, environ).url()
    assert (url.host, url.port, url.username, url.database) == (
        "from-env-file",
        7000,
        "bob",
        "mine",
    )
    assert url.password == SECRET  # not given as POSTGRES_PASSWORD: PGPASSWORD applies


def write_pgpass(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_pgpass_gives_the_password_for_the_matching_line(tmp_path: Path) -> None:
    pgpass = write_pgpass(
        tmp_path / "pgpass",
        "# host:port:database:user:password\n"
        "other.example:5432:*:ann:wrong\n"
        "pg.example:6543:shop:ann:pa\\:ss\\\\word\n"
        "*:*:*:*:fallback\n",
    )
    environ = {"ENVIRONMENT": "production", "PGPASSFILE": str(pgpass)}
    environ |= {k: LIBPQ[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")}
    settings = load_settings(None, environ=environ)
    assert settings.url().password == "pa:ss\\word"
    assert "pa:ss" not in settings.masked_url
    assert setting_origins(None, environ=environ)["POSTGRES_PASSWORD"] is Origin.PGPASS
    # other coordinates: the wildcard line
    assert load_settings(None, environ=environ | {"PGDATABASE": "other"}).url().password == (
        "fallback"
    )
    # PGPASSWORD and POSTGRES_PASSWORD come before the file
    assert load_settings(None, environ=environ | {"PGPASSWORD": "p1"}).url().password == "p1"
    both = environ | {"PGPASSWORD": "p1", "POSTGRES_PASSWORD": "p2"}
    assert load_settings(None, environ=both).url().password == "p2"


def test_pgpass_in_home_is_read_and_a_file_others_can_read_is_ignored(tmp_path: Path) -> None:
    pgpass = write_pgpass(tmp_path / ".pgpass", "localhost:5432:app:postgres:from-home\n")
    environ = {"ENVIRONMENT": "production", "HOME": str(tmp_path)}
    assert load_settings(None, environ=environ).url().password == "from-home"
    pgpass.chmod(0o644)  # libpq ignores it too
    assert load_settings(None, environ=environ).url().password is None


def test_an_invalid_libpq_port_names_the_setting_without_the_password() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        load_settings(None, environ={"PGPORT": "99999", "PGPASSWORD": SECRET})
    line = describe_validation_error(info.value)
    assert "POSTGRES_PORT" in line and SECRET not in line


# -- an explicit environment is the only one ----------------------------------------------------
def test_an_explicitly_empty_environment_reads_nothing_from_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTGRES_DB", "from-process")
    monkeypatch.setenv("DB_POOL_SIZE", "77")
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("PGHOST", "from-process")
    settings = load_settings(None, None, environ={})
    assert settings.POSTGRES_DB == "app" and settings.DB_POOL_SIZE == 5
    assert settings.POSTGRES_HOST == "localhost" and not settings.is_production
    assert Settings.model_validate({}).POSTGRES_DB == "app"
    # and the process environment is used when none is given
    assert load_settings(None).POSTGRES_DB == "from-process"


def test_env_file_values_are_not_expanded_from_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOMEONE", "expanded")
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_USER=${SOMEONE}\n")
    assert load_settings(env_file, environ={}).POSTGRES_USER == "${SOMEONE}"


# -- values written to .env read back exactly ---------------------------------------------------
def test_a_password_with_a_variable_reference_reads_back_exactly(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    save_env_file(env_file, {"POSTGRES_PASSWORD": "pa${HOME}ss"})
    assert read_env_file(env_file)["POSTGRES_PASSWORD"] == "pa${HOME}ss"
    loaded = load_settings(env_file, environ=dict(os.environ))
    assert loaded.POSTGRES_PASSWORD.get_secret_value() == "pa${HOME}ss"


def test_saving_updates_the_prefixed_key_the_file_uses(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# app\nENVIRONMENT=local\nDBTUI_ENVIRONMENT=testing\nOTHER=1\n")
    save_env_file(env_file, {"ENVIRONMENT": "production", "SQLITE_DATABASE": "x.db"})
    text = env_file.read_text()
    assert "ENVIRONMENT=local\n" in text  # the application's own line stays
    assert "DBTUI_ENVIRONMENT=production\n" in text and "OTHER=1\n" in text
    assert load_settings(env_file, environ={}).ENVIRONMENT == "production"


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("$ {}#'\"\\\n\r\t=:@/ ")),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=40,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(password=TEXT, database=TEXT)
def test_any_text_written_to_env_reads_back_exactly(
    tmp_path: Path, password: str, database: str
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# keep me\nUNRELATED='x y'\nPOSTGRES_PASSWORD=old\n")
    save_env_file(env_file, {"POSTGRES_PASSWORD": password, "POSTGRES_DB": database})
    assert read_env_file(env_file) == {"POSTGRES_PASSWORD": password, "POSTGRES_DB": database}
    text = env_file.read_text()
    assert text.startswith("# keep me\nUNRELATED='x y'\n")
    # a second save (of another key) keeps both values exactly
    save_env_file(env_file, {"SQLITE_DATABASE": "app.db"})
    again = read_env_file(env_file)
    assert again["POSTGRES_PASSWORD"] == password and again["POSTGRES_DB"] == database


def test_a_socket_folder_in_pghost_is_passed_as_the_host_query() -> None:
    environ = {"ENVIRONMENT": "production", "PGHOST": "/var/run/postgresql", "PGPORT": "5433"}
    settings = load_settings(None, environ=environ)
    args = settings.url().get_dialect()().create_connect_args(settings.url())[1]
    assert args["host"] == "/var/run/postgresql" and args["port"] == 5433
    assert settings.url(sync=True).query == {"host": "/var/run/postgresql", "port": "5433"}


def test_a_key_written_twice_in_the_file_reads_back_the_saved_value(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_DB=first\n# later\nPOSTGRES_DB=second\n")
    save_env_file(env_file, {"POSTGRES_DB": "saved"})
    assert read_env_file(env_file)["POSTGRES_DB"] == "saved"
    assert env_file.read_text() == "POSTGRES_DB=saved\n# later\nPOSTGRES_DB=saved\n"
