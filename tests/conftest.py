"""Shared fixtures: an isolated environment, and databases on SQLite files and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings as hypothesis_settings

from tui.config import SETTING_NAMES, Settings, load_settings
from tui.db.session import SessionManager

if TYPE_CHECKING:
    from tests.fixture_app.databases import FixtureDatabases

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", database="postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Three test workers share two cores: a single example's wall time says nothing, so no deadline.
hypothesis_settings.register_profile("dbtui", deadline=None)
hypothesis_settings.load_profile("dbtui")

#: Fixtures that give a test a PostgreSQL database: a test using one is marked `postgres`.
PG_FIXTURES = {"pg_database", "postgres"}
#: A parameter of this value (`backend_settings`, `manager`, `backend`…) means PostgreSQL.
PG_PARAM = "postgres"


def _needs_postgres(item: pytest.Item) -> bool:
    """Whether a collected test asks for PostgreSQL through a fixture or a parameter."""
    if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and PG_PARAM in callspec.params.values()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that asks for PostgreSQL (fixture or parameter) `postgres`, so that
    `-m postgres` / `-m "not postgres"` select them; tests reaching PostgreSQL another way
    carry the marker themselves (`create_pg_database` fails a test without it)."""
    for item in items:
        if item.get_closest_marker("postgres") is None and _needs_postgres(item):
            item.add_marker(pytest.mark.postgres)


_RUNNING: dict[str, pytest.Item] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """Remember the running test (for `create_pg_database`'s marker check)."""
    _RUNNING["item"] = item
    try:
        return (yield)
    finally:
        _RUNNING.pop("item", None)


def _check_marked() -> None:
    item = _RUNNING.get("item")
    if item is not None and item.get_closest_marker("postgres") is None:
        pytest.fail(
            f"{item.nodeid} creates a PostgreSQL database but is not marked postgres: "
            "add @pytest.mark.postgres (or use the pg_database / backend_settings fixtures)"
        )


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


