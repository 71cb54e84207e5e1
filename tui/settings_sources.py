"""Settings before pydantic: the raw layered values and the cheap checks start-up makes on them.

This module needs only the standard library and python-dotenv. The precedence rule lives here
once: defaults < `.env` < process environment < command-line flags; `tui.config.load_settings`
validates what `layered_values` returns, and the app peeks at the same values to show the
environment in its first frame while the settings are validated.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from enum import StrEnum
from pathlib import Path
from typing import Any


class Environment(StrEnum):
    """The three kinds of environment dbtui knows; any other name is treated as development."""

    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class Origin(StrEnum):
    """Where a setting's value came from."""

    DEFAULT = "default"
    ENV_FILE = ".env"
    ENVIRONMENT = "environment variable"
    COMMAND_LINE = "command line"
    CONNECTION = "named connection"
    LIBPQ = "libpq variable"
    PGPASS = "password file"


SETTING_NAMES: tuple[str, ...] = (
    "ENVIRONMENT",
    "SQLITE_DATABASE",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
    "DB_POOL_TIMEOUT",
    "DB_POOL_RECYCLE",
    "SQL_CONFIRM_ROWS",
    "DATABASE_URL",
    "PRODUCTION",
    "MODELS",
)
#: Every setting may also be named with this prefix, which wins over the plain name.
PREFIX = "DBTUI_"
#: Settings read only with the prefix: their plain names are too common in applications.
PREFIXED_ONLY: frozenset[str] = frozenset({"PRODUCTION"})
ENVIRONMENTS: tuple[str, ...] = ("development", "testing", "production")
#: Environment names (any case) that mark a connection production.
PRODUCTION_NAMES: tuple[str, ...] = ("production", "prod")
DEFAULT_ENVIRONMENT = "development"
DEFAULT_SQLITE_DATABASE = "app.db"
#: libpq's variables, used where the POSTGRES_* setting is not given.
LIBPQ_VARIABLES: dict[str, str] = {
    "POSTGRES_HOST": "PGHOST",
    "POSTGRES_PORT": "PGPORT",
    "POSTGRES_USER": "PGUSER",
    "POSTGRES_DB": "PGDATABASE",
    "POSTGRES_PASSWORD": "PGPASSWORD",
}
#: Defaults of the PostgreSQL settings (as `tui.config.Settings` has them).
POSTGRES_DEFAULTS: dict[str, str] = {
    "POSTGRES_HOST": "localhost",
    "POSTGRES_PORT": "5432",
    "POSTGRES_USER": "postgres",
    "POSTGRES_DB": "app",
}
_FALSE_WORDS = ("", "0", "false", "no", "off")

#: Command-line flag of each setting, for messages.
SETTING_FLAGS: dict[str, str] = {
    "ENVIRONMENT": "--env",
    "SQLITE_DATABASE": "--sqlite",
    "DATABASE_URL": "--database-url",
    "DATABASE_URL_OVERRIDE": "--database-url",
    "POSTGRES_HOST": "--pg-host",
    "POSTGRES_PORT": "--pg-port",
    "POSTGRES_USER": "--pg-user",
    "POSTGRES_DB": "--pg-db",
    "PRODUCTION": "--production",
}
#: Settings whose input is never repeated in a message.
SECRET_FIELDS: tuple[str, ...] = ("POSTGRES_PASSWORD", "DATABASE_URL", "DATABASE_URL_OVERRIDE")


def env_keys(name: str) -> tuple[str, ...]:
    """The variable names a setting is read from, in rising precedence (`X`, `DBTUI_X`)."""
    if name in PREFIXED_ONLY:
        return (PREFIX + name,)
    return (name, PREFIX + name)


