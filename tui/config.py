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
    PREFIX,
    PREFIXED_ONLY,
    SETTING_NAMES,
    Environment,
    Origin,
    describe_validation_error,
    environment_kind,
    environment_name,
    layered_sources,
    layered_values,
    read_env_file,
    read_env_lines,
)

__all__ = [
    "DEFAULT_ENV_FILE",
    "SETTING_NAMES",
    "Environment",
    "Origin",
    "Settings",
    "describe_validation_error",
    "env_key",
    "load_settings",
    "read_env_file",
    "save_env_file",
    "setting_origins",
    "settings_as_env",
]

DEFAULT_ENV_FILE = Path(".env")


class Settings(BaseSettings):
    """dbtui settings; field names are part of the contract (`.env.example` lists them)."""

    model_config = SettingsConfigDict(
        env_file=None,
        extra="ignore",
        case_sensitive=True,
        validate_assignment=True,
        populate_by_name=True,
    )

    #: The environment's name as given; `environment_kind` says how dbtui treats it.
    ENVIRONMENT: str = Environment.DEVELOPMENT.value
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
    #: Marks the connection production whatever its name (read as `DBTUI_PRODUCTION` only).
    PRODUCTION: bool = False
    #: The application's models, `PACKAGE.MODULE:ATTR` (`--models`, `DBTUI_MODELS`).
    MODELS: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what `load_settings` layered (`layered_values`): the model itself never reads
        # the process environment or a file, so an explicit `environ` is all there is.
        return (init_settings,)

    @field_validator("ENVIRONMENT", mode="before")
    @classmethod
    def _environment_as_given(cls, value: Any) -> str:
        return environment_name(value)

    @field_validator("PRODUCTION", mode="before")
    @classmethod
    def _blank_flag_is_false(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return False
        return value

    @field_validator("MODELS", mode="before")
    @classmethod
    def _blank_models_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

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
            self.is_production
            and self.DATABASE_URL_OVERRIDE is None
            and not self.POSTGRES_HOST.strip()
        ):
            raise ValueError("POSTGRES_HOST must not be empty in production")
        return self

    @property
    def environment_kind(self) -> Environment:
        """How dbtui treats `ENVIRONMENT`: production when the name is `production`/`prod`
        (any case) or `PRODUCTION` is set; testing for `testing`; any other name: development."""
        return environment_kind(self.ENVIRONMENT, self.PRODUCTION)

    @property
    def is_production(self) -> bool:
        """True for a connection marked production (read-only until unlocked)."""
        return self.environment_kind is Environment.PRODUCTION

    # -- computed URLs ---------------------------------------------------------------------
    def url(self, *, sync: bool = False) -> URL:
        """The database URL as a SQLAlchemy `URL` (async driver unless `sync`)."""
        if self.DATABASE_URL_OVERRIDE is not None:
            url = make_url(self.DATABASE_URL_OVERRIDE.get_secret_value())
        elif self.is_production:
            socket = self.POSTGRES_HOST.startswith("/")  # a Unix socket folder, as libpq takes
            url = URL.create(
                "postgresql+asyncpg",
                username=self.POSTGRES_USER or None,
                password=self.POSTGRES_PASSWORD.get_secret_value() or None,
                host=None if socket else self.POSTGRES_HOST,
                port=None if socket else self.POSTGRES_PORT,
                database=self.POSTGRES_DB,
                query={"host": self.POSTGRES_HOST, "port": str(self.POSTGRES_PORT)}
                if socket
                else {},
            )
        elif self.environment_kind is Environment.TESTING:
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


#: Backend names other tools write, as SQLAlchemy names them (`postgres://` is Heroku's).
BACKEND_ALIASES: dict[str, str] = {"postgres": "postgresql", "postgresql": "postgresql"}


