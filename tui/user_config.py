"""The user's own dbtui configuration: `config.toml` in the user's config directory.

Where: `platformdirs.user_config_dir("dbtui")` (e.g. `~/.config/dbtui/config.toml` on Linux),
or the folder named by `DBTUI_CONFIG_DIR`. What it holds here::

    theme = "textual-light"      # remembered when you pick a theme in the app (ctrl+p)

    [keys]                       # binding id = keys (comma-separated), through Textual's keymap
    "record_table.sort" = "S"
    "app.sql_log" = "ctrl+l,f2"

A file that cannot be read or parsed is ignored (the app says why); nothing else in the file is
touched when the theme is saved, comments included.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class UserConfig:
    """What the configuration file says; `path` None means "not saved anywhere" (tests)."""

    path: Path | None = None
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    #: One line per problem found while reading (shown once the app is up).
    problems: tuple[str, ...] = ()


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
    return UserConfig(path=path, theme=theme, keys=keys, problems=tuple(problems))


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