def read_env_lines(path: Path) -> dict[str, str]:
    """Every key of an env file with its value, read literally: `${VAR}` is not expanded, so
    a value dbtui writes reads back exactly (python-dotenv has no escape for `${`)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    values = dotenv_values(path, interpolate=False)
    return {k: v for k, v in values.items() if v is not None}


def read_env_file(path: Path) -> dict[str, str]:
    """The settings an env file gives (`DBTUI_X` winning over `X`); missing file: empty."""
    raw = read_env_lines(path)
    found: dict[str, str] = {}
    for name in SETTING_NAMES:
        for key in env_keys(name):
            if key in raw:
                found[name] = raw[key]
    return found


def layered_sources(
    env_file: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    connection: Mapping[str, str] | None = None,
) -> dict[str, tuple[Any, Origin]]:
    """Raw setting values with their origins; defaults are not filled in.

    Precedence, rising: `X` in `env_file`, `X` in `environ` (default `os.environ`), `DBTUI_X`
    in `env_file`, `DBTUI_X` in `environ`, `connection` (a named connection of the user's
    config.toml, `--connection`), `overrides` (the command line). Where a
    `POSTGRES_*` setting is not given (or blank), libpq's `PG*` variable applies (environment,
    then `env_file`); the password last from the password file (`PGPASSFILE`, `~/.pgpass`).
    """
    raw_file = read_env_lines(env_file) if env_file is not None else {}
    env = os.environ if environ is None else environ
    found: dict[str, tuple[Any, Origin]] = {}
    for name in SETTING_NAMES:
        for key in env_keys(name):
            if key in raw_file:
                found[name] = (raw_file[key], Origin.ENV_FILE)
            if key in env:
                found[name] = (env[key], Origin.ENVIRONMENT)
        if name in (connection or {}):
            found[name] = ((connection or {})[name], Origin.CONNECTION)
        flag = (overrides or {}).get(name)
        if flag is not None:
            found[name] = (flag, Origin.COMMAND_LINE)
    for name, variable in LIBPQ_VARIABLES.items():
        if _given(found, name):
            continue
        for source in (env, raw_file):
            if str(source.get(variable) or "").strip():
                found[name] = (source[variable], Origin.LIBPQ)
                break
    if not _given(found, "POSTGRES_PASSWORD"):
        password = pgpass_password(_pgpass_target(found), env)
        if password is not None:
            found["POSTGRES_PASSWORD"] = (password, Origin.PGPASS)
    return found


def _given(found: Mapping[str, tuple[Any, Origin]], name: str) -> bool:
    return name in found and bool(str(found[name][0]).strip())


def _pgpass_target(found: Mapping[str, tuple[Any, Origin]]) -> tuple[str, str, str, str]:
    def value(name: str) -> str:
        given = str(found[name][0]).strip() if _given(found, name) else ""
        return given or POSTGRES_DEFAULTS[name]

    host = value("POSTGRES_HOST")
    if host.startswith("/"):  # a Unix socket folder: libpq matches it as `localhost`
        host = "localhost"
    return host, value("POSTGRES_PORT"), value("POSTGRES_DB"), value("POSTGRES_USER")


def pgpass_password(target: tuple[str, str, str, str], environ: Mapping[str, str]) -> str | None:
    """The password libpq's password file gives for (host, port, database, user), or None.

    The file is `PGPASSFILE`, else `~/.pgpass` (from `environ`'s `HOME`); like libpq, a file
    that others may read (any group or world permission) is ignored.
    """
    name = environ.get("PGPASSFILE") or (
        str(Path(environ["HOME"]) / ".pgpass") if environ.get("HOME") else ""
    )
    if not name:
        return None
    path = Path(name).expanduser()
    try:
        if not path.is_file() or (os.name == "posix" and path.stat().st_mode & 0o077):
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _pgpass_fields(line)
        if len(fields) < 5:
            continue
        if all(field in ("*", wanted) for field, wanted in zip(fields[:4], target, strict=True)):
            return fields[4]
    return None


def _pgpass_fields(line: str) -> list[str]:
    """A `.pgpass` line's fields: `:` separates, `\\` escapes `:` and `\\`."""
    fields: list[str] = []
    current: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == ":" and len(fields) < 4:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def layered_values(
    env_file: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    connection: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Raw setting values in the precedence of `layered_sources` (defaults not filled in).

    Keys are setting names (`DATABASE_URL`, not the field name).
    """
    sources = layered_sources(env_file, overrides, environ, connection)
    return {name: value for name, (value, _) in sources.items()}


def environment_name(value: Any) -> str:
    """The environment's name as given (blank: development)."""
    name = str(value if value is not None else "").strip()
    return name or DEFAULT_ENVIRONMENT


def is_true(value: Any) -> bool:
    """A flag's value: anything but blank, `0`, `false`, `no`, `off` (any case) is true."""
    return str(value if value is not None else "").strip().lower() not in _FALSE_WORDS


def environment_kind(name: str, production: Any = False) -> Environment:
    """How dbtui treats an environment: production when `production` is set or the name is
    `production`/`prod` (any case); testing for `testing`; any other name is development."""
    word = environment_name(name).lower()
    if is_true(production) or word in PRODUCTION_NAMES:
        return Environment.PRODUCTION
    if word == Environment.TESTING.value:
        return Environment.TESTING
    return Environment.DEVELOPMENT


def peek_environment(values: Mapping[str, Any]) -> str:
    """The environment's name as the values give it (shown as it is)."""
    return environment_name(values.get("ENVIRONMENT"))


def peek_kind(values: Mapping[str, Any]) -> Environment:
    """How the values' environment is treated (production, testing, development)."""
    return environment_kind(peek_environment(values), values.get("PRODUCTION"))


def peek_sqlite_path(values: Mapping[str, Any]) -> str | None:
    """The SQLite file the values point at, when that needs no URL parsing: development
    without a `DATABASE_URL`. None otherwise (testing, production, a full URL)."""
    if str(values.get("DATABASE_URL") or "").strip():
        return None
    if peek_kind(values) is not Environment.DEVELOPMENT:
        return None
    path = str(values.get("SQLITE_DATABASE", DEFAULT_SQLITE_DATABASE))
    return path if path.strip() else None


def sqlite_table_count(file: Path) -> int:
    """How many tables the SQLite database `file` holds, read by SQLite itself (read-only).

    Only SQLite may open a database file: closing any other descriptor of it drops every POSIX
    lock this process holds on it, and the next process that closes a connection then deletes
    the WAL under the app's open connections (its saves become invisible to everyone else).
    SQLite shares one lock table among all its connections in a process, so a connection
    opened and closed here leaves those locks alone. Raises `sqlite3.Error` when SQLite cannot
    read `file` (`SQLITE_NOTADB`: not a database file).
    """
    uri = file.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=1)) as connection:
        query = "select count(*) from sqlite_master where type = 'table'"
        return int(connection.execute(query).fetchone()[0])


