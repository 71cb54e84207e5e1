"""The Migrations screen (`4`): where the database stands in the Alembic history, and moving it.

The screen only talks to `tui.migrations.MigrationRunner`, which is synchronous: reading the
state, previewing SQL and every operation run in thread workers that post their results back.
Operations (upgrade, downgrade, stamp, autogenerate, drift check, merge) run one at a time,
from a flow worker that asks for confirmation first (the environment name in production); the
runner's events stream into the log pane, and every screen refreshes afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from tui.db.errors import short_error
from tui.migrations import (
    AlembicProject,
    Ended,
    EventKind,
    MigrationBusy,
    MigrationEvent,
    MigrationRunner,
    MigrationStatus,
    RevisionInfo,
    RevisionState,
    run_with_connection,
    short_revision,
)
from tui.screens.base import DbScreen
from tui.screens.modals import PromptScreen
from tui.screens.write_confirm import asks_for_name, confirm_write
from tui.widgets.log_pane import LogPane
from tui.widgets.revision_list import MarkedRow, MarkerStyle, RevisionList
from tui.widgets.theme_styles import (
    ACCENT,
    ERROR,
    PRIMARY,
    SECONDARY,
    SUCCESS,
    WARNING,
    theme_style,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

T = TypeVar("T")
#: A runner call: `call(runner, connection)` (run in a thread worker).
RunnerCall = Callable[[MigrationRunner, "Connection"], T]

MARKERS = {  # colours of the theme (tui.widgets.theme_styles)
    "applied": MarkerStyle("✓ applied", SUCCESS),
    "current": MarkerStyle("● current", f"bold {PRIMARY}"),
    "pending": MarkerStyle("○ pending", WARNING),
    "head": MarkerStyle("head", f"bold {ACCENT}"),
    "branch point": MarkerStyle("branch point", SECONDARY),
    "merge point": MarkerStyle("merge point", SECONDARY),
}
MAX_LISTED = 15
#: Actions that move the database through the history; off while its revision is unknown.
MOVES = frozenset({"upgrade", "downgrade", "downgrade_base"})
MOVES_OFF = "upgrade and downgrade are off until a known revision is stamped"


# -- pure helpers (the plan an operation follows) ----------------------------------------------
def ancestors(status: MigrationStatus, revision: str) -> set[str]:
    """`revision` and every revision it depends on."""
    parents = {r.revision: r.down_revisions for r in status.revisions}
    seen: set[str] = set()
    todo = [revision]
    while todo:
        rev = todo.pop()
        if rev in seen:
            continue
        seen.add(rev)
        todo.extend(parents.get(rev, ()))
    return seen


def to_apply(status: MigrationStatus, target: str) -> list[RevisionInfo]:
    """Pending revisions an upgrade to `target` ("heads" or a revision) runs, oldest first."""
    wanted = None if target == "heads" else ancestors(status, target)
    return [
        r
        for r in reversed(status.revisions)
        if status.state_of(r.revision) is RevisionState.PENDING
        and (wanted is None or r.revision in wanted)
    ]


def to_undo(status: MigrationStatus, target: str) -> list[RevisionInfo]:
    """Applied revisions a downgrade to `target` ("base" or a revision) undoes, newest first."""
    keep = set() if target == "base" else ancestors(status, target)
    return [
        r
        for r in status.revisions
        if status.state_of(r.revision) is not RevisionState.PENDING and r.revision not in keep
    ]


def listed(revisions: Iterable[RevisionInfo]) -> str:
    """Indented `id  message` lines (at most MAX_LISTED, then a count)."""
    items = list(revisions)
    lines = [f"  {r.revision}  {first_line(r.message)}" for r in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"  … and {len(items) - MAX_LISTED} more")
    return "\n".join(lines)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def markers_of(status: MigrationStatus, info: RevisionInfo) -> tuple[str, ...]:
    markers = [status.state_of(info.revision).value]
    if info.is_head:
        markers.append("head")
    if info.is_branch_point:
        markers.append("branch point")
    if info.is_merge_point:
        markers.append("merge point")
    return tuple(markers)


def describe_current(status: MigrationStatus) -> str:
    return ", ".join(status.current) if status.current else "no revision (empty history)"


def state_line(status: MigrationStatus) -> tuple[str, str]:
    """(text, css class) summarising where the database stands, with advice."""
    extra = ""
    if len(status.heads) > 1:
        extra = f" · the scripts have {len(status.heads)} heads: m merges them"
    problem = status.problem
    if problem:
        if status.unknown:
            extra = f" ({MOVES_OFF}){extra}"
        return problem[0].upper() + problem[1:] + extra, "problem"
    pending = status.pending
    if not status.current:
        count = len(pending)
        return (
            f"Empty database, no revision applied: u upgrades to head ({count} revisions){extra}",
            "pending",
        )
    if pending:
        count = len(pending)
        plural = "s" * (count != 1)
        return (
            f"At {describe_current(status)} · {count} pending revision{plural}: "
            f"u upgrades to head{extra}",
            "pending",
        )
    return f"Up to date: at head {describe_current(status)}{extra}", "ok"


class MigrationsScreen(DbScreen):
    """Revision list, detail with SQL preview, actions, and a log of the operations."""

    SCREEN_NAME = "Migrations"

    BINDINGS = [
        Binding(
            "u",
            "upgrade",
            "Upgrade",
            id="migrations.upgrade",
            tooltip="Upgrade to head, or to the selected revision when it is pending",
        ),
        Binding(
            "D",
            "downgrade",
            "Downgrade",
            id="migrations.downgrade",
            tooltip="Downgrade to the selected revision (undoes the ones after it)",
        ),
        Binding(
            "s",
            "stamp",
            "Stamp",
            id="migrations.stamp",
            tooltip="Record the selected revision without running it",
        ),
        Binding(
            "g",
            "generate",
            "New revision",
            id="migrations.generate",
            tooltip="Autogenerate a revision from the model/database differences",
        ),
        Binding(
            "c",
            "check",
            "Drift check",
            id="migrations.check",
            tooltip="List differences between the models and the database",
        ),
        Binding("m", "merge", "Merge", id="migrations.merge", tooltip="Merge several heads"),
        Binding("r", "refresh", "Refresh", id="migrations.refresh", tooltip="Re-read the state"),
    ]

    #: Seconds the cursor must rest on a revision before its SQL preview is computed.
    PREVIEW_DELAY = 0.15
    #: Seconds an operation waits for a running SQL preview to free the runner.
    BUSY_WAIT = 5.0

    @dataclass
    class Progress(Message):
        """A runner event (posted from the worker thread)."""

        event: MigrationEvent

    @dataclass
    class StatusRead(Message):
        """The migration state, or why it could not be read (posted from the worker thread)."""

        status: Ended[MigrationStatus]

    @dataclass
    class Previewed(Message):
        """The SQL a move to `revision` would run, or why it is not shown (posted from the
        worker thread)."""

        revision: str
        key: tuple[str, tuple[str, ...]]
        heading: str
        sql: Ended[str]

    @dataclass
    class Outcome(Message):
        """A line about an operation's result; `style` is "success", "error", "warning" or
        "line"."""

        message: str
        style: str = "success"

    def __init__(self) -> None:
        super().__init__()
        self.status: MigrationStatus | None = None
        #: Title of the operation running now (None when idle).
        self.operation: str | None = None
        self._flow: Worker[None] | None = None
        self._previews: dict[tuple[str, tuple[str, ...]], RenderableType] = {}

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> Iterable:
        yield Static(Text("Reading the migration history…"), id="migration-state")
        with Horizontal(id="migration-main"):
            yield RevisionList(
                ("Id", "Message", "Date"),
                marker_styles=MARKERS,
                markers_title="State",
                markers_after=1,
                id="revisions",
            )
            with VerticalScroll(id="revision-detail"):
                yield Static(id="detail-info")
                yield Static(id="detail-sql")
        yield LogPane(id="migration-log")

    @property
    def log_pane(self) -> LogPane:
        return self.query_one("#migration-log", LogPane)

    @property
    def revision_list(self) -> RevisionList:
        return self.query_one("#revisions", RevisionList)

    def on_mount(self) -> None:
        self.revision_list.focus()
        self.log_pane.muted(
            "The output of migration operations appears here and stays after they end."
        )

    # -- runner ----------------------------------------------------------------------------
    @property
    def alembic_config(self) -> Path | None:
        """The application's alembic.ini (None: `./alembic.ini` or the demo's)."""
        return getattr(self.app, "alembic_config", None)

    def _in_thread(self, call: RunnerCall[T], *, writes: bool = False, events: bool = False) -> T:
        """In a thread worker: `call(runner, connection)` on the current database; with
        `events`, its progress reaches the log. Waits a few seconds while another (short)
        operation, such as a preview, holds the runner."""
        manager = self.dbapp.manager
        on_event = self._post_event if events else None
        runner = MigrationRunner(self.alembic_config, settings=manager.settings, on_event=on_event)
        deadline = time.monotonic() + self.BUSY_WAIT
        while True:
            try:
                return run_with_connection(
                    self.app, manager, lambda c: call(runner, c), writes=writes
                )
            except MigrationBusy:
                if time.monotonic() >= deadline or get_current_worker().is_cancelled:
                    raise
                time.sleep(0.05)

    def _post_event(self, event: MigrationEvent) -> None:
        self.post_message(self.Progress(event))  # thread-safe

    @property
    def production(self) -> bool:
        return asks_for_name(self.dbapp.manager)

    def _secrets(self) -> list[str]:
        return list(self.dbapp.manager.settings.secrets)

    # -- state -----------------------------------------------------------------------------
    def on_database_changed(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="migration-status", exit_on_error=False)
    def reload(self) -> None:
        """Read the revision graph and the database's position (in this thread); show them."""
        status = Ended.of(lambda: self._in_thread(lambda runner, c: runner.status(c)))
        if not get_current_worker().is_cancelled:
            self.post_message(self.StatusRead(status))

    @on(StatusRead)
    def _status_read(self, read: StatusRead) -> None:
        state = self.query_one("#migration-state", Static)
        try:
            status = read.status.get()
        except Exception as exc:
            self.status = None
            self.refresh_bindings()
            message = f"Cannot read the migration state: {short_error(exc, self._secrets())}"
            state.update(Text(message))
            state.set_classes("problem")
            self.revision_list.set_rows([])
            return
        self.status = status
        self.refresh_bindings()
        self._previews.clear()
        if self.operation is None:
            self._show_state()
        rows = [
            MarkedRow(
                key=info.revision,
                cells=(
                    info.short_id,
                    first_line(info.message),
                    info.create_date.strftime("%Y-%m-%d") if info.create_date else "",
                ),
                markers=markers_of(status, info),
                style="dim" if status.state_of(info.revision) is RevisionState.APPLIED else "",
            )
            for info in status.revisions
        ]
        self.revision_list.set_rows(rows)

    def _show_state(self) -> None:
        state = self.query_one("#migration-state", Static)
        if self.status is None:
            return
        text, css = state_line(self.status)
        state.update(Text(text))
        state.set_classes(css)

    def _show_running(self, detail: str = "") -> None:
        state = self.query_one("#migration-state", Static)
        state.update(Text(f"Running: {self.operation}{detail}…"))
        state.set_classes("running")

    def _info(self, revision: str | None) -> RevisionInfo | None:
        if self.status is None or revision is None:
            return None
        return next((r for r in self.status.revisions if r.revision == revision), None)

    def selected(self) -> RevisionInfo | None:
        return self._info(self.revision_list.selected_key)

    # -- detail pane -----------------------------------------------------------------------
    @on(RevisionList.Highlighted, "#revisions")
    def _highlighted(self, event: RevisionList.Highlighted) -> None:
        self._show_selected(event.key)

    def _show_selected(self, key: str | None = None) -> None:
        info = self._info(key or self.revision_list.selected_key)
        self.query_one("#detail-info", Static).update(self._detail(info) if info else "")
        self._show_preview(info)

    def _relative(self, path: Path) -> str:
        base = AlembicProject.find(self.alembic_config).folder.resolve()
        try:
            return str(path.resolve().relative_to(base))
        except ValueError:
            return str(path)

    def _detail(self, info: RevisionInfo) -> Text:
        assert self.status is not None
        text = Text()
        text.append(info.revision, style="bold")
        text.append(f"  {', '.join(markers_of(self.status, info))}\n", style="dim")
        text.append(info.message.strip() or "(no message)")
        text.append("\n\nParents: ", style="bold")
        text.append(", ".join(info.down_revisions) or "none (base)")
        children = [r.revision for r in self.status.revisions if info.revision in r.down_revisions]
        text.append("\nChildren: ", style="bold")
        text.append(", ".join(children) or "none (head)")
        if info.create_date:
            text.append("\nCreated: ", style="bold")
            text.append(info.create_date.strftime("%Y-%m-%d %H:%M"))
        text.append("\nFile: ", style="bold")
        text.append(self._relative(info.path))
        text.append("\n")
        return text

    def _preview_plan(self, info: RevisionInfo) -> tuple[str, str | None]:
        """(heading, direction or None when there is nothing to run)."""
        status = self.status
        assert status is not None
        if status.unknown:
            return "No SQL preview: the database is stamped with an unknown revision.", None
        state = status.state_of(info.revision)
        if state is RevisionState.CURRENT:
            return "The database is at this revision: moving to it runs nothing.", None
        if len(status.current) > 1:
            return "No SQL preview: the database is at several heads.", None
        if state is RevisionState.PENDING:
            return f"SQL that upgrading to {info.short_id} would run (offline preview):", "upgrade"
        return f"SQL that downgrading to {info.short_id} would run (offline preview):", "downgrade"

    def _show_preview(self, info: RevisionInfo | None) -> None:
        """Show the SQL that moving to `info` would run: from the cache, else computed (in a
        thread worker, once the cursor rests on it)."""
        pane = self.query_one("#detail-sql", Static)
        self.workers.cancel_group(self, "migration-preview")
        if info is None or self.status is None:
            pane.update("")
            return
        heading, direction = self._preview_plan(info)
        key = (info.revision, self.status.current)
        if direction is None:
            pane.update(Text(heading, style="dim"))
        elif key in self._previews:
            pane.update(self._previews[key])
        elif self.operation is not None:
            pane.update(Text("(the preview is shown when the running operation ends)"))
        else:
            pane.update(Text("…", style="dim"))
            self.load_preview(info.revision, direction, heading, key)

    @work(thread=True, exclusive=True, group="migration-preview", exit_on_error=False)
    def load_preview(
        self, revision: str, direction: str, heading: str, key: tuple[str, tuple[str, ...]]
    ) -> None:
        """Compute the SQL that moving to `revision` would run (in this thread)."""
        worker = get_current_worker()
        if worker.cancelled_event.wait(self.PREVIEW_DELAY):
            return  # the cursor moved on

        def preview(runner: MigrationRunner, connection: Connection) -> str:
            return runner.sql_preview(connection, revision, direction)  # type: ignore[arg-type]

        sql = Ended.of(lambda: self._in_thread(preview))
        if not worker.is_cancelled:
            self.post_message(self.Previewed(revision, key, heading, sql))

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        try:
            sql = message.sql.get()
        except Exception as exc:
            shown: RenderableType = Text(
                f"No SQL preview: {short_error(exc, self._secrets())}",
                style=theme_style(self, ERROR),
            )
        else:
            shown = Group(
                Text(message.heading, style="bold"),
                Syntax(
                    sql.strip() or "-- nothing to run",
                    "sql",
                    word_wrap=True,
                    theme="ansi_dark" if self.app.current_theme.dark else "ansi_light",
                ),
            )
            self._previews[message.key] = shown
        if self.revision_list.selected_key == message.revision:
            self.query_one("#detail-sql", Static).update(shown)

    # -- log -------------------------------------------------------------------------------
    @on(Progress)
    def _progress(self, message: Progress) -> None:
        event = message.event
        log = self.log_pane
        if event.kind is EventKind.OUTPUT:
            if event.level == "error":
                log.error(event.text)
            elif event.level == "warning":
                log.warning(event.text)
            else:
                log.muted(event.text)
        elif event.kind is EventKind.REVISION_STARTED:
            step = f"[{event.step}/{event.total}] " if event.step and event.total else ""
            log.line(f"{step}{event.text}")
            if self.operation is not None and event.revision:
                self._show_running(f" ({step}{short_revision(event.revision)})")
        elif event.kind is EventKind.REVISION_DONE:
            log.success(f"✓ {event.revision}")
        elif event.kind is EventKind.ELSEWHERE:
            if event.level == "warning":
                log.warning(f"⚠ {event.text}")
                self.notify(
                    event.text,
                    title="Another database",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
            else:
                log.line(event.text)
        # STARTED, FINISHED and FAILED: the Outcome message reports them, in order.

    @on(Outcome)
    def _outcome(self, message: Outcome) -> None:
        log = self.log_pane
        if message.style == "error":
            log.error(f"✗ {message.message}")
        elif message.style == "warning":
            log.warning(message.message)
        elif message.style == "line":
            log.line(message.message)
        else:
            log.success(message.message)

    def _report(self, message: str, style: str = "success") -> None:
        """Write a line after the events already queued (keeps the log in order)."""
        self.post_message(self.Outcome(message, style))

    # -- operations ------------------------------------------------------------------------
    def moves_blocked(self) -> str | None:
        """Why upgrade and downgrade are not offered now (None when they are)."""
        if self.status is not None and self.status.unknown:
            return f"The database is stamped with a revision the scripts do not have: {MOVES_OFF}"
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MOVES and self.moves_blocked():
            return None  # shown greyed out; the state line says why
        return True

    def _can_start(self, what: str) -> bool:
        if what in ("upgrade", "downgrade") and (reason := self.moves_blocked()):
            self.notify(reason, title=what.capitalize(), severity="warning")
            return False
        if self.operation is not None:
            message = f"{self.operation} is still running: {what} refused, wait for it to end"
            self.log_pane.warning(message)
            self.notify(message, title="Migration running", severity="warning")
            return False
        if self._flow is not None and self._flow.is_running:
            self.notify("Finish the current dialog first", severity="warning")
            return False
        if self.status is None:
            self.notify("The migration state is not loaded (r reads it again)", severity="warning")
            return False
        return True

    def _start(self, what: str, flow: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if self._can_start(what):
            self._flow = self.run_worker(flow(), group="migration-flow", exit_on_error=False)

    async def _confirm(self, title: str, body: str, *, label: str, danger: bool = False) -> bool:
        """Ask before an operation; in production the environment name must be typed."""
        return await confirm_write(self.dbapp, title, body, label=label, danger=danger)

    @work(thread=True, exclusive=True, group="migration-operation", exit_on_error=False)
    def _operate(self, call: RunnerCall[T], writes: bool, events: bool) -> Ended[T]:
        """Run one runner call (in this thread); how it ended."""
        return Ended.of(lambda: self._in_thread(call, writes=writes, events=events))

    async def _run(self, call: RunnerCall[T], *, writes: bool = False, events: bool = False) -> T:
        """`call(runner, connection)` in the operation thread worker: its result, or its error
        raised here."""
        # @work loses the method's type variable: the worker's result is this call's Ended[T]
        ended = cast("Ended[T]", await self._operate(call, writes, events).wait())
        return ended.get()

    async def _execute(
        self, title: str, call: RunnerCall[Any], *, changes: bool = True, writes: bool = False
    ) -> tuple[bool, Any]:
        """Run one operation with its events in the log; refresh afterwards when `changes`.
        `writes`: the user confirmed a write to a locked production database."""
        self.operation = title
        self._show_running()
        self.log_pane.begin(title)
        self.workers.cancel_group(self, "migration-preview")
        try:
            result = await self._run(call, writes=writes, events=True)
        except Exception as exc:
            message = short_error(exc, self._secrets())
            self._report(message, "error")
            # literally: the error may quote data (a colliding username like "[b]ann[/]")
            self.notify(
                message, title=f"{title}: failed", severity="error", timeout=10, markup=False
            )
            return False, None
        finally:
            self.operation = None
            self._show_state()
            if changes:
                self.dbapp.database_changed()
                self.refresh_if_stale()
            else:
                self._show_selected()
        return True, result

    def _heads_text(self, heads: tuple[str, ...]) -> str:
        return ", ".join(heads) if heads else "base (no revision)"

    # upgrade --------------------------------------------------------------------------------
    def action_upgrade(self) -> None:
        self._start("upgrade", self._upgrade_flow)

    async def _upgrade_flow(self) -> None:
        status = self.status
        assert status is not None
        selected = self.selected()
        if selected is not None and status.state_of(selected.revision) is RevisionState.PENDING:
            target, target_text = selected.revision, f"the selected revision {selected.revision}"
        else:
            target, target_text = "heads", "head (" + ", ".join(status.heads) + ")"
        steps = to_apply(status, target)
        if not steps:
            self.notify("Nothing to upgrade: the database is at head", title="Upgrade")
            return
        body = (
            f"Upgrade {status.masked_url}\nfrom {describe_current(status)}\nto {target_text}.\n\n"
            f"Applies {len(steps)} revision(s), oldest first:\n{listed(steps)}"
        )
        if status.unversioned_tables:
            body += "\n\nThe database has tables but no revision: the upgrade will likely fail."
        if not await self._confirm(f"Upgrade to {short_revision(target)}", body, label="Upgrade"):
            return
        ok, heads = await self._execute(
            f"upgrade to {target}", lambda r, c: r.upgrade(c, target), writes=self.production
        )
        if ok:
            self._report(f"Upgraded: now at {self._heads_text(heads)}")

    # downgrade ------------------------------------------------------------------------------
    def action_downgrade(self) -> None:
        self._start("downgrade", lambda: self._downgrade_flow(None))

    def action_downgrade_base(self) -> None:
        self._start("downgrade", lambda: self._downgrade_flow("base"))

    async def _downgrade_flow(self, target: str | None) -> None:
        status = self.status
        assert status is not None
        if target is None:
            selected = self.selected()
            if selected is None:
                self.notify("Select the revision to go back to", severity="warning")
                return
            state = status.state_of(selected.revision)
            if state is RevisionState.PENDING:
                self.notify(
                    f"{selected.revision} is not applied: select an applied revision to go back to",
                    title="Downgrade",
                    severity="warning",
                )
                return
            if state is RevisionState.CURRENT:
                self.notify(
                    f"The database is already at {selected.revision}: select an older revision",
                    title="Downgrade",
                    severity="warning",
                )
                return
            target = selected.revision
        undone = to_undo(status, target)
        if not undone:
            self.notify("Nothing to downgrade", title="Downgrade")
            return
        where = "base (an empty history)" if target == "base" else target
        drops = await self._drops_text(target)
        body = (
            f"Downgrade {status.masked_url}\nfrom {describe_current(status)}\nto {where}.\n\n"
            f"Undoes {len(undone)} revision(s), newest first:\n{listed(undone)}\n\n"
            f"{drops}\nData in what they created is lost."
        )
        title = f"Downgrade to {short_revision(target)}"
        if not await self._confirm(title, body, label="Downgrade", danger=True):
            return
        final = target
        ok, heads = await self._execute(
            f"downgrade to {final}", lambda r, c: r.downgrade(c, final), writes=self.production
        )
        if ok:
            self._report(f"Downgraded: now at {self._heads_text(heads)}")

    async def _drops_text(self, target: str) -> str:
        """What a downgrade to `target` drops, with row counts, as one sentence."""
        state = self.query_one("#migration-state", Static)
        state.update(Text("Counting what the downgrade drops…"))
        try:
            drops = await self._run(lambda r, c: r.downgrade_drops(c, target))
        except Exception as exc:
            return f"Could not list what it drops: {short_error(exc, self._secrets())}."
        finally:
            self._show_state()
        if not drops:
            return "Its SQL drops no table or column."
        shown = ", ".join(str(drop) for drop in drops[:MAX_LISTED])
        if len(drops) > MAX_LISTED:
            shown += f" and {len(drops) - MAX_LISTED} more"
        return f"Drops {shown}."

    # stamp ----------------------------------------------------------------------------------
    def action_stamp(self) -> None:
        self._start("stamp", self._stamp_flow)

    async def _stamp_flow(self) -> None:
        status = self.status
        assert status is not None
        selected = self.selected()
        if selected is None:
            self.notify("Select the revision to stamp", severity="warning")
            return
        target = selected.revision
        purge = bool(status.unknown)
        body = (
            f"Record {target} as the revision of {status.masked_url}\n"
            f"(now: {describe_current(status)}) without running any migration.\n"
            "Use it when the schema already matches that revision."
        )
        if purge:
            body += "\n\nThe unknown revision " + ", ".join(status.unknown) + " is removed."
        if not await self._confirm(f"Stamp {selected.short_id}", body, label="Stamp", danger=True):
            return
        ok, heads = await self._execute(
            f"stamp {target}", lambda r, c: r.stamp(c, target, purge=purge), writes=self.production
        )
        if ok:
            self._report(f"Stamped: now at {self._heads_text(heads)}")

    # autogenerate ---------------------------------------------------------------------------
    def action_generate(self) -> None:
        self._start("new revision", self._generate_flow)

    async def _generate_flow(self) -> None:
        if self.production and not await self._confirm(
            "New revision",
            "Compare the models with this database and write a new revision file.",
            label="Compare",
        ):
            return
        ok, diffs = await self._execute(
            "compare models with the database", lambda r, c: r.check(c), changes=False
        )
        if not ok:
            return
        if not diffs:
            message = "No differences between the models and the database: nothing to generate"
            self._report(message)
            self.notify(message, title="New revision")
            return
        for line in diffs:
            self._report(f"  {line}", "line")
        shown = "\n".join(f"• {line}" for line in diffs[:MAX_LISTED])
        if len(diffs) > MAX_LISTED:
            shown += f"\n… and {len(diffs) - MAX_LISTED} more"
        answer = await self.app.push_screen_wait(
            PromptScreen(
                "New revision (autogenerate)",
                f"{len(diffs)} difference(s) detected:\n{shown}\n\nMessage for the new revision:",
                placeholder="e.g. add last_login to users",
                submit_label="Write revision",
                validate=lambda value: None if value.strip() else "A message is required",
            )
        )
        if not answer:
            self.log_pane.muted("New revision cancelled")
            return
        text = answer.strip()
        ok, path = await self._execute(
            f"new revision {text!r}", lambda r, c: r.autogenerate(c, text)
        )
        if ok:
            self._report(f"Wrote {self._relative(path)} (pending: u applies it)")

    # drift check ----------------------------------------------------------------------------
    def action_check(self) -> None:
        self._start("drift check", self._check_flow)

    async def _check_flow(self) -> None:
        if self.production and not await self._confirm(
            "Drift check",
            "Compare the models with this database (nothing is changed).",
            label="Check",
        ):
            return
        ok, diffs = await self._execute("drift check", lambda r, c: r.check(c), changes=False)
        if not ok:
            return
        if not diffs:
            self._report("No drift: the database matches the models")
            self.notify("No drift: the database matches the models", title="Drift check")
            return
        self._report(f"{len(diffs)} difference(s) between the models and the database:", "warning")
        for line in diffs:
            self._report(f"  {line}", "warning")
        self.notify(
            f"{len(diffs)} difference(s) between the models and the database (see the log)",
            title="Drift check",
            severity="warning",
        )

    # merge ----------------------------------------------------------------------------------
    def action_merge(self) -> None:
        self._start("merge", self._merge_flow)

    async def _merge_flow(self) -> None:
        status = self.status
        assert status is not None
        if len(status.heads) < 2:
            self.notify("There is only one head: nothing to merge", title="Merge")
            return
        message = await self.app.push_screen_wait(
            PromptScreen(
                "Merge heads",
                "Write a revision that joins the heads:\n"
                + "\n".join(f"  {head}" for head in status.heads)
                + "\n\nMessage for the merge revision:",
                value="merge heads",
                submit_label="Write merge revision",
                validate=lambda value: None if value.strip() else "A message is required",
            )
        )
        if not message:
            return
        if self.production and not await self._confirm(
            "Merge heads", "Write a merge revision file.", label="Merge"
        ):
            return
        text = message.strip()
        ok, path = await self._execute("merge heads", lambda r, _c: r.merge(text))
        if ok:
            self._report(f"Wrote {self._relative(path)}")

    # refresh --------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        if self.operation is not None:
            self.notify(f"{self.operation} is still running", severity="warning")
            return
        self.reload()

    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        commands = (
            ("Migrations: upgrade", "Upgrade to head or to the selected revision", "upgrade"),
            ("Migrations: downgrade", "Downgrade to the selected revision", "downgrade"),
            ("Migrations: downgrade to base", "Undo every revision", "downgrade_base"),
            ("Migrations: stamp", "Record the selected revision", "stamp"),
            ("Migrations: new revision", "Autogenerate a revision", "generate"),
            ("Migrations: drift check", "Compare models and database", "check"),
            ("Migrations: merge heads", "Merge several heads", "merge"),
            ("Migrations: refresh", "Read the state again", "refresh"),
        )
        return tuple(
            (title, help_text, getattr(self, f"action_{action}"))
            for title, help_text, action in commands
            if self.check_action(action, ())
        )


SCREEN = MigrationsScreen
