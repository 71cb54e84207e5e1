"""`MigrationRunner`: drive Alembic from the app, one operation at a time, off the event loop.

What the runner offers (all `async`, none blocks the event loop):

* reading: `status()` (revision graph newest first, current heads, applied / current / pending
  per revision, unknown revisions, unversioned tables), `revisions()`, `current_heads()`,
  `needs_upgrade()`, `startup_status()`;
* operations: `upgrade(target)`, `downgrade(target)`, `stamp(target)` (these write to the
  database: in a locked production environment they need `confirmed=True`),
  `sql_preview(target, direction)` (offline SQL as text), `downgrade_drops(target)` (the
  tables and columns a downgrade drops, with row counts), `compare()` / `check()` (model vs
  database differences as readable lines), `autogenerate(message)` (writes a revision file,
  returns its path) and `merge(message)` (when several heads exist).

Operations are serialized process-wide (Alembic's `context` and `op` are module globals): asking
for one while another runs raises `MigrationBusy` at once. Each runs in its own thread with its own
event loop and `manager.standalone_engine()` (asyncpg connections are bound to their loop), except
on an in-memory SQLite database, which only exists on the manager's own connection.

Progress reaches `on_event(MigrationEvent)` (called from the worker thread: hand it to the UI with
`App.call_from_thread` or `post_message`, both thread-safe): Alembic's output lines, one event
when a revision starts and one when it is applied, then `FINISHED` or `FAILED`.

A failing revision rolls back on its own (one transaction per revision; SQLite DDL is
transactional thanks to the engine's BEGIN), so the database stays at the revision before it;
`MigrationFailed.revision` names it.

Alembic is imported only inside this module's functions, so `import tui.migrations` is cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from tui.db.errors import DbTuiError, ReadOnlyError, short_error
from tui.migration_drops import Dropped, copy_sqlite_schema, drops_in, statements_of

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.session import SessionManager

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCRIPT_LOCATION = REPO_ROOT / "migrations"
DEFAULT_INI = REPO_ROOT / "alembic.ini"
MAX_REVISION_ID = 32  # alembic_version.version_num is VARCHAR(32)
LOCK_TIMEOUT_S = 30  # PostgreSQL: give up waiting for a table lock after this long

# One Alembic operation at a time in the whole process.
_OPERATION_LOCK = threading.Lock()
_RUNNING: dict[str, str] = {}


# -- errors ------------------------------------------------------------------------------------
class MigrationError(DbTuiError):
    """A migration operation could not run or failed; `str()` is safe to show."""


class MigrationBusy(MigrationError):
    """Another migration operation is running."""


class MigrationRefused(MigrationError, ReadOnlyError):
    """The database is read-only (production) and the operation was not confirmed."""


class MigrationFailed(MigrationError):
    """A revision failed; the database stays at the revision before it."""

    def __init__(self, message: str, revision: str | None, current: tuple[str, ...]) -> None:
        super().__init__(message)
        self.revision = revision
        self.current = current


# -- values ------------------------------------------------------------------------------------
class RevisionState(StrEnum):
    """Where a revision stands relative to the database."""

    APPLIED = "applied"
    CURRENT = "current"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One revision script, as plain immutable values."""

    revision: str
    short_id: str
    message: str
    create_date: datetime | None
    down_revisions: tuple[str, ...]
    is_branch_point: bool
    is_merge_point: bool
    is_head: bool
    is_base: bool
    path: Path
    branch_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """The revision graph and where the database stands in it."""

    revisions: tuple[RevisionInfo, ...]  # newest first
    heads: tuple[str, ...]  # heads of the scripts
    current: tuple[str, ...]  # revisions stamped in the database
    states: dict[str, RevisionState] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()  # stamped in the database, absent from the scripts
    unversioned_tables: tuple[str, ...] = ()  # tables present while nothing is stamped
    masked_url: str = ""

    def state_of(self, revision: str) -> RevisionState:
        return self.states.get(revision, RevisionState.PENDING)

    @property
    def pending(self) -> tuple[str, ...]:
        """Pending revisions, oldest first (the order an upgrade applies them)."""
        return tuple(
            r.revision for r in reversed(self.revisions) if self.state_of(r.revision) == "pending"
        )

    @property
    def at_head(self) -> bool:
        return not self.unknown and set(self.current) == set(self.heads)

    @property
    def needs_upgrade(self) -> bool:
        return not self.unknown and not self.unversioned_tables and bool(self.pending)

    @property
    def problem(self) -> str | None:
        """A one-line description of a state that needs attention, with advice; else None."""
        if self.unknown:
            names = ", ".join(self.unknown)
            return (
                f"the database is stamped with revision {names}, which is not in the migration "
                "scripts: check out the code that created it, or stamp the right revision"
            )
        if self.unversioned_tables:
            return (
                f"the database has {len(self.unversioned_tables)} table(s) but no Alembic "
                "revision: stamp the revision that matches them (or upgrade an empty database)"
            )
        return None

    def summary(self) -> str | None:
        """Start-up message: None when the database is at head, else what is wrong."""
        if self.problem:
            return self.problem
        if not self.current and self.pending:
            return "the database has no schema yet: upgrade to head to create it"
        if self.pending:
            count = len(self.pending)
            return f"the database is behind head ({count} pending revision{'s' * (count > 1)})"
        if len(self.heads) > 1 and set(self.current) != set(self.heads):
            return "the migration scripts have several heads"
        return None