def _with_driver(url: URL, *, sync: bool) -> URL:
    """`url` on dbtui's driver: aiosqlite / asyncpg (sync: sqlite / postgresql), whatever
    driver it named (`postgres://`, `postgresql+psycopg://`, `postgresql+psycopg2://`, ...)."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite" if sync else "sqlite+aiosqlite")
    if BACKEND_ALIASES.get(backend) == "postgresql":
        url = url.set(drivername="postgresql" if sync else "postgresql+asyncpg")
        if not sync and "sslmode" in url.query and "ssl" not in url.query:
            # libpq's `sslmode=require` is asyncpg's `ssl=require`
            sslmode = url.query["sslmode"]
            url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": sslmode})
        return url
    return url


def _field_for(name: str) -> str:
    return "DATABASE_URL_OVERRIDE" if name == "DATABASE_URL" else name


def load_settings(
    env_file: Path | None = DEFAULT_ENV_FILE,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    connection: dict[str, str] | None = None,
) -> Settings:
    """Build settings: defaults < `env_file` < `environ` (default `os.environ`) < `connection`
    (a named connection's values) < `overrides`, a `DBTUI_X` name winning over `X`, libpq's
    `PG*` and password file where `POSTGRES_*` are not given
    (`tui.settings_sources.layered_sources`). Nothing else is read: with `environ={}`
    the process environment plays no part.

    Raises pydantic's `ValidationError`; `describe_validation_error` makes it one line."""
    layered = layered_values(env_file, overrides, environ, connection)
    return Settings.model_validate({_field_for(k): v for k, v in layered.items()})


def setting_origins(
    env_file: Path | None = DEFAULT_ENV_FILE,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    connection: dict[str, str] | None = None,
) -> dict[str, Origin]:
    """For each setting name, where its value came from."""
    sources = layered_sources(env_file, overrides, environ, connection)
    return {name: sources[name][1] if name in sources else Origin.DEFAULT for name in SETTING_NAMES}


def settings_as_env(settings: Settings) -> dict[str, str]:
    """Settings as `.env` strings (secrets in clear: only for writing `.env`)."""
    values: dict[str, str] = {}
    for name in SETTING_NAMES:
        value = getattr(settings, _field_for(name))
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        values[name] = str(value.value if isinstance(value, StrEnum) else value)
    return values


_LINE_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


#: Characters written as escapes inside double quotes (python-dotenv decodes exactly these).
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\f": "\\f",
    "\a": "\\a",
    "\b": "\\b",
}


def _quote(value: str) -> str:
    """`value` as python-dotenv reads it back exactly (`read_env_lines` does not expand
    `${VAR}`): plain when safe, else double-quoted with `\\`, `"` and control escapes."""
    if value and re.fullmatch(r"[A-Za-z0-9_./:@+-]+", value):
        return value
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


def env_key(name: str, existing: set[str] | frozenset[str] = frozenset()) -> str:
    """The key a setting is written under: `DBTUI_X` when the file has it already (or the
    setting is read only with the prefix), else `X`."""
    prefixed = PREFIX + name
    return prefixed if name in PREFIXED_ONLY or prefixed in existing else name


def save_env_file(path: Path, values: dict[str, str]) -> None:
    """Write `values` into the env file at `path` atomically, mode 0600.

    Lines for other keys and comments are kept; known keys are updated in place (every line of
    the key, so no older duplicate wins) and new ones appended; a setting is written as
    `DBTUI_X` where the file uses that name (`env_key`). The file is replaced by rename, so a
    failure leaves the old file whole.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    existing = set(read_env_lines(path))
    wanted = {env_key(name, existing): value for name, value in values.items()}
    written: set[str] = set()
    out: list[str] = []
    for line in lines:
        match = _LINE_KEY.match(line)
        if match and match.group(1) in wanted:
            key = match.group(1)
            out.append(f"{key}={_quote(wanted[key])}")
            written.add(key)
        else:
            out.append(line)
    out.extend(f"{key}={_quote(value)}" for key, value in wanted.items() if key not in written)
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
