"""`MigrationRunner`: Alembic operations on one project, as plain synchronous calls.

Every call that needs the database takes a synchronous SQLAlchemy `Connection` (the Migrations
screen gets one in a thread worker, see `tui.migrations.threads`; the CLI with
`SessionManager.run_sync`) and returns a result or raises a `MigrationError` whose text is one
line.

* Reading — `history()`, `revisions()`, `current_heads()`, `status()`, `startup_status()` —
  never runs env.py: the scripts come from `ScriptDirectory.from_config`, the database's
  revision from `MigrationContext.configure(connection).get_current_heads()`.
* Operations — `upgrade`, `downgrade`, `stamp`, `sql_preview`, `downgrade_drops`, `check`,
  `autogenerate`, `merge` — run the project's env.py with the connection in
  `config.attributes["connection"]`, one at a time in the whole process (Alembic's `context`
  and `op` are module globals): asking for one while another runs raises `MigrationBusy`.
  Their progress reaches `on_event` (see `tui.migrations.progress`). When env.py connects to a
  database on its own, an `ELSEWHERE` event says which (see `tui.migrations.elsewhere`).

Writes go through the connection, so the read-only guard of production applies to them (a
confirmed migration passes a connection that may write, `SessionManager.run_sync(...,
allow_writes=True)`), and they appear in the SQL log. A failing revision rolls back on its own
(one transaction per revision), so the database stays at the revision before it;
`MigrationFailed.revision` names it.
"""

from __future__ import annotations

import io
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from tui.db.errors import DbTuiError, ReadOnlyError, short_error
from tui.migrations.alembic_internals import planned_steps
from tui.migrations.drops import Dropped, copy_sqlite_schema, drops_in, statements_of
from tui.migrations.elsewhere import masked, own_connections, same_database
from tui.migrations.errors import MigrationBusy, MigrationError, MigrationFailed, MigrationRefused
from tui.migrations.progress import EventCallback, EventKind, LineWriter, Operation, alembic_log_to
from tui.migrations.project import AlembicProject, sys_path_entries_once
from tui.migrations.status import MigrationStatus, RevisionInfo, RevisionState, revision_info

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection

    from tui.config import Settings

T = TypeVar("T")
Direction = Literal["upgrade", "downgrade"]


# One Alembic operation at a time in the whole process.
_OPERATION_LOCK = threading.Lock()
_RUNNING: dict[str, str] = {}


