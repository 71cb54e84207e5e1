"""The real `alembic` command line: upgrade, check, downgrade to nothing, upgrade again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from tests.conftest import sqlite_settings
from tests.migration_fixtures import REPO_ROOT, run_alembic
from tui.config import Settings
from tui.db.session import SessionManager

HEAD = "0003_users_case_insensitive"
TABLES = {"users", "user_profiles", "posts", "tags", "post_tags", "alembic_version"}


async def _schema(settings: Settings) -> tuple[set[str], set[str]]:
    """(table names, PostgreSQL enum type names) of the database."""
    manager = SessionManager(settings)
    try:
        async with manager.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            enums: set[str] = set()
            if not settings.is_sqlite:
                query = "select typname from pg_type where typtype = 'e'"
                enums = set((await conn.execute(text(query))).scalars())
    finally:
        await manager.dispose()
    return tables, enums


async def test_cli_round_trip(backend_settings: Settings) -> None:
    migrations = REPO_ROOT / "migrations"
    out = run_alembic(migrations, backend_settings, "upgrade", "head")
    assert f"-> {HEAD}" in out.stderr
    tables, enums = await _schema(backend_settings)
    if backend_settings.is_sqlite:
        assert TABLES | {"posts_fts"} <= tables
    else:
        assert tables == TABLES
        assert enums == {"user_status"}

    check = run_alembic(migrations, backend_settings, "check")
    assert "No new upgrade operations detected" in check.stdout

    run_alembic(migrations, backend_settings, "downgrade", "base")
    assert await _schema(backend_settings) == ({"alembic_version"}, set())
    assert run_alembic(migrations, backend_settings, "current").stdout.strip() == ""

    run_alembic(migrations, backend_settings, "upgrade", "head")
    current = run_alembic(migrations, backend_settings, "current").stdout
    assert current.split() == [HEAD, "(head)"]


def test_cli_takes_x_url_over_settings(tmp_path: Path) -> None:
    """`-x url=...` wins over DATABASE_URL from the environment."""
    settings = sqlite_settings(tmp_path / "main.db")
    other = tmp_path / "other.db"
    migrations = REPO_ROOT / "migrations"
    run_alembic(migrations, settings, "-x", f"url=sqlite:///{other}", "upgrade", "head")
    assert other.is_file()
    assert not (tmp_path / "main.db").exists()
