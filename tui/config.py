"""Settings: defaults < `.env` < process environment < command-line flags."""

from __future__ import annotations

import os
import re
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from tui.settings_sources import (
    SETTING_NAMES,
    Environment,
    describe_validation_error,
    layered_values,
    read_env_file,
)

__all__ = [
    "DEFAULT_ENV_FILE",
    "SETTING_NAMES",
    "Environment",
    "Origin",
    "Settings",
    "describe_validation_error",
    "load_settings",
    "read_env_file",
    "save_env_file",
    "setting_origins",
    "settings_as_env",
]

DEFAULT_ENV_FILE = Path(".env")


class Origin(StrEnum):
    """Where a setting's value came from."""

    DEFAULT = "default"
    ENV_FILE = ".env"
    ENVIRONMENT = "environment variable"
    COMMAND_LINE = "command line"


class Settings(BaseSettings):
    """dbtui settings; field names are part of the contract (`.env.example` lists them)."""

    model_config = SettingsConfigDict(
        env_file=None,
        extra="ignore",
        case_sensitive=True,
        validate_assignment=True,
        populate_by_name=True,
    )

    ENVIRONMENT: Environment = Environment.DEVELOPMENT
    SQLITE_DATABASE: str = "app.db"
    POSTGRES_HOST: str = "localhost"
    POSTGRES_PORT: int = Field(5432, ge=1, le=65535)
    POSTGRES_USER: str = "postgres"
    POSTGRES_PASSWORD: SecretStr = SecretStr("")
    POSTGRES_DB: str = "app"
    DB_POOL_SIZE: int = Field(5, ge=1)
    DB_MAX_OVERFLOW: int = Field(10, ge=0)
    DB_POOL_TIMEOUT: int = Field(30, ge=1)
    DB_POOL_RECYCLE: int = Field(1800, ge=1)
    #: The SQL console asks before a statement that would change more rows than this
    #: (outside production, where every write asks anyway).
    SQL_CONFIRM_ROWS: int = Field(1000, ge=0)
    DATABASE_URL_OVERRIDE: SecretStr | None = Field(None, validation_alias="DATABASE_URL")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `init` carries the command line, then the environment, then `.env`.
        return (init_settings, env_settings, dotenv_settings)

    @field_validator("DATABASE_URL_OVERRIDE", mode="before")
    @classmethod
    def _blank_override_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("SQLITE_DATABASE")
    @classmethod
    def _sqlite_path_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the SQLite database path must not be empty")
        return value

    @model_validator(mode="after")
    def _postgres_host_needed(self) -> Settings:
        if (
            self.ENVIRONMENT is Environment.PRODUCTION
            and self.DATABASE_URL_OVERRIDE is None
            and not self.POSTGRES_HOST.strip()
        ):
            raise ValueError("POSTGRES_HOST must not be empty in production")
        return self

    # -- computed URLs ---------------------------------------------------------------------
    def url(self, *, sync: bool = False) -> URL:
        """The database URL as a SQLAlchemy `URL` (async driver unless `sync`)."""
        if self.DATABASE_URL_OVERRIDE is not None:
            url = make_url(self.DATABASE_URL_OVERRIDE.get_secret_value())
        elif self.ENVIRONMENT is Environment.PRODUCTION:
            url = URL.create(
                "postgresql+asyncpg",
                username=self.POSTGRES_USER or None,
                password=self.POSTGRES_PASSWORD.get_secret_value() or None,
                host=self.POSTGRES_HOST,
                port=self.POSTGRES_PORT,
                database=self.POSTGRES_DB,
            )
        elif self.ENVIRONMENT is Environment.TESTING:
            url = URL.create("sqlite+aiosqlite")  # no database: in memory
        else:
            url = URL.create("sqlite+aiosqlite", database=self.SQLITE_DATABASE)
        return _with_driver(url, sync=sync)

    @property
    def DATABASE_URL(self) -> str:
        """Async-driver URL, password included: never display or log it."""
        return self.url().render_as_string(hide_password=False)

    @property
    def SYNC_DATABASE_URL(self) -> str:
        """Synchronous-driver URL (sqlite / psycopg-less `postgresql`), password included."""
        return self.url(sync=True).render_as_string(hide_password=False)

    @property
    def masked_url(self) -> str:
        """The URL with its password replaced by `***`: safe to show and log."""
        return self.url().render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.url().get_backend_name() == "sqlite"

    @property
    def is_memory(self) -> bool:
        return self.is_sqlite and self.url().database in (None, "", ":memory:")

    @property
    def secrets(self) -> list[str]:
        """Secret strings that must never be shown, logged or saved outside `.env`."""
        found = [self.POSTGRES_PASSWORD.get_secret_value()]
        found.append(self.url().password or "")
        return [s for s in found if s]


def _with_driver(url: URL, *, sync: bool) -> URL:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite" if sync else "sqlite+aiosqlite")
    if backend == "postgresql":
        return url.set(drivername="postgresql" if sync else "postgresql+asyncpg")
    return url


def _field_for(name: str) -> str:
    return "DATABASE_URL_OVERRIDE" if name == "DATABASE_URL" else name


def load_settings(
    env_file: Path | None = DEFAULT_ENV_FILE,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings: defaults < `env_file` < `environ` (default `os.environ`) < `overrides`.

    Raises pydantic's `ValidationError`; `describe_validation_error` makes it one line."""
    layered = layered_values(env_file, overrides, environ)
    return Settings.model_validate({_field_for(k): v for k, v in layered.items()})


def setting_origins(
    env_file: Path | None = DEFAULT_ENV_FILE,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> dict[str, Origin]:
    """For each setting name, where its value came from."""
    from_file = read_env_file(env_file) if env_file is not None else {}
    env = os.environ if environ is None else environ
    origins: dict[str, Origin] = {}
    for name in SETTING_NAMES:
        if (overrides or {}).get(name) is not None:
            origins[name] = Origin.COMMAND_LINE
        elif name in env:
            origins[name] = Origin.ENVIRONMENT
        elif name in from_file:
            origins[name] = Origin.ENV_FILE
        else:
            origins[name] = Origin.DEFAULT
    return origins


def settings_as_env(settings: Settings) -> dict[str, str]:
    """Settings as `.env` strings (secrets in clear: only for writing `.env`)."""
    values: dict[str, str] = {}
    for name in SETTING_NAMES:
        value = getattr(settings, _field_for(name))
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            continue
        values[name] = str(value.value if isinstance(value, StrEnum) else value)
    return values


_LINE_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def _quote(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9_./:@+-]+", value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def save_env_file(path: Path, values: dict[str, str]) -> None:
    """Write `values` into the env file at `path` atomically, mode 0600.

    Lines for other keys and comments are kept; known keys are updated in place and new ones
    appended. The file is replaced by rename, so a failure leaves the old file whole.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    out: list[str] = []
    for line in lines:
        match = _LINE_KEY.match(line)
        if match and match.group(1) in pending:
            key = match.group(1)
            out.append(f"{key}={_quote(pending.pop(key))}")
        else:
            out.append(line)
    out.extend(f"{key}={_quote(value)}" for key, value in pending.items())
    directory = path.resolve().parent
    fd, tmp_name = tempfile.mkstemp(prefix=".env.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(out) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
