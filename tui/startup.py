"""Start-up of the app path (`dbtui` without settings given): what the first frame shows, and
the settings loaded and checked once, in a worker thread, before the first screen opens.

The first frame needs only Textual: its header is a read of the raw layered values
(`tui.settings_sources`). `load_startup_settings` then validates them with pydantic (the one
`Settings` type), checks a SQLite target through SQLite itself, and prepares the first screen.
`dbtui` pauses garbage collection until the first screen is up (`pause_gc`, `resume_gc`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from tui.settings_sources import (
    layered_values,
    peek_environment,
    peek_kind,
    peek_sqlite_path,
    sqlite_url,
)

if TYPE_CHECKING:
    from tui.config import Settings

#: Seconds after the first screen opens when garbage collection resumes (see `pause_gc`).
GC_RESUME_SECONDS = 1.0


_GC_PAUSED: dict[str, bool] = {}  # "paused": pause_gc's own pause is on


def pause_gc() -> None:
    """Pause garbage collection for start-up (`dbtui` does, before importing the app).

    Start-up allocates much and frees little; collecting meanwhile cost about 0.3x of an empty
    app's first paint before the first rows (bench/README.md). The app calls `resume_gc`
    once its first screen is up.
    """
    gc.disable()
    _GC_PAUSED["paused"] = True


def resume_gc() -> None:
    """End `pause_gc`'s pause (only its own: Textual pauses collection during a scroll, and
    an app that did not start through `dbtui` never paused it). What start-up built lives as
    long as the app: it is frozen first, so later collections need not scan it again."""
    if _GC_PAUSED.pop("paused", False):
        gc.freeze()
        gc.enable()


def peek_identity(
    env_file: Path | None, overrides: dict[str, str], connection: dict[str, str]
) -> tuple[str, str, str]:
    """(environment name, its kind, masked URL) for the first frame's header, read from the
    raw values; the URL only for a development SQLite file ("" otherwise)."""
    values = layered_values(env_file, overrides, connection=connection)
    path = peek_sqlite_path(values)
    url = sqlite_url(path) if path is not None else ""
    return peek_environment(values), peek_kind(values).value, url


def load_startup_settings(
    env_file: Path | None,
    overrides: dict[str, str],
    connection: dict[str, str],
    prepare_screen: Callable[[], object] | None = None,
) -> tuple[Settings | None, str | None]:
    """Load and check the settings, then `prepare_screen()` (import what the first screen
    needs).

    Returns (settings, None), or (None, one line) for invalid settings or a SQLite target that
    is not a SQLite file. Runs in a worker thread: it imports pydantic and SQLAlchemy.
    """
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError

    from tui.config import load_settings
    from tui.settings_sources import describe_validation_error, sqlite_file_problem

    try:
        settings = load_settings(env_file, overrides, connection=connection)
        url = settings.url()
    except ValidationError as exc:
        return None, describe_validation_error(exc)
    except ArgumentError:
        return None, "invalid DATABASE_URL: cannot parse it as a database URL"
    if settings.is_sqlite and not settings.is_memory:
        problem = sqlite_file_problem(url.database or "", settings.masked_url)
        if problem:
            return None, problem
    import_module("tui.db.session")
    url.get_dialect().import_dbapi()  # the driver (aiosqlite, asyncpg)
    if prepare_screen is not None:
        prepare_screen()
    return settings, None
