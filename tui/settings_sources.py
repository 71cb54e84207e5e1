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
    """The three environments a developer switches between."""

    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


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
)
ENVIRONMENTS: tuple[str, ...] = ("development", "testing", "production")
DEFAULT_ENVIRONMENT = "development"
DEFAULT_SQLITE_DATABASE = "app.db"

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
}
#: Settings whose input is never repeated in a message.
SECRET_FIELDS: tuple[str, ...] = ("POSTGRES_PASSWORD", "DATABASE_URL", "DATABASE_URL_OVERRIDE")


def read_env_file(path: Path) -> dict[str, str]:
    """The known settings found in an env file (missing file: empty)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    values = dotenv_values(path)
    return {k: v for k, v in values.items() if k in SETTING_NAMES and v is not None}


def layered_values(
    env_file: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Raw setting values: `env_file` < `environ` (default `os.environ`) < `overrides`.

    Keys are setting names (`DATABASE_URL`, not the field name); defaults are not filled in.
    """
    layered: dict[str, Any] = {}
    if env_file is not None:
        layered.update(read_env_file(env_file))
    env = os.environ if environ is None else environ
    layered.update({k: env[k] for k in SETTING_NAMES if k in env})
    layered.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return layered


def peek_environment(values: Mapping[str, Any]) -> str:
    """The environment the values name ("" when the value is not a valid one)."""
    environment = str(values.get("ENVIRONMENT", DEFAULT_ENVIRONMENT))
    return environment if environment in ENVIRONMENTS else ""


def peek_sqlite_path(values: Mapping[str, Any]) -> str | None:
    """The SQLite file the values point at, when that needs no URL parsing: development
    without a `DATABASE_URL`. None otherwise (testing, production, a full URL)."""
    if str(values.get("DATABASE_URL") or "").strip():
        return None
    if str(values.get("ENVIRONMENT", DEFAULT_ENVIRONMENT)) != DEFAULT_ENVIRONMENT:
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
        where = f"{name} ({SETTING_FLAGS[name]})" if name in SETTING_FLAGS else name
        shown = ""
        if name not in SECRET_FIELDS and "input" in error and loc:
            shown = f" (got {error['input']!r})"
        parts.append(f"{where}: {message}{shown}")
    return " ".join(("invalid setting " + "; ".join(parts)).split())
