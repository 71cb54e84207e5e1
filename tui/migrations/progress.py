"""Progress of the running operation: Alembic's output and log, turned into `MigrationEvent`s.

The events reach a callback from the thread the operation runs in: hand them to the UI with
`post_message` or `App.call_from_thread` (both thread-safe). Nothing is printed: Alembic writes
to `Config.stdout` (a `LineWriter`) and its `alembic` logger is routed here while it runs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.config
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    STARTED = "started"  # an operation began (text: its description)
    OUTPUT = "output"  # a line of Alembic output
    REVISION_STARTED = "revision_started"  # a revision step is about to run
    REVISION_DONE = "revision_done"  # a revision step was applied and committed
    ELSEWHERE = "elsewhere"  # env.py used a database connection of its own (text: which)
    FINISHED = "finished"  # the operation succeeded
    FAILED = "failed"  # the operation failed (text: the error; revision: the failing one)


@dataclass(frozen=True, slots=True)
class MigrationEvent:
    """Progress of the running operation."""

    kind: EventKind
    operation: str
    text: str = ""
    revision: str | None = None
    step: int | None = None  # 1-based index of the revision step
    total: int | None = None  # number of steps planned, when known
    level: str = "info"  # "info", "warning", "error"


EventCallback = Callable[[MigrationEvent], None]


class LineWriter(io.TextIOBase):
    """A text stream that turns written text into one callback call per line."""

    encoding = "utf-8"

    def __init__(self, emit: Callable[[str], None]) -> None:
        super().__init__()
        self._emit = emit
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            self._emit(self._pending)
        self._pending = ""


class Operation:
    """Bookkeeping of one running operation: events, steps, the revision in progress."""

    def __init__(self, name: str, on_event: EventCallback | None, secrets: list[str]) -> None:
        self.name = name
        self._on_event = on_event
        self._secrets = secrets
        self.step = 0
        self.total: int | None = None
        self.in_progress: str | None = None
        self.done = 0
        self.planned: list[str] = []  # revision ids of the planned steps, when known
        self._seen_output: set[str] = set()

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def emit(self, kind: EventKind, text: str = "", **kw: Any) -> None:
        if self._on_event is None:
            return
        event = MigrationEvent(kind, self.name, self._mask(text), **kw)
        # A broken listener must not break the migration (and nothing may print to the terminal).
        with contextlib.suppress(Exception):
            self._on_event(event)

    def output(self, line: str, level: str = "info") -> None:
        self.emit(EventKind.OUTPUT, line, level=level)

    def log_output(self, line: str, level: str) -> None:
        """Output from the `alembic` logger; repeated set-up lines ("Context impl ...") once,
        Alembic's plugin set-up ("setting up autogenerate plugin ...") not at all."""
        if line.startswith("setting up autogenerate plugin"):
            return
        if line.startswith(("Context impl", "Will assume")):
            if line in self._seen_output:
                return
            self._seen_output.add(line)
        self.output(line, level)

    @property
    def failing_revision(self) -> str | None:
        """The revision in progress, else the next planned one."""
        if self.in_progress is not None:
            return self.in_progress
        if self.done < len(self.planned):
            return self.planned[self.done]
        return None

    def revision_started(self, step: Any) -> None:
        script = getattr(step, "revision", None)
        revision = getattr(script, "revision", None)
        if script is None or revision is None:
            return
        self.step += 1
        self.in_progress = revision
        verb = "upgrade" if getattr(step, "is_upgrade", True) else "downgrade"
        self.emit(
            EventKind.REVISION_STARTED,
            f"{verb} {revision}: {(script.doc or '').strip()}",
            revision=revision,
            step=self.step,
            total=self.total,
        )

    def revision_done(self, *, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        """Alembic's `on_version_apply` callback (dbtui's env.py passes it on)."""
        revision = self.in_progress
        if revision is None:
            ids = step.up_revision_ids if step.is_upgrade else step.down_revision_ids
            revision = ", ".join(ids) or None
        self.in_progress = None
        self.done += 1
        self.emit(
            EventKind.REVISION_DONE,
            f"done {revision}",
            revision=revision,
            step=self.step,
            total=self.total,
        )


class _LogHandler(logging.Handler):
    """Routes the `alembic` logger to the running operation."""

    def __init__(self, operation: Operation) -> None:
        super().__init__(logging.INFO)
        self.operation = operation

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if (
                record.name == "alembic.runtime.migration"
                and record.msg == "Running %s"
                and record.args
            ):
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                self.operation.revision_started(args[0])
            level = "error" if record.levelno >= logging.ERROR else "info"
            if logging.WARNING <= record.levelno < logging.ERROR:
                level = "warning"
            self.operation.log_output(record.getMessage(), level)
        except Exception:  # never let logging print a traceback behind the UI
            return


def _logging_kept(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for `logging.config.fileConfig` while an operation runs: see `alembic_log_to`."""


@contextlib.contextmanager
def alembic_log_to(operation: Operation) -> Iterator[None]:
    """While inside, the `alembic` logger reports to `operation` (and nowhere else).

    env.py templates call `fileConfig(config.config_file_name)` (some first assert that the
    name is set, as FastAPI's full-stack template does). Run here, it would replace the logging
    of the whole process: it closes every handler (this one included) and disables every
    logger. So while an operation runs (operations are serialized), `fileConfig` does nothing.
    """
    logger = logging.getLogger("alembic")
    handler = _LogHandler(operation)
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    file_config = logging.config.fileConfig
    logging.config.fileConfig = _logging_kept
    try:
        yield
    finally:
        logging.config.fileConfig = file_config
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
