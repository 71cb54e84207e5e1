"""Start-up stays light: what each step of start-up imports (checked in fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("alembic", "faker", "mako", "hypothesis", "tui.export", "tui.seed", "tui.migrations")
#: Not needed for the first frame: it shows before settings and the database load.
FIRST_FRAME_NEVER = (
    "sqlalchemy",
    "pydantic",
    "pydantic_settings",
    "aiosqlite",
    "asyncpg",
    "tui.config",
    "tui.db.session",
    "tui.models",
    *HEAVY,
)
#: Not needed to list users: only writes, forms and dialogs use them (lists are read from the
#: Core tables; the mapped models load with the first write).
FIRST_ROWS_NEVER = (
    *HEAVY,
    "tui.models",
    "pwdlib",
    "argon2",
    "email_validator",
    "tui.schemas.users",
    "tui.schemas.posts",
    "tui.screens.modals",
    "tui.screens.filter_dialog",
    "tui.widgets.record_form",
    "textual.widgets._text_area",
)


def loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` are imported after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys; print(','.join(m for m in {names!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_importing_the_app_and_first_screen_stays_light() -> None:
    code = "import tui.app, tui.cli, tui.demo.registry, tui.demo.users, tui.screens.table"
    assert loaded(code, HEAVY) == []


def test_the_first_frame_needs_only_textual() -> None:
    code = (
        "from pathlib import Path; from tui.app import make_app; "
        "make_app(None, env_file=Path('missing.env'), overrides={'ENVIRONMENT': 'testing'})"
    )
    assert loaded(code, FIRST_FRAME_NEVER) == []


def test_the_users_list_loads_no_form_schema_or_hasher() -> None:
    code = (
        "import tui.app, tui.screens.table, tui.entities.source, tui.schemas; "
        "from tui.demo.registry import demo_table_screen; demo_table_screen('users'); "
        "from tui.schemas import FieldErrors"
    )
    assert loaded(code, FIRST_ROWS_NEVER) == []


def test_package_names_still_resolve_lazily() -> None:
    code = "from tui.schemas import UserCreate, PostUpdate, TagCreate, MAX_CONTENT, parse"
    assert "tui.schemas.users" in loaded(code, ("tui.schemas.users",))
