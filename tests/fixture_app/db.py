"""How the fixture application reaches its database.

SQLite files go through the standard library's `sqlite3` driver; PostgreSQL through asyncpg, with
the synchronous work run by `AsyncConnection.run_sync` (the only drivers dbtui installs). URLs may
name any driver of those backends (`sqlite+aiosqlite://`, `postgresql://`): the driver is chosen
here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

#: The environment variable the application (and its `alembic` command) reads its database from.
DATABASE_URL_VARIABLE = "FIXTURE_DATABASE_URL"

T = TypeVar("T")


def with_driver(url: str | URL) -> URL:
    """`url` with the driver this application uses for its backend."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite")
    if backend == "postgresql":
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"the fixture application runs on SQLite or PostgreSQL, not {backend}")


def run_in_transaction(url: str | URL, work: Callable[[Connection], T]) -> T:
    """Run `work` on a new connection to `url` in one transaction (committed if it returns).

    PostgreSQL runs in a new event loop (`asyncio.run`): call it where no loop is running.
    """
    url = with_driver(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                return work(connection)
        finally:
            engine.dispose()
    return asyncio.run(_run_async(url, work))


async def _run_async(url: URL, work: Callable[[Connection], T]) -> T:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()