def sqlite_url(path: str) -> str:
    """The async URL of a development SQLite file (as `Settings.masked_url` shows it)."""
    return f"sqlite+aiosqlite:///{path}"


def sqlite_file_problem(database: str, target: str) -> str | None:
    """One line when the SQLite file at `database` cannot be opened as one: its folder is
    missing, it is a folder, or a non-empty file that SQLite says is not a database. `target`
    is the masked URL named in the message. None when it looks fine (or does not exist yet;
    other errors, such as a lock, are left for the connection to report)."""
    path = Path(database).expanduser()
    folder = path.resolve().parent
    if not folder.is_dir():
        return f"SQLite folder does not exist: {folder} ({target})"
    if path.is_dir():
        return f"not a SQLite database file (a folder): {path} ({target})"
    if path.is_file() and path.stat().st_size > 0:
        try:
            sqlite_table_count(path)
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
                return f"not a SQLite database file: {path} ({target})"
        except (sqlite3.Error, ValueError):
            pass
    return None


def describe_validation_error(exc: Any) -> str:
    """One line for a pydantic `ValidationError` of the settings; secret inputs left out."""
    parts: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        name = loc[0] if loc else "settings"
        message = error.get("msg", "invalid value")
        shown_name = PREFIX + name if name in PREFIXED_ONLY else name
        where = f"{shown_name} ({SETTING_FLAGS[name]})" if name in SETTING_FLAGS else shown_name
        shown = ""
        if name not in SECRET_FIELDS and "input" in error and loc:
            shown = f" (got {error['input']!r})"
        parts.append(f"{where}: {message}{shown}")
    return " ".join(("invalid setting " + "; ".join(parts)).split())