async def _pg_run(database: str, sql: str) -> None:
    """Run `sql` (one or more statements) in `database` as the admin user."""
    import asyncpg

    conn = await asyncpg.connect(**{**PG_ADMIN, "database": database}, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_admin(sql: str) -> None:
    await _pg_run(PG_ADMIN["database"], sql)


def postgres_available() -> bool:
    try:
        asyncio.run(_pg_admin("select 1"))
    except Exception:
        return False
    return True


_PG_STATE: dict[str, bool] = {}


def skip_outside_ci(reason: str) -> None:
    """Skip the test, or fail it under CI=true, where no test may skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def require_postgres() -> None:
    """Skip (outside CI) or fail (under CI=true) when PostgreSQL is unreachable."""
    if "ok" not in _PG_STATE:
        _PG_STATE["ok"] = postgres_available()
    if not _PG_STATE["ok"]:
        skip_outside_ci("PostgreSQL is not reachable on 127.0.0.1:5432")


# -- PostgreSQL databases: a pool per test session (xdist worker), emptied between tests -------
# CREATE DATABASE copies a 7.5 MB template and writes it all to the WAL (0.4 s of the server's
# CPU and about 1 s here, twice for a copy of a migrated schema); emptying a database and
# replaying a template's dump takes a quarter of that. Every test still gets a database of
# its own, holding nothing but what it asked for.
_PG_POOL: list[str] = []  # emptied databases of this session, ready for a test
_PG_OURS: set[str] = set()  # every database of the pool, given out or not
_PG_DUMPS: dict[str, str] = {}  # a template's name -> its SQL dump (pg_dump --inserts)
_PG_LOCK = threading.Lock()

#: Drops every schema of a database that is not PostgreSQL's own, then gives it `public` again.
_EMPTY_DATABASE = """
DO $$ DECLARE schema_name text; BEGIN
  FOR schema_name IN SELECT nspname FROM pg_namespace
      WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', schema_name);
  END LOOP;
END $$;
CREATE SCHEMA public;
"""


def _empty_pg_database(name: str) -> None:
    """Leave `name` with an empty `public` schema and nothing else, nobody connected."""
    asyncio.run(
        _pg_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
    )
    asyncio.run(_pg_run(name, _EMPTY_DATABASE))


def _pg_dump(template: str) -> str | None:
    """The SQL that rebuilds `template` (schema and rows), or None without `pg_dump`."""
    if template not in _PG_DUMPS:
        if shutil.which("pg_dump") is None:
            return None
        done = subprocess.run(
            [
                *("pg_dump", "--inserts", "--no-owner", "--no-privileges", template),
                *("-h", str(PG_ADMIN["host"]), "-p", str(PG_ADMIN["port"]), "-U", PG_ADMIN["user"]),
            ],
            capture_output=True,
            check=True,
        )
        # bytes, split at "\n" only: a value's "\r" stays. `\restrict` and `\unrestrict` are
        # psql's commands (pg_dump 15.14+), not SQL.
        lines = done.stdout.decode().split("\n")
        psql_only = re.compile(r"\\(un)?restrict [A-Za-z0-9]+")
        _PG_DUMPS[template] = "\n".join(line for line in lines if not psql_only.fullmatch(line))
    return _PG_DUMPS[template]


def create_pg_database(template: str | None = None) -> str:
    """A PostgreSQL database of the test's own, empty or holding what `template` holds;
    returns its name. Fails a test that is not marked `postgres`."""
    _check_marked()
    require_postgres()
    dump = None if template is None else _pg_dump(template)
    if template is None or dump is not None:
        with _PG_LOCK:
            name = _PG_POOL.pop() if _PG_POOL else None
        if name is None:
            name = f"dbtui_test_{uuid.uuid4().hex[:12]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            with _PG_LOCK:
                _PG_OURS.add(name)
        if dump is not None:
            asyncio.run(_pg_run(name, dump))
        return name
    name = f"dbtui_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    return name


def drop_pg_database(name: str) -> None:
    """Done with `name`: a database of the pool is emptied for the next test, another (or
    one that cannot be emptied) is dropped."""
    if name in _PG_OURS:
        try:
            _empty_pg_database(name)
        except Exception:
            with _PG_LOCK:
                _PG_OURS.discard(name)
        else:
            with _PG_LOCK:
                _PG_POOL.append(name)
            return
    _drop_pg_database_now(name)


def _drop_pg_database_now(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _drop_pg_pool() -> None:
    """Drop every database of this session's pool (at its end)."""
    with _PG_LOCK:
        names = sorted(_PG_OURS)
        _PG_OURS.clear()
        _PG_POOL.clear()
    for name in names:
        _drop_pg_database_now(name)


def _in_own_thread(function: Callable[[], Any]) -> Any:
    """Run `function` in a thread of its own: it may call `asyncio.run`, and async tests and
    fixtures call these helpers from inside their running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


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


# -- the demo's schema, migrated once per test session (each xdist worker) and copied ----------
_DEMO_TEMPLATES: dict[str, str] = {}  # "sqlite": a file path, "postgres": a database name
_DEMO_LOCK = threading.Lock()


async def _migrate(settings: Settings) -> None:
    manager = SessionManager(settings)
    manager.unlock()
    try:
        await create_schema(manager)
    finally:
        await manager.dispose()


def _demo_template(backend: str) -> str:
    """The migrated template of `backend` of this process, built on first use."""
    with _DEMO_LOCK:
        if backend not in _DEMO_TEMPLATES:
            if backend == "sqlite":
                folder = Path(tempfile.mkdtemp(prefix="dbtui-demo-template-"))
                path = folder / "template.db"
                _in_own_thread(lambda: asyncio.run(_migrate(sqlite_settings(path))))
                _DEMO_TEMPLATES[backend] = str(path)
            else:
                name = _in_own_thread(create_pg_database)
                try:
                    _in_own_thread(lambda: asyncio.run(_migrate(pg_settings(name))))
                except BaseException:
                    _in_own_thread(lambda: drop_pg_database(name))
                    raise
                _DEMO_TEMPLATES[backend] = name
        return _DEMO_TEMPLATES[backend]


def copy_demo_schema(settings: Settings) -> None:
    """Give `settings`' database the demo's schema at head (as `create_schema` does), by
    copying a template migrated once per test session: a SQLite file is written with SQLite's
    backup API; a PostgreSQL database (empty, made by `create_pg_database`) is dropped and
    created again from the template under the same name. Callable inside an event loop."""
    database = str(settings.url().database)
    if settings.is_sqlite:
        template = _demo_template("sqlite")

        def backup() -> None:
            source = sqlite3.connect(template)
            target = sqlite3.connect(database)
            with closing(source), closing(target):
                source.backup(target)

        _in_own_thread(backup)
        return
    template = _demo_template("postgres")

    def recreate() -> None:
        dump = _pg_dump(template)
        if database in _PG_OURS and dump is not None:
            _empty_pg_database(database)
            asyncio.run(_pg_run(database, dump))
            return
        drop_pg_database(database)
        asyncio.run(_pg_admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))

    _in_own_thread(recreate)


@pytest.fixture(scope="session", autouse=True)
def _drop_demo_templates() -> Iterator[None]:
    """Remove this session's demo templates at its end."""
    yield
    name = _DEMO_TEMPLATES.pop("postgres", None)
    if name is not None:
        drop_pg_database(name)
    path = _DEMO_TEMPLATES.pop("sqlite", None)
    if path is not None:
        shutil.rmtree(Path(path).parent, ignore_errors=True)
    _drop_pg_pool()


@pytest.fixture
async def manager(backend_settings: Settings) -> AsyncIterator[SessionManager]:
    """A writable SessionManager on a database with the schema, on each backend."""
    copy_demo_schema(backend_settings)
    mgr = SessionManager(backend_settings)
    mgr.unlock()
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


# -- snapshots -------------------------------------------------------------------------------
def _stop_blinking(app: Any) -> None:
    """Show every text cursor steadily: a blinking one makes a screenshot depend on when it
    was taken (and on the machine's load)."""
    from textual.widgets import Input, TextArea

    for screen in app.screen_stack:
        for widget in screen.query("*"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = False


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's `snap_compare`, with text cursors that do not blink (the same
    arguments: app, press, terminal_size, run_before)."""

    def compare(
        app: Any,
        press: Any = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Any], Any] | None = None,
    ) -> bool:
        async def steady(pilot: Any) -> None:
            _stop_blinking(pilot.app)
            if run_before is not None:
                result = run_before(pilot)
                if hasattr(result, "__await__"):
                    await result
            await pilot.pause()
            await pilot.press(*press)
            await pilot.pause()
            _stop_blinking(pilot.app)

        return snap_compare(app, terminal_size=terminal_size, run_before=steady)

    return compare


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """After each test, collect its garbage and exempt what survives (the libraries, their
    caches) from later scans: a test process lives for hundreds of apps, and full
    collections scanning all it ever kept cost a fifth of the suite's CPU. dbtui's own
    start-up does the same for what it builds (tui/startup.py)."""
    import gc

    gc.collect()
    gc.freeze()
