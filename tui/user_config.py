"""The user's own dbtui configuration: `config.toml` in the user's config directory.

Where: `platformdirs.user_config_dir("dbtui")` (e.g. `~/.config/dbtui/config.toml` on Linux),
or the folder named by `DBTUI_CONFIG_DIR`. What it holds here::

    theme = "textual-light"      # remembered when you pick a theme in the app (ctrl+p)

    [keys]                       # binding id = keys (comma-separated), through Textual's keymap
    "record_table.sort" = "S"
    "app.sql_log" = "ctrl+l,f2"

    [connections.staging]        # `dbtui -c staging`; `dbtui --list-connections` lists them
    url = "postgresql://app@db.staging:5432/app"   # or host, port, user, database
    password_env = "STAGING_PGPASSWORD"            # else libpq's ~/.pgpass / PGPASSWORD
    production = true                              # read-only until unlocked

A file that cannot be read or parsed is ignored (the app says why); nothing else in the file is
touched when the theme is saved, comments included. dbtui never writes a password here, and a
connection that holds one is refused.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

CONFIG_DIR_VARIABLE = "DBTUI_CONFIG_DIR"
CONFIG_FILE = "config.toml"

#: A top-level `theme = ...` line (before any table), as `save_theme` writes it.
_THEME_LINE = re.compile(r"^\s*theme\s*=.*$")
_TABLE_LINE = re.compile(r"^\s*\[")


def config_path() -> Path:
    """The configuration file: `$DBTUI_CONFIG_DIR/config.toml`, else the platform's place."""
    folder = os.environ.get(CONFIG_DIR_VARIABLE)
    if not folder:
        from platformdirs import user_config_dir

        folder = user_config_dir("dbtui", appauthor=False)
    return Path(folder) / CONFIG_FILE


class ConnectionConfigError(ValueError):
    """A named connection that cannot be used; `str()` is one line naming it (no secret)."""


#: The keys a `[connections.NAME]` table may hold.
CONNECTION_KEYS = frozenset(
    {"url", "host", "port", "user", "database", "password_env", "environment", "production"}
    | {"models", "alembic_config"}
)


