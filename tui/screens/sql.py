"""The SQL console: an editor, the statement under the cursor (or the selection) run in a
worker, its rows streamed into a `RecordTable`, cancel, EXPLAIN as a tree, history, export.

The screen never touches the engine: `tui.sql.stream` streams rows, `tui.sql.console` runs
writes, dry runs and plans, `tui.sql.history` keeps statements and the buffer.
"""

from __future__ import annotations

import asyncio
import time
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Offset
from textual.widgets import ContentSwitcher, Static, TextArea, Tree
from textual.widgets.text_area import Selection

from tui.cells import display_str, escape_control
from tui.rows import Column
from tui.screens.base import DbScreen
from tui.sql.statements import (
    Statement,
    changes_rows,
    location_of,
    split_statements,
    statement_at,
)
from tui.widgets.completion_menu import CompletionMenu
from tui.widgets.record_table import RecordTable
from tui.widgets.theme_styles import ERROR, SUCCESS, WARNING, theme_style

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.screens.export_dialog import ExportRequest
    from tui.sql.completion import Completion, Names
    from tui.sql.console import PlanNode, SqlProblem, SqlRunner
    from tui.sql.history import History
    from tui.sql.stream import QueryStream, RowsResult

#: Widest a result column starts (wider values are cut with an ellipsis).
MAX_COLUMN_WIDTH = 40
#: Seconds between two progress updates while a result is read to the end (each is a frame:
#: at 10 Hz they took a fifth of the main thread while reading 1M rows).
PROGRESS_EVERY = 0.25
RUNNING = "running… (ctrl+c or escape cancels)"
#: Seconds a statement runs before the status line says so.
RUNNING_AFTER = 0.1
WELCOME = "-- ctrl+enter (or ctrl+j) runs the statement under the cursor, or the selection\n"


def rows_text(count: int, more: bool = False) -> str:
    """ "1 row", "2,500 rows", "500+ rows"."""
    return f"{count:,}{'+' if more else ''} row{'' if count == 1 and not more else 's'}"


def sql_language() -> str | None:
    """ "sql" when tree-sitter's SQL grammar is installed (textual[syntax]), else None."""
    return "sql" if find_spec("tree_sitter_sql") is not None else None


def result_columns(names: list[str], rows: list[tuple[Any, ...]]) -> list[Column]:
    """Columns for a result: widths from the names and the first rows, capped."""
    columns = []
    for number, name in enumerate(names):
        widest = max((len(display_str(row[number])) for row in rows[:100]), default=0)
        width = max(3, min(MAX_COLUMN_WIDTH, max(len(name), widest)))
        columns.append(Column(f"c{number}", escape_control(name), width, sortable=False))
    return columns


class SqlEditor(TextArea):
    """The SQL buffer (a `TextArea` with SQL highlighting when available)."""


