"""Shared set-up of the entity tests: a SessionManager on a fixture application database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tui.config import load_settings
from tui.db.session import SessionManager

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def manager_for(url: str) -> AsyncIterator[SessionManager]:
    """A writable `SessionManager` on `url` (a sync-style URL: the settings pick the async
    driver), disposed at the end."""
    settings = load_settings(None, {"DATABASE_URL": url}, environ={})
    manager = SessionManager(settings)
    manager.unlock()
    try:
        yield manager
    finally:
        await manager.dispose()


@asynccontextmanager
async def fixture_manager(
    fixture_database: Callable[[str], str], backend: str
) -> AsyncIterator[SessionManager]:
    """A manager on a fresh, filled fixture application database of `backend`."""
    async with manager_for(fixture_database(backend)) as manager:
        yield manager
