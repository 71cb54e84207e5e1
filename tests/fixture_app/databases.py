"""Databases of the fixture application for tests: migrated to head, holding the sample rows.

A test session (each pytest-xdist worker runs its own) builds one template per backend the first
time a test asks for that backend, through the application's own Alembic migrations and
`insert_sample_rows`; each test then gets a copy:

* SQLite: a new file in the test's `tmp_path`, copied with SQLite's backup API (nothing but
  SQLite opens database files);
* PostgreSQL: ``CREATE DATABASE … TEMPLATE …``, a uniquely named database dropped after the test.

Names are unique (uuid) and files live in pytest's per-worker temporary folders, so parallel
workers (and other people's test runs on the same server) share nothing.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, make_url
from sqlalchemy.engine import Connection

from tests.conftest import PG_ADMIN, create_pg_database, drop_pg_database

from .db import run_in_transaction
from .sample_rows import insert_sample_rows

BACKENDS = ("sqlite", "postgres")
ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"

T = TypeVar("T")


def alembic_config(connection: Connection | None = None) -> Config:
    """The application's Alembic configuration; with `connection`, env.py migrates on it."""
    config = Config(str(ALEMBIC_INI))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def run_alembic(url: str, alembic_command: Callable[..., object], *args: object) -> None:
    """Run an Alembic command (`command.upgrade`, "head") on `url`'s database, in this process,
    on a connection handed to env.py."""
    run_in_transaction(url, lambda connection: alembic_command(alembic_config(connection), *args))


def fill(url: str) -> None:
    """Migrate the empty database at `url` to head and insert the sample rows."""
    run_alembic(url, command.upgrade, "head")
    run_in_transaction(url, insert_sample_rows)


def sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def postgres_url(database: str) -> str:
    url = URL.create(
        "postgresql",
        username=PG_ADMIN["user"],
        host=PG_ADMIN["host"],
        port=PG_ADMIN["port"],
        database=database,
    )
    return url.render_as_string(hide_password=False)


def _in_own_thread(function: Callable[[], T]) -> T:
    """Run `function` in a thread of its own: it may call `asyncio.run`, and async tests call
    these helpers from inside their running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


class FixtureDatabases:
    """The templates of one test session, built on first use, and the copies made of them."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._templates: dict[str, str] = {}

    def copy(self, backend: str, folder: Path) -> str:
        """The URL of a new database of `backend` ("sqlite": a file in `folder`, or
        "postgres") migrated to head, with the sample rows."""
        return _in_own_thread(lambda: self._copy(backend, folder))

    def drop(self, url: str) -> None:
        """Drop a PostgreSQL copy (SQLite files stay in pytest's temporary folders)."""
        database = make_url(url)
        if database.get_backend_name() == "postgresql":
            _in_own_thread(lambda: drop_pg_database(str(database.database)))

    def close(self) -> None:
        """Drop the PostgreSQL template."""
        for url in self._templates.values():
            self.drop(url)
        self._templates.clear()

    def _copy(self, backend: str, folder: Path) -> str:
        template = make_url(self._template(backend))
        if backend == "sqlite":
            target = folder / f"fixture_app_{uuid.uuid4().hex[:8]}.db"
            source = sqlite3.connect(str(template.database))
            copy = sqlite3.connect(target)
            with closing(source), closing(copy):
                source.backup(copy)
            return sqlite_url(target)
        return postgres_url(create_pg_database(template=template.database))

    def _template(self, backend: str) -> str:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        if backend not in self._templates:
            if backend == "sqlite":
                url = sqlite_url(self._folder / f"template_{uuid.uuid4().hex[:8]}.db")
            else:
                url = postgres_url(create_pg_database())
            try:
                fill(url)
            except BaseException:
                self.drop(url)
                raise
            self._templates[backend] = url
        return self._templates[backend]