class SqlScreen(DbScreen):
    """Type SQL, run it, browse its result at any size."""

    SCREEN_NAME = "SQL"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+enter,ctrl+j",
            "run",
            "Run",
            priority=True,
            id="sql.run",
            tooltip="Run the statement under the cursor, or the selected statements",
        ),
        # While the completion menu is open (checked in `check_action`); before `cancel`,
        # so that escape closes the menu and nothing else.
        Binding("up", "completion_move(-1)", show=False, priority=True, id="sql.completion_up"),
        Binding("down", "completion_move(1)", show=False, priority=True, id="sql.completion_down"),
        Binding(
            "tab,enter",
            "completion_accept",
            show=False,
            priority=True,
            id="sql.completion_accept",
            tooltip="Take the highlighted name of the completion menu",
        ),
        Binding(
            "escape",
            "completion_close",
            show=False,
            priority=True,
            id="sql.completion_close",
            tooltip="Close the completion menu",
        ),
        Binding(
            "tab",
            "complete_tab",
            show=False,
            priority=True,
            id="sql.complete_tab",
            tooltip="Complete the name before the cursor (else tab moves on)",
        ),
        # A screen's own tab binding hides Textual's: moving on is said again.
        Binding("tab", "app.focus_next", show=False, id="sql.next", tooltip="Next widget"),
        Binding(
            "ctrl+c,escape",
            "cancel",
            "Cancel",
            priority=True,
            show=False,  # not in the footer: showing it there would re-lay the footer per run
            id="sql.cancel",
            tooltip="Cancel the running statement",
        ),
        Binding(
            "ctrl+t",
            "explain",
            "Explain",
            priority=True,
            id="sql.explain",
            tooltip="Show the plan of the statement under the cursor as a tree",
        ),
        Binding(
            "ctrl+r",
            "history",
            "History",
            priority=True,
            id="sql.history",
            tooltip="Search the statements run on this database and run one again",
        ),
        Binding(
            "ctrl+n",
            "complete",
            "Complete",
            priority=True,
            id="sql.complete",
            tooltip="Complete the table or column name before the cursor",
        ),
        Binding("e", "export", "Export", id="sql.export", tooltip="Export the result to CSV/JSON"),
        Binding(
            "f1",
            "app.help",
            "Help",
            priority=True,
            id="sql.help",
            tooltip="Every key of this screen (? types a ? in the editor)",
        ),
        Binding(
            "f2",
            "toggle_focus",
            "Editor/result",
            id="sql.focus",
            tooltip="Move between the editor and the result",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: QueryStream | RowsResult | None = None
        self.problem: SqlProblem | None = None
        self.plan: PlanNode | None = None
        self._runner: SqlRunner | None = None
        self._statement_running = False
        self._history: History | None = None
        self._history_url = ""
        self._last_progress = 0.0
        self._buffer_text: str | None = None
        self._opening: QueryStream | None = None
        self._running_timer: Timer | None = None
        self.names: Names | None = None
        """Tables and columns of the database, for completion (loaded in a worker)."""

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="sql-body"):
            yield SqlEditor(
                WELCOME,
                language=sql_language(),
                show_line_numbers=True,
                tab_behavior="focus",
                soft_wrap=False,
                id="sql-editor",
            )
            yield CompletionMenu(id="sql-completion")
            yield Static(Text("", style="dim"), id="sql-status")
            with ContentSwitcher(initial="sql-result", id="sql-output", classes="-unused"):
                yield RecordTable([], id="sql-result")
                yield Tree(Text("plan"), id="sql-plan")

    @property
    def editor(self) -> SqlEditor:
        return self.query_one("#sql-editor", SqlEditor)

    @property
    def table(self) -> RecordTable:
        return self.query_one("#sql-result", RecordTable)

    @property
    def status(self) -> Static:
        return self.query_one("#sql-status", Static)

    @property
    def status_text(self) -> str:
        """What the status line says (plain text)."""
        rendered = self.status.render()
        return rendered.plain if isinstance(rendered, Text) else str(rendered)

    @property
    def running(self) -> bool:
        """True while a statement runs, or its result is being read."""
        return self._statement_running or (self.result is not None and self.table.is_loading)

    def on_mount(self) -> None:  # DbScreen.on_mount runs too (Textual calls both)
        self.editor.focus()

    def on_database_changed(self) -> None:
        """Another database: its own history and buffer; the old result is dropped."""
        url = self.dbapp.manager.settings.masked_url
        if url != self._history_url:
            if self._history_url:  # another database: the old result must not read on
                self._forget_result()
            self._history_url = url
            self._load_buffer(url)
        self._load_names()

    @work(group="sql-forget", exit_on_error=False)
    async def _forget_result(self) -> None:
        await self._drop_result()
        self.query_one("#sql-output", ContentSwitcher).add_class("-unused")
        self.show_status("Connected to another database: run a statement", "dim")

    @work(exclusive=True, group="sql-names", exit_on_error=False)
    async def _load_names(self) -> None:
        from tui.sql.completion import load_names

        try:
            self.names = await load_names(self.dbapp.manager)
        except Exception as error:  # completion is a help: say why it is missing, go on
            self.names = None
            self.log.warning(f"no completion: {error}")

    @property
    def completion_menu(self) -> CompletionMenu:
        return self.query_one("#sql-completion", CompletionMenu)

    def _completion(self) -> tuple[Completion | None, str]:
        """The completion of the name before the editor's cursor, and its typed part."""
        from tui.sql.completion import complete, partial_word

        editor = self.editor
        buffer = editor.text
        offset = _offset(buffer, editor.cursor_location)
        statement = statement_at(buffer, offset)
        before = buffer[:offset]
        if self.names is None:
            return None, ""
        found = complete(before, self.names, statement.text if statement else "")
        return found, partial_word(before)

    def action_complete(self) -> None:
        """Complete the name before the cursor: one match is typed in; several type their
        common start and open the menu under the cursor."""
        if not self.editor.has_focus:
            return
        if self.names is None:
            self.show_status("Table and column names are not loaded (yet)", "dim")
            return
        found, _typed = self._completion()
        if found is None:
            self.show_status("No table or column starts like that", "dim")
            return
        if found.insert:
            self.editor.insert(found.insert)
        if len(found.candidates) > 1:
            self._open_completion(found.candidates)

    def action_complete_tab(self) -> None:
        self.action_complete()

    def _open_completion(self, candidates: list[str]) -> None:
        _found, typed = self._completion()
        x, y = self.editor.cursor_screen_offset
        self.completion_menu.show(candidates, Offset(max(0, x - len(typed)), y + 1))

    def _follow_completion(self) -> None:
        """After an edit or a cursor move: the open menu lists what still matches (closed
        when nothing does); a `.` typed after a table name or alias opens it."""
        menu = self.completion_menu
        editor = self.editor
        if not editor.has_focus or self.names is None:
            menu.hide()
            return
        if not menu.is_open and not self._after_dot():
            return
        found, typed = self._completion()
        candidates = [] if found is None else found.candidates
        if not candidates or (len(candidates) == 1 and candidates[0] == typed):
            menu.hide()
        else:
            self._open_completion(candidates)

    def _after_dot(self) -> bool:
        editor = self.editor
        row, column = editor.cursor_location
        line = editor.document.get_line(row)
        return column > 1 and line[column - 1] == "." and line[column - 2] not in " .\t"

    def action_completion_move(self, step: int) -> None:
        self.completion_menu.move(step)

    def action_completion_accept(self) -> None:
        """Replace the typed part of the name by the highlighted candidate."""
        menu = self.completion_menu
        chosen = menu.chosen
        menu.hide()
        if chosen is None:
            return
        _found, typed = self._completion()
        editor = self.editor
        row, column = editor.cursor_location
        editor.replace(chosen, (row, column - len(typed)), (row, column))

    def action_completion_close(self) -> None:
        self.completion_menu.hide()

    @on(CompletionMenu.OptionSelected, "#sql-completion")
    def _completion_clicked(self, event: CompletionMenu.OptionSelected) -> None:
        event.stop()
        self.completion_menu.highlighted = event.option_index
        self.action_completion_accept()
        self.editor.focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget is self.editor:
            self.completion_menu.hide()

    @work(group="sql-buffer", exit_on_error=False)
    async def _load_buffer(self, url: str) -> None:
        from tui.sql.history import History

        history = History(url)
        self._history = history
        buffer = await asyncio.to_thread(history.load_buffer)
        if buffer is not None and url == self._history_url:
            self.editor.load_text(buffer)

    @on(TextArea.Changed, "#sql-editor")
    def _buffer_changed(self, event: TextArea.Changed) -> None:
        self._buffer_text = event.text_area.text
        self._follow_completion()

    @on(TextArea.SelectionChanged, "#sql-editor")
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        if self.completion_menu.is_open:
            self._follow_completion()

    async def on_unmount(self) -> None:
        """Close an open result; keep the buffer for the next start (a small file)."""
        await self._drop_result()
        if self._history is not None and self._buffer_text is not None:
            try:
                self._history.save_buffer(self._buffer_text)
            except OSError as error:
                self.log.warning(f"buffer not saved: {error}")

    # -- running -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running  # otherwise ctrl+c / escape keep their usual meaning
        if action.startswith("completion_"):
            return self.completion_menu.is_open  # otherwise the keys keep their meaning
        if action == "complete_tab":  # tab moves on when there is nothing to complete
            return self.editor.has_focus and self._completion()[0] is not None
        return True

    def statements_to_run(self) -> list[Statement]:
        """The selected statements, else the one under the cursor (offsets in the buffer)."""
        editor = self.editor
        buffer = editor.text
        selection = editor.selection
        if selection.start != selection.end:
            start, end = sorted((selection.start, selection.end))
            first = _offset(buffer, start)
            chosen = split_statements(buffer[first : _offset(buffer, end)])
            return [Statement(s.text, s.start + first, s.end + first) for s in chosen]
        statement = statement_at(buffer, _offset(buffer, editor.cursor_location))
        return [] if statement is None else [statement]

    def action_run(self) -> None:
        if self._statement_running:
            self.notify("A statement is running: ctrl+c cancels it", severity="warning")
            return
        statements = self.statements_to_run()
        if not statements:
            self.show_status("Nothing to run: type a statement", "dim")
            return
        self._statement_running = True
        self._run(statements)
        self._save_buffer()

    @work(exclusive=True, group="sql-run", exit_on_error=False)
    async def _run(self, statements: list[Statement]) -> None:
        try:
            for statement in statements:
                if not await self._run_one(statement):
                    break
        finally:
            self._statement_running = False
            self._runner = None

    async def _run_one(self, statement: Statement) -> bool:
        """Run one statement; False when it failed or was cancelled (the rest is skipped)."""
        from tui.sql.console import SqlRunner
        from tui.sql.stream import QueryCancelled, QueryStream

        manager = self.dbapp.manager
        self._runner = SqlRunner(manager)
        self.problem = None
        started = time.perf_counter()
        # Said only when the statement takes a while: a quick one shows its outcome in the
        # same frame as its rows (a status frame first would delay them by a frame).
        self._running_timer = self.set_timer(RUNNING_AFTER, self._show_running)
        try:
            if statement.kind == "query":
                stream = QueryStream(manager, statement.text)
                self._opening = stream
                try:
                    await stream.open()
                finally:
                    self._opening = None
                previous, self.result = self.result, stream
                stream.on_progress = self._progress
                self._show_result(stream, stream.columns, stream.held_rows())
                outcome = rows_text(stream.rows_read, not stream.done)
                self._show_progress(stream, started)
                if isinstance(previous, QueryStream):  # it stays when this one fails
                    await previous.close()
            else:
                written = await self._write(statement, started)
                if written is None:
                    return False
                outcome = written
        except QueryCancelled:
            self.show_status(f"Cancelled after {time.perf_counter() - started:.2f} s", WARNING)
            self._remember(statement.text, "cancelled")
            return False
        except Exception as error:
            self._show_problem(statement, error)
            self._remember(statement.text, "error")
            return False
        finally:
            self._stop_running_timer()  # before anything else runs: no await in between
        self._remember(statement.text, outcome)
        return True

    def _show_running(self) -> None:
        self._running_timer = None
        self.show_status(RUNNING, "dim")

    def _stop_running_timer(self) -> None:
        timer, self._running_timer = self._running_timer, None
        if timer is not None:
            timer.stop()

    async def _write(self, statement: Statement, started: float) -> str | None:
        """Run a write after the production and row-count questions; its outcome, or None
        when it was not run."""
        from tui.screens.modals import ConfirmScreen
        from tui.screens.write_confirm import asks_for_name, confirm_write

        manager = self.dbapp.manager
        runner = self._runner
        assert runner is not None
        self._stop_running_timer()  # a write says what it does itself
        if manager.read_only:
            self.show_status(
                "Production is read-only: unlock writes in Settings (5) to run this", ERROR
            )
            return None
        if asks_for_name(manager):
            confirmed = await confirm_write(
                self.dbapp, "Run SQL on production", statement.text, label="Run", danger=True
            )
            if not confirmed:
                self.show_status("Not run", WARNING)
                return None
        elif changes_rows(statement.text):
            limit = manager.settings.SQL_CONFIRM_ROWS
            self.show_status("counting the rows it changes (dry run, rolled back)…", "dim")
            would = await runner.dry_run(statement.text)
            if would is not None and would > limit:
                question = ConfirmScreen(
                    "Change many rows?",
                    f"This statement would change {would:,} rows (more than {limit:,}):"
                    f"\n\n{statement.text}",
                    confirm_label="Run",
                    danger=True,
                )
                if not await self.app.push_screen_wait(question):
                    self.show_status(f"Not run (it would change {would:,} rows)", WARNING)
                    return None
        self.show_status(RUNNING, "dim")
        started = time.perf_counter()  # the time of the write, not of the questions
        outcome = await runner.write(statement.text)
        elapsed = time.perf_counter() - started
        self.dbapp.database.changed()
        self._load_names()  # the statement may have created or changed tables
        if outcome.rows is not None:
            await self._drop_result()
            self.result = outcome.rows
            self._show_result(outcome.rows, outcome.rows.columns, outcome.rows.rows)
        changed = "done" if outcome.rowcount is None else f"{rows_text(outcome.rowcount)} changed"
        self.show_status(f"{changed} in {elapsed:.2f} s", SUCCESS)
        return changed

    def _show_result(self, source: Any, names: list[str], rows: list[tuple[Any, ...]]) -> None:
        output = self.query_one("#sql-output", ContentSwitcher)
        output.remove_class("-unused")
        output.current = "sql-result"
        table = self.table
        table.set_columns(result_columns(names, rows))
        table.reload(source, keep_position=False)

    async def _drop_result(self) -> None:
        from tui.sql.stream import QueryStream

        old, self.result = self.result, None
        if isinstance(old, QueryStream):
            await old.close()

    def _progress(self, stream: QueryStream) -> None:
        now = time.perf_counter()
        if stream.done or now - self._last_progress >= PROGRESS_EVERY:
            self._last_progress = now
            self._show_progress(stream, None)

    def _show_progress(self, stream: QueryStream, started: float | None) -> None:
        if stream is not self.result:
            return
        timing = "" if started is None else f" in {time.perf_counter() - started:.2f} s"
        if stream.done:
            self.show_status(f"{rows_text(stream.rows_read)}{timing}", SUCCESS)
        else:
            self.show_status(
                f"{rows_text(stream.rows_read)} read so far, more remain{timing} "
                "(scroll for more, G reads to the end)",
                SUCCESS,
            )

    def show_status(self, message: str, style: str = "") -> None:
        """One line (or a few, for an error) under the editor, shown literally."""
        self._put_status(Text(message, style=theme_style(self, style) if style else ""))

    def _put_status(self, text: Text) -> None:
        """Show `text` on the status line; the screen is laid out again only when its height
        changes (a layout repaints every widget: 4 progress lines a second while reading to
        the end would repaint the editor and the footer each time)."""
        status = self.status
        same_height = (
            status.size.height == 1
            and "\n" not in text.plain
            and text.cell_len <= status.content_size.width
        )
        status.update(text, layout=not same_height)

    def _show_problem(self, statement: Statement, error: BaseException) -> None:
        from tui.sql.console import describe_problem

        problem = describe_problem(error, statement.text, self.dbapp.manager.settings.secrets)
        self.problem = problem
        if problem.position is None:
            self.show_status(f"Error: {problem.message}", ERROR)
            return
        buffer = self.editor.text
        offset = statement.start + problem.position
        line, column = location_of(buffer, offset)
        source_line = buffer.split("\n")[line]
        marker = Text()
        marker.append(
            f"Error at line {line + 1}, column {column + 1}: ",
            style=theme_style(self, f"bold {ERROR}"),
        )
        marker.append(escape_control(problem.message), style=theme_style(self, ERROR))
        marker.append(f"\n{line + 1:>4} | ")
        marker.append(escape_control(source_line))
        marker.append("\n     | " + " " * len(escape_control(source_line[:column])) + "^")
        self._put_status(marker)
        end = offset
        while end < len(buffer) and (buffer[end].isalnum() or buffer[end] in "_$"):
            end += 1
        self.editor.selection = Selection((line, column), location_of(buffer, max(end, offset)))

    def _remember(self, sql: str, outcome: str) -> None:
        history = self._history
        if history is not None:
            self._add_history(history, sql, outcome)

    @work(group="sql-history-write", exit_on_error=False)
    async def _add_history(self, history: History, sql: str, outcome: str) -> None:
        try:
            await asyncio.to_thread(history.add, sql, outcome)
        except OSError as error:
            self.notify(f"History not saved: {error.strerror or error}", severity="warning")

    @work(group="sql-buffer-save", exit_on_error=False)
    async def _save_buffer(self) -> None:
        history = self._history
        if history is not None:
            text = self.editor.text
            try:
                await asyncio.to_thread(history.save_buffer, text)
            except OSError as error:
                self.log.warning(f"buffer not saved: {error}")

    # -- cancel ------------------------------------------------------------------------------
    async def action_cancel(self) -> None:
        """Stop the running statement (and any read of its result)."""
        from tui.sql.stream import QueryStream

        runner, result = self._runner, self.result
        self._stop_running_timer()
        self.show_status("cancelling…", WARNING)  # before: the outcome may arrive meanwhile
        if runner is not None:
            await runner.cancel()
        if self._opening is not None:
            await self._opening.cancel()
        if isinstance(result, QueryStream) and (self._statement_running or self.table.is_loading):
            await result.cancel()

    @on(RecordTable.LoadFailed, "#sql-result")
    def _load_failed(self, event: RecordTable.LoadFailed) -> None:
        from tui.sql.stream import QueryCancelled, QueryStream

        event.stop()
        stream = self.result
        read = f" ({stream.rows_read:,} rows read)" if isinstance(stream, QueryStream) else ""
        if isinstance(event.error, QueryCancelled):
            self.show_status(f"Cancelled{read}: run again to read further", WARNING)
            return
        from tui.db.errors import driver_error

        self.show_status(f"Error{read}: {driver_error(event.error)}", ERROR)
        self.app.post_message(event)  # let the app check the connection

    @on(RecordTable.Counted, "#sql-result")
    def _counted(self, event: RecordTable.Counted) -> None:
        from tui.sql.stream import QueryStream

        if isinstance(self.result, QueryStream):
            self._show_progress(self.result, None)

    # -- explain -----------------------------------------------------------------------------
    def action_explain(self) -> None:
        if self._statement_running:
            self.notify("A statement is running: ctrl+c cancels it", severity="warning")
            return
        statements = self.statements_to_run()
        if not statements:
            self.show_status("Nothing to explain: type a statement", "dim")
            return
        self._statement_running = True
        self._explain(statements[0])

    @work(exclusive=True, group="sql-run", exit_on_error=False)
    async def _explain(self, statement: Statement) -> None:
        from tui.sql.console import SqlRunner
        from tui.sql.stream import QueryCancelled

        self._runner = SqlRunner(self.dbapp.manager)
        self.show_status("explaining…", "dim")
        try:
            plan = await self._runner.explain(statement.text)
        except QueryCancelled:
            self.show_status("Cancelled", WARNING)
            return
        except Exception as error:
            self._show_problem(statement, error)
            return
        finally:
            self._statement_running = False
            self._runner = None
        self.plan = plan
        tree = self.query_one("#sql-plan", Tree)
        tree.clear()
        tree.root.set_label(Text(escape_control(plan.label)))
        _add_nodes(tree.root, plan)
        tree.root.expand_all()
        output = self.query_one("#sql-output", ContentSwitcher)
        output.remove_class("-unused")
        output.current = "sql-plan"
        self.show_status("Plan of the statement (not run); ctrl+enter runs it", SUCCESS)

    # -- history -----------------------------------------------------------------------------
    def action_history(self) -> None:
        self._open_history()

    @work(group="sql-history", exit_on_error=False)
    async def _open_history(self) -> None:
        from tui.screens.sql_history import SqlHistoryScreen

        history = self._history
        entries = [] if history is None else await asyncio.to_thread(history.entries)
        chosen = await self.app.push_screen_wait(SqlHistoryScreen(entries))
        if chosen:
            self.run_again(chosen)

    def run_again(self, sql: str) -> None:
        """Put `sql` at the end of the buffer, select it, and run it."""
        editor = self.editor
        text = editor.text
        separator = "" if not text.strip() else ("\n" if text.endswith("\n") else "\n\n")
        if text.strip() and not text.rstrip().endswith(";"):
            separator = ";" + separator
        editor.move_cursor(editor.document.end)
        editor.insert(separator + sql)
        end = editor.document.end
        start = location_of(editor.text, len(editor.text) - len(sql))
        editor.selection = Selection(start, end)
        editor.focus()
        self.action_run()

    # -- export and focus ----------------------------------------------------------------------
    def action_export(self) -> None:
        from tui.screens.export_dialog import ExportScreen

        if self.result is None:
            self.notify("Run a query first", severity="warning")
            return
        self.app.push_screen(
            ExportScreen(
                "Export the result",
                "Every row of this result (the query runs again, streamed) to a .csv or .json "
                "file:",
                value="result.csv",
            ),
            self._export_to,
        )

    def _export_to(self, request: ExportRequest | None) -> None:
        if request is not None:
            self._export(request)

    @work(exclusive=True, group="sql-export", exit_on_error=False)
    async def _export(self, request: ExportRequest) -> None:
        from tui.export import export_rows

        result = self.result
        if result is None:
            return
        columns = list(result.columns)

        def progress(done: int) -> None:
            self.show_status(f"exporting… {done:,} rows", "dim")

        try:
            written = await export_rows(
                request.path,
                columns,
                result.all_rows(),
                progress,
                protect_formulas=not request.raw,
            )
        except OSError as error:
            self.notify(f"Export failed: {error.strerror or error}", severity="error")
            return
        raw = " (raw values)" if request.raw else ""
        self.show_status(f"Exported {written:,} rows to {request.path}{raw}", SUCCESS)
        self.notify(f"Exported {written:,} rows to {request.path}{raw}")

    def action_toggle_focus(self) -> None:
        if self.editor.has_focus:
            self.query_one("#sql-output", ContentSwitcher).visible_content.focus()  # type: ignore[union-attr]
        else:
            self.editor.focus()

    def palette_commands(self) -> Any:
        yield ("Run SQL", "Run the statement under the cursor (ctrl+enter)", self.action_run)
        yield ("Explain SQL", "The plan of the statement as a tree (ctrl+t)", self.action_explain)
        yield ("SQL history", "Search and re-run past statements (ctrl+r)", self.action_history)
        if self.result is not None:
            yield ("Export SQL result", "Every row to CSV or JSON (e)", self.action_export)


def _offset(buffer: str, location: tuple[int, int]) -> int:
    from tui.sql.statements import offset_of

    return offset_of(buffer, location[0], location[1])


def _add_nodes(parent: Any, node: PlanNode) -> None:
    for child in node.children:
        branch = parent.add(Text(escape_control(child.label)), expand=True)
        if child.children:
            _add_nodes(branch, child)
        else:
            branch.allow_expand = False


SCREEN = SqlScreen
