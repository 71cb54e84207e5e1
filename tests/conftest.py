"""Shared fixtures: an isolated environment, and databases on SQLite files and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tui.config import SETTING_NAMES, Settings, load_settings
from tui.db.session import SessionManager

if TYPE_CHECKING:
    from tests.fixture_app.databases import FixtureDatabases

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", database="postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Keep the developer's `.env` and DB settings out of tests: run in an empty folder."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"DBTUI_{name}", raising=False)
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    workdir = tmp_path_factory.mktemp("cwd")
    monkeypatch.setenv("PGPASSFILE", str(workdir / "no-such-pgpass"))  # not the user's ~/.pgpass
    monkeypatch.chdir(workdir)
    # and the user's own config.toml (keys, theme): an empty config folder of the test's own
    monkeypatch.setenv("DBTUI_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    yield workdir


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(**PG_ADMIN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> bool:
    try:
        asyncio.run(_pg_admin("select 1"))
    except Exception:
        return False
    return True


_PG_STATE: dict[str, bool] = {}


def require_postgres() -> None:
    """Skip (outside CI) or fail (under CI=true) when PostgreSQL is unreachable."""
    if "ok" not in _PG_STATE:
        _PG_STATE["ok"] = postgres_available()
    if not _PG_STATE["ok"]:
        if IN_CI:
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (required under CI=true)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


def create_pg_database(template: str | None = None) -> str:
    """Create a uniquely named PostgreSQL database, empty or a copy of `template`; returns its
    name."""
    require_postgres()
    name = f"dbtui_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"{copy}'))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pg_settings(database: str, **extra: str) -> Settings:
    values = {
        "ENVIRONMENT": "production",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_DB": database,
    }
    values.update(extra)
    return load_settings(None, values, environ={})


def sqlite_settings(path: Path, **extra: str) -> Settings:
    return load_settings(None, {"SQLITE_DATABASE": str(path), **extra}, environ={})


@pytest.fixture
def pg_database() -> Iterator[str]:
    """An empty PostgreSQL database, dropped after the test."""
    name = create_pg_database()
    try:
        yield name
    finally:
        drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for an empty database on each backend (SQLite file, PostgreSQL database)."""
    if request.param == "sqlite":
        yield sqlite_settings(tmp_path / "test.db")
        return
    name = create_pg_database()
    try:
        yield pg_settings(name)
    finally:
        drop_pg_database(name)


REPO_ROOT = Path(__file__).resolve().parent.parent


def _alembic_upgrade_head(connection: Any) -> None:
    """Run the real migrations to head on a sync `connection` (inside `run_sync`)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


async def create_schema(manager: SessionManager) -> None:
    """Bring the manager's database to head through the real Alembic migrations.

    Includes the full-text search objects (SQLite FTS5 table and triggers, PostgreSQL
    tsvector column and GIN index). Works on a locked (production) manager too.
    """
    from tui.db.session import ALLOW_WRITES

    async with manager.engine.connect() as conn:
        conn = await conn.execution_options(**{ALLOW_WRITES: True})
        await conn.run_sync(_alembic_upgrade_head)


@pytest.fixture
async def manager(backend_settings: Settings) -> AsyncIterator[SessionManager]:
    """A writable SessionManager on a database with the schema, on each backend."""
    mgr = SessionManager(backend_settings)
    mgr.unlock()
    await create_schema(mgr)
    try:
        yield mgr
    finally:
        await mgr.dispose()


@pytest.fixture(params=["session", "read_session"])
def list_session(request: pytest.FixtureRequest, manager: SessionManager) -> Any:
    """Opens the kind of session list pages are read in: a write session, or a read session."""
    return getattr(manager, request.param)


@pytest.fixture(scope="session")
def fixture_app_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureDatabases]:
    """The fixture application's template databases of this test session (or xdist worker)."""
    from tests.fixture_app.databases import FixtureDatabases  # it imports this module

    databases = FixtureDatabases(tmp_path_factory.mktemp("fixture_app"))
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def fixture_database(
    fixture_app_databases: FixtureDatabases, tmp_path: Path
) -> Iterator[Callable[[str], str]]:
    """`fixture_database(backend)`: the URL of a new database of the fixture application
    (`tests/fixture_app`) migrated to head with its sample rows, for "sqlite" (a file in
    `tmp_path`) or "postgres" (dropped after the test). Callable from async tests too."""
    created: list[str] = []

    def create(backend: str) -> str:
        url = fixture_app_databases.copy(backend, tmp_path)
        created.append(url)
        return url

    yield create
    for url in created:
        fixture_app_databases.drop(url)