class MigrationRunner:
    """Alembic on the project of `alembic_ini` (see `AlembicProject.find` for the default),
    for the database of `settings` (which names it in messages and masks its secrets).
    `on_event` receives the progress of operations, from the thread they run in."""

    def __init__(
        self,
        alembic_ini: Path | None = None,
        *,
        settings: Settings,
        on_event: EventCallback | None = None,
    ) -> None:
        self.project = AlembicProject.find(alembic_ini)
        self.settings = settings
        self.on_event = on_event

    @property
    def busy(self) -> bool:
        """True while any migration operation runs in this process."""
        return _OPERATION_LOCK.locked()

    # -- reading (env.py is not run) -------------------------------------------------------
    def history(self) -> tuple[list[RevisionInfo], list[str]]:
        """Every revision script, newest first, and the heads."""
        script = self.project.script()
        return [revision_info(s) for s in script.walk_revisions()], list(script.get_heads())

    def revisions(self) -> list[RevisionInfo]:
        """Every revision script, newest first."""
        return self.history()[0]

    def current_heads(self, connection: Connection) -> tuple[str, ...]:
        """Revisions stamped in the database (empty when unversioned)."""
        return read_heads(connection)

    def status(self, connection: Connection) -> MigrationStatus:
        """The revision graph with each revision's state, and the database's position."""
        from sqlalchemy import inspect

        script = self.project.script()
        revisions = [revision_info(s) for s in script.walk_revisions()]
        current = read_heads(connection)
        tables: tuple[str, ...] = ()
        if not current:
            names = inspect(connection).get_table_names()
            connection.rollback()
            tables = tuple(sorted(n for n in names if n != "alembic_version"))
        known = {r.revision for r in revisions}
        unknown = tuple(c for c in current if c not in known)
        states: dict[str, RevisionState] = {}
        if current and not unknown:
            for head in current:
                for ancestor in script.iterate_revisions(head, "base"):
                    states.setdefault(ancestor.revision, RevisionState.APPLIED)
            for head in current:
                states[head] = RevisionState.CURRENT
        for r in revisions:
            states.setdefault(r.revision, RevisionState.PENDING)
        return MigrationStatus(
            revisions=tuple(revisions),
            heads=tuple(script.get_heads()),
            current=current,
            states=states,
            unknown=unknown,
            unversioned_tables=tables,
            masked_url=self.settings.masked_url,
        )

    def startup_status(self, connection: Connection) -> str | None:
        """None when the database is at head; otherwise a one-line message with advice."""
        try:
            return self.status(connection).summary()
        except MigrationError as exc:
            return str(exc)

    # -- running one operation -------------------------------------------------------------
    def _run(self, name: str, connection: Connection | None, job: Callable[[Operation], T]) -> T:
        """Run `job(operation)` serialized, with Alembic's log routed to the operation."""
        if not _OPERATION_LOCK.acquire(blocking=False):
            running = _RUNNING.get("name", "another migration operation")
            raise MigrationBusy(f"{running} is still running: wait for it to finish")
        _RUNNING["name"] = name
        operation = Operation(name, self.on_event, list(self.settings.secrets))
        try:
            operation.emit(EventKind.STARTED, name)
            with alembic_log_to(operation), sys_path_entries_once():
                try:
                    result = job(operation)
                except BaseException as exc:
                    failure = self._failure(exc, operation, connection)
                    revision = getattr(failure, "revision", None)
                    operation.emit(EventKind.FAILED, str(failure), revision=revision, level="error")
                    raise failure from exc
            operation.emit(EventKind.FINISHED, f"{name}: done")
            return result
        finally:
            _RUNNING.pop("name", None)
            _OPERATION_LOCK.release()

    def _failure(
        self, exc: BaseException, operation: Operation, connection: Connection | None
    ) -> MigrationError:
        if isinstance(exc, MigrationError):
            return exc
        if isinstance(exc, ReadOnlyError):
            return MigrationRefused(str(exc))
        reason = (
            short_error(exc, database=self.settings)
            if isinstance(exc, Exception)
            else type(exc).__name__
        )
        if _raised_by_env_py(exc):
            named = isinstance(exc, DbTuiError) or type(exc).__module__.startswith("sqlalchemy")
            return MigrationError(f"env.py failed: {reason if named else _typed(exc, reason)}")
        current: tuple[str, ...] = ()
        if connection is not None:
            try:
                if connection.in_transaction():
                    connection.rollback()
                current = read_heads(connection)
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

    def _report_own_connections(
        self, op: Operation, seen: list[URL], ours: URL, did: str, *, unchanged: bool = False
    ) -> None:
        """Say which databases env.py used on its own; warn when one is not ours. With
        `unchanged` (steps were planned, yet the heads on our connection did not move) and no
        connection seen, warn that env.py must have migrated something else."""
        for url in {masked(url): url for url in seen}.values():
            if same_database(url, ours):
                op.emit(
                    EventKind.ELSEWHERE, f"env.py {did} {masked(url)} through its own connection"
                )
            else:
                op.emit(
                    EventKind.ELSEWHERE,
                    f"env.py {did} {masked(url)}, not the database on screen "
                    f"({self.settings.masked_url})",
                    level="warning",
                )
        if unchanged and not seen:
            op.emit(
                EventKind.ELSEWHERE,
                "env.py ran, but the database on screen did not change: it does not use "
                'config.attributes["connection"] (see the README)',
                level="warning",
            )

    # -- upgrade, downgrade, stamp ---------------------------------------------------------
    def _move(self, connection: Connection, direction: Direction, target: str) -> tuple[str, ...]:
        def job(op: Operation) -> tuple[str, ...]:
            from alembic import command

            before = read_heads(connection)
            op.planned = planned_steps(self.project.script(), direction, target, before)
            op.total = len(op.planned) or None
            config = self.project.config(
                stdout=LineWriter(op.output),
                connection=connection,
                on_version_apply=op.revision_done,
            )
            move = command.upgrade if direction == "upgrade" else command.downgrade
            with own_connections(connection.engine) as seen:
                move(config, target)
            after = read_heads(connection)
            unchanged = bool(op.planned) and after == before
            url = connection.engine.url
            self._report_own_connections(op, seen, url, "migrated", unchanged=unchanged)
            return after

        return self._run(f"{direction} to {target}", connection, job)

    def upgrade(self, connection: Connection, target: str = "heads") -> tuple[str, ...]:
        """Upgrade to `target` ("heads", a revision, `+1`...); returns the new current heads."""
        return self._move(connection, "upgrade", target)

    def downgrade(self, connection: Connection, target: str) -> tuple[str, ...]:
        """Downgrade to `target` (a revision, "base", `-1`...); returns the new current heads."""
        return self._move(connection, "downgrade", target)

    def stamp(self, connection: Connection, target: str, *, purge: bool = False) -> tuple[str, ...]:
        """Record `target` as the current revision without running migrations."""

        def job(op: Operation) -> tuple[str, ...]:
            from alembic import command

            config = self.project.config(stdout=LineWriter(op.output), connection=connection)
            with own_connections(connection.engine) as seen:
                command.stamp(config, target, purge=purge)
            self._report_own_connections(op, seen, connection.engine.url, "stamped")
            return read_heads(connection)

        return self._run(f"stamp {target}", connection, job)

    # -- dry runs: SQL preview, what a downgrade drops -------------------------------------
    def sql_preview(
        self,
        connection: Connection,
        target: str,
        direction: Direction = "upgrade",
        start: str | None = None,
    ) -> str:
        """The SQL that moving from `start` (default: the database's revision) to `target`
        would run, generated offline; nothing is executed."""

        def job(op: Operation) -> str:
            begin = start
            if begin is None:
                heads = read_heads(connection)
                if len(heads) > 1:
                    raise MigrationError("the database has several heads: preview from one of them")
                begin = heads[0] if heads else None
            return self._offline_sql(op, connection.engine.url, begin, target, direction)

        return self._run(f"SQL preview ({direction} to {target})", connection, job)

    def _offline_sql(
        self, op: Operation, url: URL, begin: str | None, target: str, direction: Direction
    ) -> str:
        """The SQL that moving from `begin` to `target` runs on the database of `url`,
        rendered offline by Alembic (env.py gets the URL, password left out, as
        `sqlalchemy.url`; any connection it makes is refused)."""
        from alembic import command

        offline_url = url.set(drivername=url.get_backend_name(), password=None)
        buffer = io.StringIO()
        config = self.project.config(stdout=LineWriter(op.output), output=buffer)
        # A `%` in a URL must be `%%` in Alembic's configuration (ConfigParser interpolation).
        rendered = offline_url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
        with own_connections(refuse=True):
            if direction == "upgrade":
                command.upgrade(config, f"{begin}:{target}" if begin else target, sql=True)
            else:
                if begin is None:
                    return ""
                command.downgrade(config, f"{begin}:{target}", sql=True)
        return buffer.getvalue()

    def downgrade_drops(self, connection: Connection, target: str) -> list[Dropped]:
        """The tables and columns a downgrade to `target` would drop, each with the rows its
        table holds now; nothing is changed.

        Read from the downgrade's SQL: rendered offline, except on SQLite, where it is
        captured while the downgrade runs on an empty in-memory copy of the schema (Alembic
        cannot render a batch table rebuild offline: it reflects the table first).
        """

        def job(op: Operation) -> list[Dropped]:
            from sqlalchemy import func, inspect, select, table

            heads = read_heads(connection)
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
                    url = connection.engine.url
                    sql = self._offline_sql(op, url, heads[0], target, "downgrade")
                    statements = statements_of(sql)
            except Exception as exc:
                reason = short_error(exc, list(self.settings.secrets))
                raise MigrationError(f"its SQL could not be rendered: {reason}") from exc
            found = drops_in(statements, columns)
            rows = {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in dict.fromkeys(name for name, _column in found)
            }
            connection.rollback()
            return [Dropped(name, column, rows[name]) for name, column in found]

        return self._run(f"what a downgrade to {target} drops", connection, job)

    def _sql_on_schema_copy(self, connection: Connection, target: str) -> list[str]:
        """SQLite: the statements a downgrade to `target` runs, captured while it runs on an
        in-memory copy of `connection`'s schema (no rows; the database is not touched)."""
        from alembic import command
        from sqlalchemy import event

        from tui.db.session import scratch_sqlite_engine

        statements: list[str] = []
        scratch = scratch_sqlite_engine()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(scratch, "before_cursor_execute", record)
        try:
            with scratch.connect() as copy:
                copy_sqlite_schema(connection, copy)
                statements.clear()
                config = self.project.config(connection=copy)
                with own_connections(scratch, refuse=True):
                    command.downgrade(config, target)
        finally:
            scratch.dispose()
        return statements

    # -- models against the database -------------------------------------------------------
    def _require_head(self, connection: Connection) -> None:
        current = set(read_heads(connection))
        if current != set(self.project.script().get_heads()):
            raise MigrationError(
                "the database is not at head: upgrade it before comparing it with the models"
            )

    def check(self, connection: Connection) -> list[str]:
        """Differences between the models and the database (as `alembic check`), one
        readable line each; an empty list means no drift."""

        def job(op: Operation) -> list[str]:
            from alembic import command
            from alembic.util import AutogenerateDiffsDetected

            self._require_head(connection)
            config = self.project.config(stdout=LineWriter(op.output), connection=connection)
            diffs: list[str] = []
            with own_connections(connection.engine) as seen:
                try:
                    command.check(config)
                except AutogenerateDiffsDetected as exc:
                    diffs = [line for diff in exc.diffs for line in format_diff(diff)]
                finally:
                    if connection.in_transaction():
                        connection.rollback()
            self._report_own_connections(
                op, seen, connection.engine.url, "compared the models with"
            )
            return diffs

        return self._run("drift check", connection, job)

    def autogenerate(self, connection: Connection, message: str) -> Path:
        """Write a new revision with the detected differences; returns the file's path."""
        message = message.strip()
        if not message:
            raise MigrationError("a revision needs a message")

        def job(op: Operation) -> Path:
            from alembic import command

            script = self.project.script()
            if len(script.get_heads()) > 1:
                raise MigrationError("the scripts have several heads: merge them first")
            self._require_head(connection)
            config = self._new_file_config(op, connection=connection)
            with own_connections(connection.engine) as seen:
                try:
                    created = command.revision(config, message=message, autogenerate=True)
                finally:
                    if connection.in_transaction():
                        connection.rollback()
            self._report_own_connections(
                op, seen, connection.engine.url, "compared the models with"
            )
            return _script_path(created)

        return self._run(f"autogenerate {message!r}", connection, job)

    def merge(self, message: str = "merge heads") -> Path:
        """Create a merge revision joining every head; returns the file's path."""

        def job(op: Operation) -> Path:
            from alembic import command

            script = self.project.script()
            if len(script.get_heads()) < 2:
                raise MigrationError("there is only one head: nothing to merge")
            config = self._new_file_config(op)
            created = command.merge(config, "heads", message=message)
            return _script_path(created)

        return self._run("merge heads", None, job)

    def _new_file_config(self, op: Operation, **attributes: Any) -> Any:
        """The project's own configuration, unchanged: a new revision gets the id and file name
        that `alembic revision` gives it (Alembic's ids, the ini's `file_template`)."""
        return self.project.config(stdout=LineWriter(op.output), **attributes)