class EventKind(StrEnum):
    STARTED = "started"  # an operation began (text: its description)
    OUTPUT = "output"  # a line of Alembic output
    REVISION_STARTED = "revision_started"  # a revision step is about to run
    REVISION_DONE = "revision_done"  # a revision step was applied and committed
    FINISHED = "finished"  # the operation succeeded
    FAILED = "failed"  # the operation failed (text: the error; revision: the failing one)


@dataclass(frozen=True, slots=True)
class MigrationEvent:
    """Progress of the running operation (delivered from the worker thread)."""

    kind: EventKind
    operation: str
    text: str = ""
    revision: str | None = None
    step: int | None = None  # 1-based index of the revision step
    total: int | None = None  # number of steps planned, when known
    level: str = "info"  # "info", "warning", "error"


EventCallback = Callable[[MigrationEvent], None]
Direction = Literal["upgrade", "downgrade"]


# -- helpers -----------------------------------------------------------------------------------
def short_revision(revision: str) -> str:
    """`0003_add_bio` → `0003`; a hex id → its first 12 characters."""
    head = revision.split("_", 1)[0]
    if head.isdigit():
        return head
    return revision[:12]


_CREATE_DATE = re.compile(r"^Create Date:\s*(.+?)\s*$", re.MULTILINE)


def _create_date(script: Script) -> datetime | None:
    doc = getattr(script.module, "__doc__", None) or ""
    match = _CREATE_DATE.search(doc)
    if not match:
        return None
    try:
        return datetime.fromisoformat(match.group(1))
    except ValueError:
        return None


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def revision_info(script: Script) -> RevisionInfo:
    return RevisionInfo(
        revision=script.revision,
        short_id=short_revision(script.revision),
        message=(script.doc or "").strip(),
        create_date=_create_date(script),
        down_revisions=_as_tuple(script.down_revision),
        is_branch_point=script.is_branch_point,
        is_merge_point=script.is_merge_point,
        is_head=script.is_head,
        is_base=script.is_base,
        path=Path(script.path),
        branch_labels=tuple(sorted(script.branch_labels or ())),
    )


