"""Calling the runner from a Textual thread worker: its database connection and its outcome.

The runner is synchronous, so the app runs it in `@work(thread=True)` workers: the event loop
never waits for Alembic (importing it, reading scripts, running env.py and the revisions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from textual.app import App

    from tui.db.session import SessionManager

T = TypeVar("T")


def run_with_connection(
    app: App[Any], manager: SessionManager, job: Callable[..., T], *, writes: bool = False
) -> T:
    """From a thread worker of `app`: `job(connection)` with a synchronous connection to
    `manager`'s database; its result.

    The connection comes from `SessionManager.run_sync` in an event loop of this thread's own
    (asyncpg and aiosqlite connections belong to the loop that opened them); an in-memory
    database (testing) exists only on the manager's connection, so there the job runs on the
    app's loop. `writes`: the user confirmed a write to a locked production database.
    """
    if manager.settings.is_memory:
        return app.call_from_thread(manager.run_sync, job, allow_writes=writes)
    return asyncio.run(manager.run_sync(job, allow_writes=writes))


@dataclass(frozen=True, slots=True)
class Ended(Generic[T]):
    """How work in a thread worker ended: its `value` or its `error`. The worker returns it
    instead of failing, so the task that awaits the worker reports the error, once."""

    value: T | None = None
    error: Exception | None = None

    @classmethod
    def of(cls, work: Callable[[], T]) -> Ended[T]:
        try:
            return cls(work())
        except Exception as exc:
            return cls(error=exc)

    def get(self) -> T:
        """The value, or the error raised again."""
        if self.error is not None:
            raise self.error
        return cast("T", self.value)
