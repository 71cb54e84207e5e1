"""A bounded record of executed statements and pool activity, fed by engine events."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

sql_logger = logging.getLogger("tui.sql")
pool_logger = logging.getLogger("tui.pool")

HIDDEN_PARAMETERS = "<hidden>"


@dataclass(frozen=True, slots=True)
class SqlEntry:
    """One executed statement."""

    statement: str
    parameters: str
    duration_ms: float
    rowcount: int | None
    at: float
    error: str | None = None


@dataclass(slots=True)
class PoolStatus:
    """Counters kept from the pool events."""

    connects: int = 0
    checked_out: int = 0
    invalidated: int = 0
    size: int = 0
    overflow: int = 0
    description: str = ""


@dataclass
class SqlLog:
    """Ring buffer of the last `capacity` statements, newest last; thread-safe."""

    capacity: int = 500
    hide_parameters: bool = False
    entries: deque[SqlEntry] = field(init=False)
    pool: PoolStatus = field(default_factory=PoolStatus)
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entries = deque(maxlen=self.capacity)
        self._lock = threading.Lock()

    def add(self, entry: SqlEntry) -> None:
        with self._lock:
            self.entries.append(entry)
        sql_logger.debug("%.1f ms %s", entry.duration_ms, entry.statement)
        for listener in list(self.listeners):
            listener()

    def record(
        self,
        statement: str,
        parameters: Any,
        started: float,
        *,
        rowcount: int | None = None,
        error: str | None = None,
    ) -> None:
        """Add the entry of a statement that began at `started` (`now()`) and just ended."""
        self.add(
            SqlEntry(
                statement=statement,
                parameters=self.format_parameters(parameters),
                duration_ms=(now() - started) * 1000,
                rowcount=rowcount,
                at=time.time(),
                error=error,
            )
        )

    def newest_first(self) -> list[SqlEntry]:
        with self._lock:
            return list(reversed(self.entries))

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def format_parameters(self, parameters: Any) -> str:
        if self.hide_parameters:
            return HIDDEN_PARAMETERS
        if isinstance(parameters, list) and len(parameters) > 3:
            # executemany: show a few rows, not a repr of thousands.
            text = f"{repr(parameters[:3])[:-1]}, … ({len(parameters):,} rows)]"
        else:
            text = repr(parameters)
        return text if len(text) <= 500 else text[:499] + "…"


def now() -> float:
    return time.perf_counter()
