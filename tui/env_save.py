"""What "Save to .env" writes: the settings edited on the Settings screen, nothing else.

Values that came from the process environment, a command-line flag or a default stay out of
`.env` unless edited; lines already in the file stay as they are unless their setting was
edited to a new value. Secrets are listed by name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from tui.config import SETTING_NAMES, Origin, Settings, env_key, read_env_file, settings_as_env
from tui.settings_sources import SECRET_FIELDS, read_env_lines

#: Origins whose values would outrank `.env` at the next start.
OUTRANKING = (Origin.ENVIRONMENT, Origin.COMMAND_LINE)


def changed_settings(new: Settings, old: Settings) -> set[str]:
    """Names of the settings whose values differ between `new` and `old`."""
    new_values, old_values = settings_as_env(new), settings_as_env(old)
    return {n for n in SETTING_NAMES if new_values.get(n, "") != old_values.get(n, "")}


@dataclass(frozen=True)
class EnvSavePlan:
    """The keys a save writes to `path`, and those left out because they come from elsewhere."""

    path: Path
    values: dict[str, str]
    origins: Mapping[str, Origin]

    def describe(self) -> str:
        """The listing shown before writing (secrets by name only, never their values)."""
        lines = [f"Write to {self.path}:"]
        existing = set(read_env_lines(self.path))
        for name, value in self.values.items():
            origin = self.origins.get(name, Origin.DEFAULT)
            note = f"  (the {origin} still takes precedence)" if origin in OUTRANKING else ""
            lines.append(f"  {_entry(name, env_key(name, existing), value)}{note}")
        left_out = [
            n for n in SETTING_NAMES if n not in self.values and self.origins.get(n) in OUTRANKING
        ]
        if left_out:
            lines += ["", "Not written (from the environment or command line):"]
            lines.append("  " + ", ".join(left_out))
        lines += ["", "Every other line of the file stays as it is."]
        return "\n".join(lines)


def _entry(name: str, key: str, value: str) -> str:
    """One listed line under the key written (`DBTUI_X` when the file uses it)."""
    if name in SECRET_FIELDS:
        return f"{key} ({'changed' if value else 'cleared'})"
    return f"{key}={value}"


def plan_env_save(
    path: Path,
    candidate: Settings,
    live: Settings,
    origins: Mapping[str, Origin],
    applied: Set[str] = frozenset(),
) -> EnvSavePlan:
    """Plan a save of `candidate` (the form) to the env file at `path`.

    Written: settings edited in the form (they differ from `live`) or edited and applied
    earlier (`applied`), when the file does not hold that value already.
    """
    edited = changed_settings(candidate, live) | set(applied)
    in_file = read_env_file(path)
    new_values = settings_as_env(candidate)
    values = {
        name: new_values.get(name, "")
        for name in SETTING_NAMES
        if name in edited and in_file.get(name) != new_values.get(name, "")
    }
    return EnvSavePlan(path, values, dict(origins))