def slugify(message: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    return slug[:limit].rstrip("_") or "revision"


def _describe(obj: Any) -> str:
    """A short name for a schema object in a diff."""
    name = getattr(obj, "name", None)
    table = getattr(obj, "table", None)
    if table is not None and getattr(table, "name", None):
        columns = ", ".join(c.name for c in getattr(obj, "columns", ()) or ())
        where = f" on {table.name}" + (f" ({columns})" if columns else "")
        return f"{name or type(obj).__name__}{where}"
    return str(name or obj)


def format_diff(diff: Any) -> list[str]:
    """Readable lines for one entry of `UpgradeOps.as_diffs()` (nested lists flattened)."""
    if isinstance(diff, list):
        return [line for item in diff for line in format_diff(item)]
    kind, *rest = diff
    words = kind.replace("_", " ")
    if kind in ("add_table", "remove_table"):
        return [f"{words} {rest[0].name}"]
    if kind in ("add_column", "remove_column"):
        _schema, table, column = rest[:3]
        return [f"{words} {table}.{column.name} ({column.type})"]
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return [f"{words} {_describe(rest[0])}"]
    if kind in ("add_fk", "remove_fk"):
        fk = rest[0]
        target = ", ".join(e.target_fullname for e in fk.elements)
        return [f"{words} {_describe(fk)} -> {target}"]
    if kind.startswith("modify_"):
        _schema, table, column, _existing, old, new = rest[:6]
        what = kind.removeprefix("modify_")
        return [f"change {what} of {table}.{column}: {old} -> {new}"]
    return [f"{words} {' '.join(str(part) for part in rest)}"]


class _LineWriter(io.TextIOBase):
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


class _Operation:
    """Bookkeeping of one running operation: events, steps, the revision in progress."""

    def __init__(self, name: str, on_event: EventCallback | None, secrets: list[str]) -> None:
        self.name = name
        self._on_event = on_event
        self._secrets = secrets
        self.step = 0
        self.total: int | None = None
        self.in_progress: str | None = None
        self.last_done: str | None = None
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
        """Output from the `alembic` logger; repeated set-up lines ("Context impl ...") once."""
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
        if revision is None:
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
        revision = self.in_progress
        if revision is None:
            ids = step.up_revision_ids if step.is_upgrade else step.down_revision_ids
            revision = ", ".join(ids) or None
        self.in_progress = None
        self.last_done = revision
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

    def __init__(self, operation: _Operation) -> None:
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


# -- the runner --------------------------------------------------------------------------------
class MigrationRunner:
    """Runs Alembic against `manager`'s current database (follows environment switches).

    `script_location` defaults to the repository's `migrations/` folder. `on_event` receives
    progress from the worker thread; it may also be set later as the `on_event` attribute.
    """

    def __init__(
        self,
        manager: SessionManager,
        script_location: Path | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        self.manager = manager
        self.script_location = Path(script_location or DEFAULT_SCRIPT_LOCATION).resolve()
        self.on_event = on_event

    # -- configuration -------------------------------------------------------------------
    def _config(self, stdout: io.TextIOBase | None = None, output: io.StringIO | None = None):
        from alembic.config import Config

        ini = DEFAULT_INI if DEFAULT_INI.is_file() else None
        ini_here = self.script_location.parent / "alembic.ini"
        if ini_here.is_file():
            ini = ini_here
        config = Config(
            str(ini) if ini else None,
            stdout=stdout or io.StringIO(),
            output_buffer=output,
        )
        config.set_main_option("script_location", str(self.script_location).replace("%", "%%"))
        config.attributes["settings"] = self.manager.settings
        config.attributes["skip_logging_config"] = True
        return config

    def _script(self) -> ScriptDirectory:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._config())

    @property
    def busy(self) -> bool:
        """True while any migration operation runs in this process."""
        return _OPERATION_LOCK.locked()

    # -- reading -------------------------------------------------------------------------
    def _load_revisions(self) -> tuple[list[RevisionInfo], list[str]]:
        script = self._script()
        return [revision_info(s) for s in script.walk_revisions()], list(script.get_heads())

    async def revisions(self) -> list[RevisionInfo]:
        """Every revision script, newest first."""
        revisions, _heads = await asyncio.to_thread(self._load_revisions)
        return revisions

    async def script_heads(self) -> list[str]:
        _revisions, heads = await asyncio.to_thread(self._load_revisions)
        return heads

    async def current_heads(self) -> tuple[str, ...]:
        """Revisions stamped in the database (empty when unversioned). Cheap: one SELECT."""
        # Alembic's import (~100 ms) in a thread: run_sync runs `_read_heads` on the event loop
        await asyncio.to_thread(import_module, "alembic.runtime.migration")
        engine = await self.manager.load_engine()
        async with engine.connect() as conn:
            return await conn.run_sync(_read_heads)

    async def needs_upgrade(self) -> bool:
        """True when the database lacks revisions the scripts have (not for unknown ones)."""
        current = await self.current_heads()
        heads = await self.script_heads()
        if set(current) == set(heads):
            return False
        status = await self.status()
        return status.needs_upgrade

    async def startup_status(self) -> str | None:
        """None when the database is at head; otherwise a one-line message with advice."""
        try:
            current = await self.current_heads()
            heads = await self.script_heads()
            if current and set(current) == set(heads):
                return None
            return (await self.status()).summary()
        except MigrationError as exc:
            return str(exc)

    async def status(self) -> MigrationStatus:
        """The revision graph with each revision's state, and the database's position."""
        revisions, heads = await asyncio.to_thread(self._load_revisions)

        def read(connection: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
            from sqlalchemy import inspect

            current = _read_heads(connection)
            tables: tuple[str, ...] = ()
            if not current:
                names = inspect(connection).get_table_names()
                tables = tuple(sorted(n for n in names if n != "alembic_version"))
            return current, tables

        async with self.manager.engine.connect() as conn:
            current, tables = await conn.run_sync(read)
        return await asyncio.to_thread(self._build_status, revisions, heads, current, tables)

    def _build_status(
        self,
        revisions: list[RevisionInfo],
        heads: list[str],
        current: tuple[str, ...],
        tables: tuple[str, ...],
    ) -> MigrationStatus:
        known = {r.revision for r in revisions}
        unknown = tuple(c for c in current if c not in known)
        states: dict[str, RevisionState] = {}
        if current and not unknown:
            script = self._script()
            for head in current:
                for ancestor in script.iterate_revisions(head, "base"):
                    states.setdefault(ancestor.revision, RevisionState.APPLIED)
            for head in current:
                states[head] = RevisionState.CURRENT
        for r in revisions:
            states.setdefault(r.revision, RevisionState.PENDING)
        return MigrationStatus(
            revisions=tuple(revisions),
            heads=tuple(heads),
            current=current,
            states=states,
            unknown=unknown,
            unversioned_tables=tables,
            masked_url=self.manager.settings.masked_url,
        )

    # -- running in a worker thread --------------------------------------------------------
    def _guard(self, confirmed: bool) -> bool:
        """Refuse writes on a locked database unless confirmed; True when writes need the
        `ALLOW_WRITES` execution option."""
        if not self.manager.read_only:
            return False
        if not confirmed:
            env = self.manager.settings.ENVIRONMENT.value
            raise MigrationRefused(
                f"{env} is read-only: confirm by typing the environment name to migrate it"
            )
        return True

    async def _run(
        self,
        name: str,
        job: Callable[[Connection | None, _Operation], T],
        *,
        connect: bool = True,
        allow_writes: bool = False,
    ) -> T:
        """Run `job(connection, operation)` serialized, in a worker thread with its own loop."""
        if not _OPERATION_LOCK.acquire(blocking=False):
            running = _RUNNING.get("name", "another migration operation")
            raise MigrationBusy(f"{running} is still running: wait for it to finish")
        _RUNNING["name"] = name
        operation = _Operation(name, self.on_event, list(self.manager.settings.secrets))
        released = False
        try:
            operation.emit(EventKind.STARTED, name)
            if self.manager.settings.is_memory:
                # An in-memory database lives on the manager's one connection: run here.
                released = True
                try:
                    return await self._run_on_manager(job, operation, connect, allow_writes)
                finally:
                    _RUNNING.pop("name", None)
                    _OPERATION_LOCK.release()
            loop = asyncio.get_running_loop()
            future: asyncio.Future[T] = loop.create_future()
            thread = threading.Thread(
                target=self._thread_main,
                args=(loop, future, job, operation, connect, allow_writes),
                name="dbtui-alembic",
                daemon=True,
            )
            thread.start()
            released = True  # the thread releases the lock when it ends
            return await asyncio.shield(future)
        finally:
            if not released:
                _RUNNING.pop("name", None)
                _OPERATION_LOCK.release()

    def _thread_main(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        job: Callable[[Connection | None, _Operation], Any],
        operation: _Operation,
        connect: bool,
        allow_writes: bool,
    ) -> None:
        outcome: tuple[bool, Any]
        try:
            result = asyncio.run(self._run_standalone(job, operation, connect, allow_writes))
            outcome = (True, result)
        except BaseException as exc:
            outcome = (False, exc)
        finally:
            _RUNNING.pop("name", None)
            _OPERATION_LOCK.release()

        def deliver() -> None:
            if future.done():
                return
            ok, value = outcome
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        with contextlib.suppress(RuntimeError):  # the caller's loop is closed (app exiting)
            loop.call_soon_threadsafe(deliver)

    async def _run_standalone(
        self,
        job: Callable[[Connection | None, _Operation], T],
        operation: _Operation,
        connect: bool,
        allow_writes: bool,
    ) -> T:
        if not connect:
            return self._call(job, None, operation)
        engine = self.manager.standalone_engine()
        try:
            async with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    # Fail (naming the revision) rather than hang behind another session's lock.
                    await conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'")
                    await conn.commit()
                return await self._run_on(conn, job, operation, allow_writes)
        finally:
            await engine.dispose()

    async def _run_on_manager(
        self,
        job: Callable[[Connection | None, _Operation], T],
        operation: _Operation,
        connect: bool,
        allow_writes: bool,
    ) -> T:
        if not connect:
            return self._call(job, None, operation)
        async with self.manager.engine.connect() as conn:
            return await self._run_on(conn, job, operation, allow_writes)

    async def _run_on(
        self,
        conn: AsyncConnection,
        job: Callable[[Connection | None, _Operation], T],
        operation: _Operation,
        allow_writes: bool,
    ) -> T:
        if allow_writes:
            await conn.execution_options(**{_allow_writes_option(): True})
        return await conn.run_sync(lambda sync: self._call(job, sync, operation))

    def _call(
        self,
        job: Callable[[Connection | None, _Operation], T],
        connection: Connection | None,
        operation: _Operation,
    ) -> T:
        """Run the job with Alembic's logger routed to the operation; report the outcome."""
        logger = logging.getLogger("alembic")
        handler = _LogHandler(operation)
        saved = (logger.level, logger.propagate)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            result = job(connection, operation)
        except BaseException as exc:
            failure = self._failure(exc, operation, connection)
            revision = getattr(failure, "revision", None)
            operation.emit(EventKind.FAILED, str(failure), revision=revision, level="error")
            raise failure from exc
        finally:
            logger.removeHandler(handler)
            logger.setLevel(saved[0])
            logger.propagate = saved[1]
        operation.emit(EventKind.FINISHED, f"{operation.name}: done")
        return result

    def _failure(
        self, exc: BaseException, operation: _Operation, connection: Connection | None
    ) -> MigrationError:
        if isinstance(exc, MigrationError) and not isinstance(exc, MigrationFailed):
            return exc
        if isinstance(exc, ReadOnlyError):
            return MigrationRefused(str(exc))
        if isinstance(exc, MigrationFailed):
            return exc
        settings = self.manager.settings
        reason = (
            short_error(exc, database=settings)
            if isinstance(exc, Exception)
            else type(exc).__name__
        )
        current: tuple[str, ...] = ()
        if connection is not None:
            try:
                if connection.in_transaction():
                    connection.rollback()
                current = _read_heads(connection)
                connection.rollback()
            except Exception:
                current = ()
        revision = operation.failing_revision
        if revision is None:
            return MigrationError(f"{operation.name} failed: {reason}")
        shown = ", ".join(current) or "base"
        return MigrationFailed(
            f"revision {revision} failed: {reason} (the database stays at {shown})",
            revision,
            current,
        )

    # -- operations ------------------------------------------------------------------------
    def _planned_steps(
        self, script: ScriptDirectory, direction: str, target: str, heads: tuple[str, ...]
    ) -> list[str]:
        """Revision ids the move will run, in order (empty when Alembic cannot tell)."""
        try:
            if direction == "upgrade":
                steps = script._upgrade_revs(target, heads)
            else:
                steps = script._downgrade_revs(target, heads)
        except Exception:
            return []
        return [step.revision.revision for step in steps]

    def _move(self, direction: Direction, target: str) -> Callable[..., tuple[str, ...]]:
        def job(connection: Connection | None, op: _Operation) -> tuple[str, ...]:
            from alembic import command

            assert connection is not None
            config = self._config(stdout=_LineWriter(op.output))
            script = self._script()
            heads = _read_heads(connection)
            if connection.in_transaction():
                connection.rollback()
            op.planned = self._planned_steps(script, direction, target, heads)
            op.total = len(op.planned) or None
            config.attributes["connection"] = connection
            config.attributes["on_version_apply"] = op.revision_done
            if direction == "upgrade":
                command.upgrade(config, target)
            else:
                command.downgrade(config, target)
            after = _read_heads(connection)
            connection.rollback()
            return after

        return job

    async def upgrade(self, target: str = "heads", *, confirmed: bool = False) -> tuple[str, ...]:
        """Upgrade to `target` ("heads", a revision, `+1`...); returns the new current heads."""
        allow = self._guard(confirmed)
        return await self._run(
            f"upgrade to {target}", self._move("upgrade", target), allow_writes=allow
        )

    async def downgrade(self, target: str, *, confirmed: bool = False) -> tuple[str, ...]:
        """Downgrade to `target` (a revision, "base", `-1`...); returns the new current heads."""
        allow = self._guard(confirmed)
        return await self._run(
            f"downgrade to {target}", self._move("downgrade", target), allow_writes=allow
        )

    async def stamp(
        self, target: str, *, purge: bool = False, confirmed: bool = False
    ) -> tuple[str, ...]:
        """Record `target` as the current revision without running migrations."""
        allow = self._guard(confirmed)

        def job(connection: Connection | None, op: _Operation) -> tuple[str, ...]:
            from alembic import command

            assert connection is not None
            config = self._config(stdout=_LineWriter(op.output))
            config.attributes["connection"] = connection
            command.stamp(config, target, purge=purge)
            after = _read_heads(connection)
            connection.rollback()
            return after

        return await self._run(f"stamp {target}", job, allow_writes=allow)

    async def sql_preview(
        self, target: str, direction: Direction = "upgrade", start: str | None = None
    ) -> str:
        """The SQL that moving from `start` (default: the database's revision) to `target`
        would run, generated offline; nothing is executed."""

        def job(connection: Connection | None, op: _Operation) -> str:
            assert connection is not None
            begin = start
            if begin is None:
                heads = _read_heads(connection)
                connection.rollback()
                if len(heads) > 1:
                    raise MigrationError("the database has several heads: preview from one of them")
                begin = heads[0] if heads else None
            return self._offline_sql(op, begin, target, direction)

        return await self._run(f"SQL preview ({direction} to {target})", job)

    def _offline_sql(
        self, op: _Operation, begin: str | None, target: str, direction: Direction
    ) -> str:
        """The SQL that moving from `begin` to `target` runs, rendered offline by Alembic."""
        from alembic import command

        buffer = io.StringIO()
        config = self._config(stdout=_LineWriter(op.output), output=buffer)
        if direction == "upgrade":
            command.upgrade(config, f"{begin}:{target}" if begin else target, sql=True)
        else:
            if begin is None:
                return ""
            command.downgrade(config, f"{begin}:{target}", sql=True)
        return buffer.getvalue()

    async def downgrade_drops(self, target: str) -> list[Dropped]:
        """The tables and columns a downgrade to `target` would drop, each with the rows its
        table holds now; nothing is changed.

        Read from the downgrade's SQL: rendered offline, except on SQLite, where it is
        captured while the downgrade runs on an empty in-memory copy of the schema (Alembic
        cannot render a batch table rebuild offline: it reflects the table first).
        """

        def job(connection: Connection | None, op: _Operation) -> list[Dropped]:
            from sqlalchemy import func, inspect, select, table

            assert connection is not None
            heads = _read_heads(connection)
            multi = inspect(connection).get_multi_columns()
            columns = {name: [c["name"] for c in cols] for (_schema, name), cols in multi.items()}
            connection.rollback()
            if not heads:
                return []
            if len(heads) > 1:
                raise MigrationError("the database has several heads: downgrade one of them")
            try:
                if connection.dialect.name == "sqlite":
                    statements = self._sql_on_schema_copy(connection, target)
                else:
                    statements = statements_of(self._offline_sql(op, heads[0], target, "downgrade"))
            except Exception as exc:
                reason = short_error(exc, list(self.manager.settings.secrets))
                raise MigrationError(f"its SQL could not be rendered: {reason}") from exc
            found = drops_in(statements, columns)
            rows = {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in dict.fromkeys(name for name, _column in found)
            }
            connection.rollback()
            return [Dropped(name, column, rows[name]) for name, column in found]

        return await self._run(f"what a downgrade to {target} drops", job)

    def _sql_on_schema_copy(self, connection: Connection, target: str) -> list[str]:
        """SQLite: the statements a downgrade to `target` runs, captured while it runs on an
        in-memory copy of `connection`'s schema (no rows; the database is not touched)."""
        from alembic import command
        from sqlalchemy import create_engine, event

        statements: list[str] = []
        scratch = create_engine("sqlite://")

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(scratch, "before_cursor_execute", record)
        try:
            with scratch.connect() as copy:
                copy_sqlite_schema(connection, copy)
                statements.clear()
                config = self._config()
                config.attributes["connection"] = copy
                command.downgrade(config, target)
        finally:
            scratch.dispose()
        return statements

    def _diffs(self, connection: Connection, op: _Operation) -> list[str]:
        from alembic import command
        from alembic.util import AutogenerateDiffsDetected

        self._require_head(connection)
        config = self._config(stdout=_LineWriter(op.output))
        config.attributes["connection"] = connection
        try:
            command.check(config)
        except AutogenerateDiffsDetected as exc:
            return [line for diff in exc.diffs for line in format_diff(diff)]
        finally:
            if connection.in_transaction():
                connection.rollback()
        return []

    def _require_head(self, connection: Connection) -> None:
        current = set(_read_heads(connection))
        connection.rollback()
        heads = set(self._script().get_heads())
        if current != heads:
            raise MigrationError(
                "the database is not at head: upgrade it before comparing it with the models"
            )

    async def compare(self) -> list[str]:
        """Differences between the models and the database, one readable line each."""
        return await self._run("compare models with the database", self._diffs)

    async def check(self) -> list[str]:
        """Drift check (as `alembic check`): the differences; an empty list means clean."""
        return await self._run("drift check", self._diffs)

    def _next_revision_id(self, script: ScriptDirectory, message: str) -> str:
        numbers = [
            int(s.revision.split("_", 1)[0])
            for s in script.walk_revisions()
            if s.revision.split("_", 1)[0].isdigit()
        ]
        prefix = f"{max(numbers, default=0) + 1:04d}"
        return f"{prefix}_{slugify(message)}"[:MAX_REVISION_ID].rstrip("_")

    def _new_file_config(self, op: _Operation) -> Config:
        config = self._config(stdout=_LineWriter(op.output))
        config.set_main_option("file_template", "%%(rev)s")
        return config

    async def autogenerate(self, message: str) -> Path:
        """Write a new revision with the detected differences; returns the file's path."""
        message = message.strip()
        if not message:
            raise MigrationError("a revision needs a message")

        def job(connection: Connection | None, op: _Operation) -> Path:
            from alembic import command

            assert connection is not None
            script = self._script()
            if len(script.get_heads()) > 1:
                raise MigrationError("the scripts have several heads: merge them first")
            self._require_head(connection)
            config = self._new_file_config(op)
            config.attributes["connection"] = connection
            rev_id = self._next_revision_id(script, message)
            try:
                created = command.revision(
                    config, message=message, autogenerate=True, rev_id=rev_id
                )
            finally:
                if connection.in_transaction():
                    connection.rollback()
            return _script_path(created)

        return await self._run(f"autogenerate {message!r}", job)

    async def merge(self, message: str = "merge heads") -> Path:
        """Create a merge revision joining every head; returns the file's path."""

        def job(connection: Connection | None, op: _Operation) -> Path:
            from alembic import command

            script = self._script()
            heads = script.get_heads()
            if len(heads) < 2:
                raise MigrationError("there is only one head: nothing to merge")
            config = self._new_file_config(op)
            rev_id = self._next_revision_id(script, message)
            created = command.merge(config, "heads", message=message, rev_id=rev_id)
            return _script_path(created)

        return await self._run("merge heads", job, connect=False)


def _script_path(created: Any) -> Path:
    if isinstance(created, list):
        created = next((s for s in created if s is not None), None)
    if created is None:
        raise MigrationError("Alembic did not write a revision file")
    return Path(created.path)


def _read_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions stamped in the database."""
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(connection).get_current_heads())


def _allow_writes_option() -> str:
    from tui.db.session import ALLOW_WRITES

    return ALLOW_WRITES


def describe_revisions(revisions: Iterable[RevisionInfo]) -> list[str]:
    """`short id  message` lines, e.g. for a confirmation listing what a downgrade undoes."""
    return [f"{r.short_id}  {r.message}" for r in revisions]