# -- helpers -----------------------------------------------------------------------------------
def read_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions stamped in the database (the read's transaction is ended)."""
    from alembic.runtime.migration import MigrationContext

    heads = tuple(MigrationContext.configure(connection).get_current_heads())
    connection.rollback()
    return heads


def _raised_by_env_py(exc: BaseException) -> bool:
    """True when `exc` came from env.py itself (importing it, connecting, configuring), not
    from the revisions Alembic runs for it."""
    frames = traceback.extract_tb(exc.__traceback__)
    ran_env = any(f.name == "run_env" and _in_alembic(f.filename, "script") for f in frames)
    migrating = any(
        f.name == "run_migrations" and _in_alembic(f.filename, "runtime") for f in frames
    )
    return ran_env and not migrating


def _in_alembic(filename: str, package: str) -> bool:
    parts = Path(filename).parts
    return len(parts) >= 3 and parts[-3:-1] == ("alembic", package)


def _typed(exc: BaseException, reason: str) -> str:
    """`ModuleNotFoundError: No module named 'x'`: the kind of error says much outside SQL."""
    name = type(exc).__name__
    return reason if reason.startswith(name) else f"{name}: {reason}"


def _script_path(created: Any) -> Path:
    if isinstance(created, list):
        created = next((s for s in created if s is not None), None)
    if created is None:
        raise MigrationError("Alembic did not write a revision file")
    return Path(created.path)


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