@dataclass(frozen=True)
class NamedConnection:
    """One `[connections.NAME]` table: a database URL without its password, and what goes
    with it. Choosing it (`--connection NAME`) layers `settings_values()` above `.env` and the
    environment and below the command line's flags."""

    name: str
    #: DATABASE_URL as written (any form dbtui accepts), never with a password.
    url: str
    #: ENVIRONMENT: the header shows it; `production`/`prod` mark the connection production.
    environment: str
    production: bool = False
    #: The environment variable holding the password (else libpq's `PGPASSWORD`/`~/.pgpass`).
    password_env: str | None = None
    #: DBTUI_MODELS: the application's models, `PACKAGE.MODULE:ATTR`.
    models: str | None = None
    #: The application's alembic.ini (`--alembic-config`).
    alembic_config: Path | None = None

    def settings_values(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The settings this connection gives, the password read from `password_env` in
        `environ` (default `os.environ`). Raises `ConnectionConfigError` when that is not set."""
        url = self.url
        if self.password_env is not None:
            env = os.environ if environ is None else environ
            password = env.get(self.password_env)
            if not password:
                raise ConnectionConfigError(
                    f"connection {self.name!r}: its password_env {self.password_env} is not set"
                )
            url = _with_password(url, password)
        values = {"DATABASE_URL": url, "ENVIRONMENT": self.environment}
        if self.production:
            values["PRODUCTION"] = "true"
        if self.models is not None:
            values["MODELS"] = self.models
        return values

    def describe(self) -> str:
        """One line for `--list-connections`: name, URL (no password), what marks it."""
        notes = [f"environment {self.environment}"]
        if self.production:
            notes.append("production")
        if self.password_env:
            notes.append(f"password from ${self.password_env}")
        if self.models:
            notes.append(f"models {self.models}")
        return f"{self.name}  {self.url}  ({', '.join(notes)})"


@dataclass(frozen=True)
class UserConfig:
    """What the configuration file says; `path` None means "not saved anywhere" (tests)."""

    path: Path | None = None
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    #: One line per problem found while reading (shown once the app is up).
    problems: tuple[str, ...] = ()
    #: The usable `[connections.NAME]` tables, in the file's order.
    connections: dict[str, NamedConnection] = field(default_factory=dict)
    #: Connections that cannot be used, by name: why (also among `problems`).
    broken_connections: dict[str, str] = field(default_factory=dict)

    def connection(self, name: str) -> NamedConnection:
        """The connection called `name`; `ConnectionConfigError` says why there is none (naming
        the known ones)."""
        if name in self.connections:
            return self.connections[name]
        if name in self.broken_connections:
            raise ConnectionConfigError(self.broken_connections[name])
        where = self.path if self.path is not None else "the configuration"
        known = ", ".join(sorted([*self.connections, *self.broken_connections]))
        if not known:
            raise ConnectionConfigError(
                f"no connection named {name!r}: {where} defines none ([connections.NAME])"
            )
        raise ConnectionConfigError(f"no connection named {name!r} in {where}; known: {known}")


def load_user_config(path: Path | None = None) -> UserConfig:
    """Read `path` (default: `config_path()`); a missing file is an empty configuration."""
    path = config_path() if path is None else path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserConfig(path=path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return UserConfig(path=path, problems=(f"{path}: ignored, {exc}",))
    problems: list[str] = []
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        problems.append(f"{path}: theme must be a string")
        theme = None
    keys: dict[str, str] = {}
    table = data.get("keys", {})
    if not isinstance(table, dict):
        problems.append(f"{path}: [keys] must be a table of binding id = keys")
        table = {}
    for binding_id, value in table.items():
        if isinstance(value, str) and value.strip():
            keys[binding_id] = ",".join(part.strip() for part in value.split(","))
        else:
            problems.append(f'{path}: keys.{binding_id} must be a string of keys, like "S"')
    connections: dict[str, NamedConnection] = {}
    broken: dict[str, str] = {}
    table = data.get("connections", {})
    if not isinstance(table, dict):
        problems.append(f"{path}: [connections] must hold tables, like [connections.staging]")
        table = {}
    for name, entry in table.items():
        try:
            connections[name] = _parse_connection(name, entry)
        except ConnectionConfigError as exc:
            broken[name] = f"{path}: {exc}"
            problems.append(broken[name])
    return UserConfig(
        path=path,
        theme=theme,
        keys=keys,
        problems=tuple(problems),
        connections=connections,
        broken_connections=broken,
    )


def _parse_connection(name: str, entry: Any) -> NamedConnection:
    """A `[connections.NAME]` table checked: a URL or host fields, no password, known keys."""
    where = f"connection {name!r}"
    if not isinstance(entry, dict):
        raise ConnectionConfigError(f"{where} must be a table ([connections.{name}])")
    if "password" in entry:
        raise ConnectionConfigError(
            f"{where}: config.toml holds no passwords; name an environment variable with "
            "password_env, or use ~/.pgpass or PGPASSWORD"
        )
    unknown = sorted(set(entry) - CONNECTION_KEYS)
    if unknown:
        known = ", ".join(sorted(CONNECTION_KEYS))
        raise ConnectionConfigError(f"{where}: unknown key {', '.join(unknown)} (known: {known})")
    for key, value in entry.items():
        wanted = bool if key == "production" else int | str if key == "port" else str
        blank = isinstance(value, str) and not value.strip()
        if not isinstance(value, wanted) or blank or (key == "port" and isinstance(value, bool)):
            raise ConnectionConfigError(f"{where}: {key} must be a non-empty {_type_word(key)}")
    fields = sorted({"host", "port", "user", "database"} & set(entry))
    if "url" in entry and fields:
        raise ConnectionConfigError(f"{where}: give url or {', '.join(fields)}, not both")
    if "url" in entry:
        url = entry["url"]
        if "://" not in url:
            raise ConnectionConfigError(f"{where}: url is not a database URL (scheme://...)")
        if urlsplit(url).password is not None:
            raise ConnectionConfigError(
                f"{where}: its url holds a password; config.toml holds none: name an "
                "environment variable with password_env, or use ~/.pgpass or PGPASSWORD"
            )
    elif "host" in entry:
        url = _postgres_url(entry)
    else:
        raise ConnectionConfigError(f"{where} needs a url, or a host (with port, user, database)")
    alembic_config = entry.get("alembic_config")
    return NamedConnection(
        name=name,
        url=url,
        environment=entry.get("environment", name),
        production=entry.get("production", False),
        password_env=entry.get("password_env"),
        models=entry.get("models"),
        alembic_config=Path(alembic_config).expanduser() if alembic_config else None,
    )


def _type_word(key: str) -> str:
    return {"production": "true or false", "port": "number"}.get(key, "string")


def _postgres_url(entry: Mapping[str, Any]) -> str:
    """`postgresql://user@host:port/database` from the fields (a host starting with `/` is a
    Unix socket folder, passed as `?host=` the way libpq takes it)."""
    host = str(entry["host"])
    user = quote(str(entry["user"]), safe="") + "@" if "user" in entry else ""
    database = quote(str(entry.get("database", "")), safe="")
    if host.startswith("/"):
        query = f"?host={quote(host, safe='/')}"
        if "port" in entry:
            query += f"&port={entry['port']}"
        return f"postgresql://{user}/{database}{query}"
    port = f":{entry['port']}" if "port" in entry else ""
    return f"postgresql://{user}{host}{port}/{database}"


def _with_password(url: str, password: str) -> str:
    """`url` with `password` (percent-encoded) after its user name."""
    netloc = urlsplit(url).netloc
    user, _, host = netloc.rpartition("@")
    return url.replace(f"://{netloc}", f"://{user}:{quote(password, safe='')}@{host}", 1)


def save_theme(path: Path, theme: str) -> None:
    """Write `theme = "..."` into `path`, replacing the top-level theme line or adding one at the
    top; every other line stays as it was. Written atomically (temp file + rename)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    entry = f"theme = {_toml_string(theme)}"
    replaced = False
    for index, line in enumerate(lines):
        if _TABLE_LINE.match(line):
            break
        if _THEME_LINE.match(line):
            lines[index] = entry
            replaced = True
            break
    if not replaced:  # at the top, before any table
        lines.insert(0, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _toml_string(value: str) -> str:
    """A TOML basic string for `value` (quotes, backslashes and control characters escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
