"""`EntityScreen`: list, search, filter, create, edit, delete and export one kind of record.

An entity is described once by an `EntitySpec` (columns, form fields, filters, how rows and
form values map to repository input); the users, posts and tags screens are short subclasses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from tui.db.errors import SEARCH_REJECTED, DbTuiError, ReadOnlyError, rejected_search, short_error
from tui.repositories.base import Query
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.screens.base import DbScreen
from tui.screens.sources import RepositoryFactory, RepositorySource
from tui.screens.write_confirm import WriteNotConfirmed, confirm_write
from tui.widgets.record_table import Column, RecordTable

if TYPE_CHECKING:  # modals and forms load on the first write: the list stays light
    from tui.screens.export_dialog import ExportRequest
    from tui.screens.modals import FormScreen
    from tui.widgets.record_form import FormField


def no_filters(screen: EntityScreen) -> Sequence[FormField]:
    """The default `EntitySpec.filter_fields`: this entity offers no filter form."""
    return ()


@dataclass(frozen=True)
class EntitySpec:
    """Everything the generic screen needs to know about one kind of record."""

    kind: str
    plural: str
    repository: RepositoryFactory
    columns: tuple[Column, ...]
    cells: Callable[[Any], tuple[object, ...]]
    label: Callable[[Any], str]
    #: Form fields for a new record (True) or an existing one (False).
    form_fields: Callable[[EntityScreen, bool], Sequence[FormField]]
    #: A detail record → form values.
    to_form: Callable[[Any], dict[str, Any]]
    #: Form values → repository input, for a new record (True) or an update (False).
    to_input: Callable[[dict[str, Any], bool], dict[str, Any]]
    #: Filter form fields (`f`); their values become `Query.filters` (blank → no filter).
    filter_fields: Callable[[EntityScreen], Sequence[FormField]] = no_filters
    #: Row attributes written by export, in order.
    export_fields: tuple[str, ...] = ()
    soft_delete: bool = False
    search_hint: str = "search"
    #: Schema error names → form field names (e.g. "profile.bio" → "bio").
    error_fields: Mapping[str, str] = field(default_factory=dict)
    default_sort: str = "id"


def describe_filters(query: Query, labels: Mapping[str, tuple[Any, str]] | None = None) -> str:
    """A short human summary of a query's search, filters and sort. `labels` names filter
    values for people (``{"author_id": (3, "ann")}`` shows ``author=ann``, not ``author_id=3``)."""
    parts = []
    for name, value in query.filters.items():
        if name == "trash":
            continue
        known = (labels or {}).get(name)
        if known is not None and known[0] == value:
            parts.append(f"{name.removesuffix('_id')}={known[1]}")
        else:
            parts.append(f"{name}={value}")
    if query.search:
        parts.insert(0, f"search “{query.search}”")
    arrow = "↓" if query.descending else "↑"
    parts.append(f"sort {query.sort} {arrow}")
    return " · ".join(parts)


class EntityScreen(DbScreen):
    """A paged table of one entity with the standard keys of the UX contract."""

    SPEC: ClassVar[EntitySpec]
    #: The modal that edits one record (None: `tui.screens.modals.FormScreen`).
    FORM_SCREEN: ClassVar[type[FormScreen] | None] = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="entity.new", tooltip="Create a new record"),
        Binding("d", "delete", "Delete", id="entity.delete", tooltip="Delete the current record"),
        Binding("slash", "search", "Search", id="entity.search", tooltip="Search this list"),
        Binding("f", "filter", "Filter", id="entity.filter", tooltip="Filter this list"),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="entity.refresh",
            tooltip="Reload from the database",
            show=False,
        ),
        Binding("t", "trash", "Trash", id="entity.trash", tooltip="Show or leave the trash"),
        Binding("u", "restore", "Restore", id="entity.restore", tooltip="Restore from the trash"),
        Binding(
            "e",
            "export",
            "Export",
            id="entity.export",
            tooltip="Export this view to a file",
            show=False,
        ),
        Binding("escape", "clear", "Clear", show=False, id="entity.clear", tooltip="Clear search"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = Query(sort=self.SPEC.default_sort)
        #: Names of filter values chosen by id (filter name → (value, label)).
        self.filter_labels: dict[str, tuple[Any, str]] = {}

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        spec = self.SPEC
        yield Static(id="view-state", classes="view-state")  # the search bar goes above it
        yield RecordTable(spec.columns, id="table")
        yield Static(id="empty-hint", classes="empty-hint -hidden")

    @property
    def table(self) -> RecordTable:
        return self.query_one("#table", RecordTable)

    @property
    def in_trash(self) -> bool:
        return bool(self.query_state.filters.get("trash"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "trash":
            return self.SPEC.soft_delete
        if action == "restore":
            return self.SPEC.soft_delete and self.in_trash
        if action == "filter":  # without building the fields (that loads the form widgets)
            return self.SPEC.filter_fields is not no_filters
        return True

    def on_mount(self) -> None:
        self.table.focus()
        self.refresh_if_stale()

    # -- loading ---------------------------------------------------------------------------
    def on_database_changed(self) -> None:
        self.reload()

    def source(self) -> RepositorySource:
        return RepositorySource(
            self.dbapp.manager, self.SPEC.repository, self.query_state, self.SPEC.cells
        )

    def reload(self, *, keep_position: bool = False) -> None:
        """Show the current query from the database (after any change)."""
        table = self.table
        table.set_sort(self.query_state.sort, self.query_state.descending)
        table.reload(self.source(), keep_position=keep_position)
        self._show_view_state()

    def set_query(self, query: Query, labels: Mapping[str, tuple[Any, str]] | None = None) -> None:
        """Show `query`; `labels` name some of its filter values (see `describe_filters`)."""
        self.query_state = query
        self.filter_labels.update(labels or {})
        self.reload()

    def _show_view_state(self) -> None:
        prefix = "TRASH · " if self.in_trash else ""
        self.query_one("#view-state", Static).update(
            Text(prefix + describe_filters(self.query_state, self.filter_labels), style="dim")
        )
        self.refresh_bindings()

    @on(RecordTable.Counted)
    def _show_empty_hint(self, event: RecordTable.Counted) -> None:
        """Under an empty list, say why and what to do."""
        hint = self.query_one("#empty-hint", Static)
        query = self.query_state
        if event.total > 0 or event.estimated:
            hint.set_class(True, "-hidden")
            return
        if query.search or [k for k in query.filters if k != "trash"] or self.in_trash:
            message = f"No {self.SPEC.plural} match this view (escape clears the search)."
        else:
            message = self.empty_message()
        hint.update(Text(message))
        hint.set_class(False, "-hidden")

    def empty_message(self) -> str:
        return (
            f"No {self.SPEC.plural} yet. Press n to create one, or fill the database with "
            "demo data: ctrl+p → “Seed demo data” (or `dbtui seed` in a shell)."
        )

    # -- worker failures -------------------------------------------------------------------
    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """`Worker.StateChanged` does not bubble, so the app never sees this screen's workers:
        report a failed one here (a database error must never go unreported)."""
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            self.log.error(f"worker {event.worker.name!r} failed: {self._message(error)}")
            self.notify(self._message(error), title="Error", severity="error", timeout=8)

    # -- table events ----------------------------------------------------------------------
    @on(RecordTable.SortRequested, "#table")
    def _sort_requested(self, event: RecordTable.SortRequested) -> None:
        self.set_query(self.query_state.replace(sort=event.column_key, descending=event.descending))

    @on(RecordTable.RowSelected, "#table")
    def _row_selected(self, event: RecordTable.RowSelected) -> None:
        self.open_record(event.row_id)

    @on(RecordTable.LoadFailed, "#table")
    def _load_failed(self, event: RecordTable.LoadFailed) -> None:
        if rejected_search(event.error):
            event.stop()  # not a connection problem: the app need not check the connection
            self._search_rejected()
            return
        self.notify(self._message(event.error), title="Cannot load", severity="error")

    def _search_rejected(self) -> None:
        """The database refused the search: list without it; the search bar says why and
        keeps the text to shorten."""
        if self.query_state.search:
            self.set_query(self.query_state.replace(search=None))
        self._show_search_problem(SEARCH_REJECTED)

    def _show_search_problem(self, problem: str) -> None:
        for shown in self.query("#search-problem").results(Static):
            shown.update(Text(problem))

    def current_id(self) -> int | None:
        row = self.table.current_row
        return row.id if row is not None else None

    def current_cell(self, column_key: str) -> Any:
        """The current row's value in the column `column_key` (None without a row)."""
        row = self.table.current_row
        if row is None:
            return None
        keys = [column.key for column in self.SPEC.columns]
        return row.cells[keys.index(column_key)]

    # -- search and filter -----------------------------------------------------------------
    async def action_search(self) -> None:
        bars = self.query("#search-bar")
        if bars:
            bars.first().set_class(False, "-hidden")
        else:  # built on first use: one less input to lay out before the first rows
            bar = Horizontal(
                Static(Text("/"), id="search-label"),
                Input(placeholder=self.SPEC.search_hint, id="search"),
                Static(id="search-problem"),
                id="search-bar",
            )
            await self.mount(bar, before="#view-state")
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._show_search_problem("")
        self.set_query(self.query_state.replace(search=event.value.strip() or None))
        self.table.focus()

    def action_clear(self) -> None:
        inputs = self.query("#search").results(Input)
        search = next(inputs, None)
        if search is not None:
            if search.has_focus and search.value:
                search.value = ""
                return
            self.query_one("#search-bar").set_class(True, "-hidden")
            search.value = ""
            self._show_search_problem("")
        self.table.focus()
        if self.query_state.search:
            self.set_query(self.query_state.replace(search=None))

    def form_screen(self) -> type[FormScreen]:
        """The form modal class (imported on first use)."""
        if self.FORM_SCREEN is not None:
            return self.FORM_SCREEN
        from tui.screens.modals import FormScreen

        return FormScreen

    def action_filter(self) -> None:
        from tui.screens.modals import FormScreen

        fields = self.SPEC.filter_fields(self)
        values: dict[str, Any] = {}
        for f in fields:
            value = self.query_state.filters.get(f.name)
            known = self.filter_labels.get(f.name)
            values[f.name] = known if known is not None and known[0] == value else value

        async def chosen(chosen_values: dict[str, Any]) -> Any:
            return chosen_values, screen.form.choice_labels()

        screen = FormScreen(
            f"Filter {self.SPEC.plural}", fields, values, save=chosen, check_required=False
        )
        self.app.push_screen(screen, self._filter_chosen)

    def _filter_chosen(self, result: tuple[dict[str, Any], dict[str, str]] | None) -> None:
        if result is None:
            return
        values, labels = result
        query = self.query_state
        for name, value in values.items():
            query = query.with_filter(name, None if value in ("", None, []) else value)
        self.set_query(query, {name: (values[name], label) for name, label in labels.items()})

    def action_trash(self) -> None:
        self.set_query(self.query_state.with_filter("trash", None if self.in_trash else True))

    def action_refresh(self) -> None:
        self.reload(keep_position=True)

    # -- writes: guards --------------------------------------------------------------------
    def writable(self) -> bool:
        """False (with a message) while the database is read-only (production, locked)."""
        if self.dbapp.manager.read_only:
            self.notify(
                "Production is read-only. Unlock writes in Settings (5) first.",
                title="Read-only",
                severity="warning",
            )
            return False
        return True

    def _message(self, error: BaseException) -> str:
        return short_error(error, database=self.dbapp.manager.settings)

    @contextmanager
    def _save_failures(self) -> Iterator[None]:
        """A database failure while saving becomes the one line the form shows at its top
        (the form keeps what was typed)."""
        try:
            yield
        except (SQLAlchemyError, OSError) as error:
            raise DbTuiError(self._message(error)) from error

    # -- create and edit -------------------------------------------------------------------
    def action_new(self) -> None:
        if not self.writable():
            return
        self.app.push_screen(
            self.form_screen()(
                f"New {self.SPEC.kind}",
                self.SPEC.form_fields(self, True),
                self.new_values(),
                save=self._save_new,
            ),
            self._saved,
        )

    def new_values(self) -> dict[str, Any]:
        """Initial values of the form for a new record."""
        return {}

    async def _save_new(self, values: dict[str, Any]) -> Any:
        from tui.screens.modals import FormErrors

        await self._confirm_save(f"Create {self.SPEC.kind}?", "Add this new record.")
        try:
            with self._save_failures():
                async with self.dbapp.manager.session() as session:
                    repository = self.SPEC.repository(session)
                    return await repository.create(self.SPEC.to_input(values, True))
        except FieldErrors as errors:
            raise FormErrors(self._form_errors(errors)) from None

    async def _confirm_save(self, title: str, body: str) -> None:
        """In production, ask for the environment name; the form shows a refusal."""
        where = f"{body}\nDatabase: {self.dbapp.manager.settings.masked_url}"
        if not await confirm_write(self.dbapp, title, where, label="Save", ask_elsewhere=False):
            raise WriteNotConfirmed("Not saved: the write was not confirmed.")

    def _form_errors(self, errors: FieldErrors) -> dict[str, str]:
        from tui.widgets.record_form import FORM_ERROR_KEY

        mapped: dict[str, str] = {}
        for name, message in errors.errors.items():
            target = self.SPEC.error_fields.get(name, name)
            if target in ("__root__", ""):
                target = FORM_ERROR_KEY
            mapped[target] = message
        return mapped

    def _saved(self, record: Any) -> None:
        if record is None:
            return
        self.notify(f"Saved {self.SPEC.kind} {self.SPEC.label(record)}")
        self.reload(keep_position=True)

    def open_record(self, row_id: int) -> None:
        self._open(row_id)

    @work(exclusive=True, group="entity-open", exit_on_error=False)
    async def _open(self, row_id: int) -> None:
        try:
            detail = await self._get(row_id)
        except NotFoundError as error:
            self.notify(str(error), severity="warning")
            self.reload(keep_position=True)
            return
        version = [detail.version]
        label = self.SPEC.label(detail)
        title = f"{self.SPEC.kind.capitalize()} {label}"
        if self.dbapp.manager.read_only:
            title += " (read-only)"
        self.app.push_screen(
            self.form_screen()(
                title,
                self.SPEC.form_fields(self, False),
                self.SPEC.to_form(detail),
                save=partial(self._save_existing, row_id, label, version),
                changes_only=True,
            ),
            self._saved,
        )

    async def _get(self, row_id: int) -> Any:
        async with self.dbapp.manager.read_session() as session:
            return await self.SPEC.repository(session).get(row_id)

    async def _save_existing(
        self, row_id: int, label: str, version: list[int], values: dict[str, Any]
    ) -> Any:
        """Write the changed `values` if the row is still at `version[0]`. When someone else
        changed it meanwhile, raise `FormConflict`: the form shows both versions and lets the
        user overwrite (at the row's new version), reload theirs or keep editing."""
        from tui.screens.modals import FormConflict, FormErrors
        from tui.widgets.record_form import FORM_ERROR_KEY

        if self.dbapp.manager.read_only:
            raise FormErrors({FORM_ERROR_KEY: "read-only: unlock writes in Settings (5)"})
        await self._confirm_save(f"Save {self.SPEC.kind} {label}?", "Write your changes.")
        try:
            with self._save_failures():
                async with self.dbapp.manager.session() as session:
                    return await self.SPEC.repository(session).update(
                        row_id, self.SPEC.to_input(values, False), version[0]
                    )
        except FieldErrors as errors:
            raise FormErrors(self._form_errors(errors)) from None
        except StaleRecordError as stale:
            if stale.current is None:
                self.reload(keep_position=True)
                raise FormErrors(
                    {FORM_ERROR_KEY: f"This {self.SPEC.kind} was deleted meanwhile."}
                ) from None
        current = await self._get(row_id)

        def take_their_version() -> None:
            version[0] = current.version

        async def overwrite() -> Any:
            take_their_version()
            return await self._save_existing(row_id, label, version, values)

        raise FormConflict(
            self.SPEC.to_form(current), overwrite=overwrite, reload=take_their_version
        )

    # -- delete, trash, restore ------------------------------------------------------------
    def action_delete(self) -> None:
        row_id = self.current_id()
        if row_id is None or not self.writable():
            return
        self._ask_delete(row_id)

    @work(exclusive=True, group="entity-delete", exit_on_error=False)
    async def _ask_delete(self, row_id: int) -> None:
        try:
            detail = await self._get(row_id)
            async with self.dbapp.manager.read_session() as session:
                impact = await self.SPEC.repository(session).delete_impact(row_id)
        except NotFoundError as error:
            self.notify(str(error), severity="warning")
            self.reload(keep_position=True)
            return
        label = self.SPEC.label(detail)
        soft = self.SPEC.soft_delete and not self.in_trash
        if soft:
            title = f"Move {self.SPEC.kind} {label} to the trash?"
            body = "It can be restored from the trash (t). Nothing else changes."
        else:
            title = f"Delete {self.SPEC.kind} {label} permanently?"
            body = f"This {impact}. It cannot be undone."
        if not await confirm_write(self.dbapp, title, body, label="Delete", danger=True):
            return
        await self._write(
            lambda repo: (
                repo.soft_delete(row_id, detail.version)
                if soft
                else repo.delete(row_id, detail.version)
            ),
            f"Moved {label} to the trash" if soft else f"Deleted {label}",
        )

    def action_restore(self) -> None:
        row_id = self.current_id()
        if row_id is None or not self.writable():
            return
        self._restore(row_id)

    @work(exclusive=True, group="entity-delete", exit_on_error=False)
    async def _restore(self, row_id: int) -> None:
        try:
            label = self.SPEC.label(await self._get(row_id))
        except NotFoundError as error:
            self.notify(str(error), severity="warning")
            self.reload(keep_position=True)
            return
        title = f"Restore {self.SPEC.kind} {label} from the trash?"
        body = "It comes back to the list."
        if await confirm_write(self.dbapp, title, body, label="Restore", ask_elsewhere=False):
            await self._write(lambda repo: repo.restore(row_id), f"Restored {label}")

    async def _write(self, operation: Callable[[Any], Awaitable[Any]], done: str) -> None:
        try:
            async with self.dbapp.manager.session() as session:
                await operation(self.SPEC.repository(session))
        except (NotFoundError, StaleRecordError, ReadOnlyError, FieldErrors) as error:
            self.notify(self._message(error), severity="warning")
        else:
            self.notify(done)
        self.reload(keep_position=True)

    # -- export ----------------------------------------------------------------------------
    def action_export(self) -> None:
        from tui.screens.export_dialog import ExportScreen

        self.app.push_screen(
            ExportScreen(
                f"Export {self.SPEC.plural}",
                "This view (search, filter and sort included) to a .csv or .json file:",
                value=f"{self.SPEC.plural}.csv",
            ),
            self._export_to,
        )

    def _export_to(self, request: ExportRequest | None) -> None:
        if request is not None:
            self._export(request)

    @work(exclusive=True, group="entity-export", exit_on_error=False)
    async def _export(self, request: ExportRequest) -> None:
        from tui.export import export_rows

        path = request.path
        fields = self.SPEC.export_fields
        source = self.source()

        async def pages() -> Any:
            async for rows in source.all_rows():
                yield [tuple(getattr(row, name) for name in fields) for row in rows]

        state = self.query_one("#view-state", Static)

        def progress(done: int) -> None:
            state.update(Text(f"exporting… {done:,} rows", style="dim"))

        try:
            written = await export_rows(
                path, fields, pages(), progress, protect_formulas=not request.raw
            )
        except OSError as error:
            self.notify(f"Export failed: {error.strerror or error}", severity="error")
        else:
            raw = " (raw values)" if request.raw else ""
            self.notify(f"Exported {written:,} {self.SPEC.plural} to {path}{raw}")
        finally:  # a database error is reported by the worker handler; clear the progress
            self._show_view_state()

    # -- command palette -------------------------------------------------------------------
    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        plural = self.SPEC.plural
        yield (f"New {self.SPEC.kind}", f"Create a {self.SPEC.kind} (n)", self.action_new)
        yield (f"Search {plural}", f"Search the {plural} (/)", self.action_search)
        if self.SPEC.filter_fields(self):
            yield (f"Filter {plural}", f"Filter the {plural} (f)", self.action_filter)
        yield (f"Export {plural}", "Export this view to CSV or JSON (e)", self.action_export)
        yield (f"Refresh {plural}", "Reload from the database (r)", self.action_refresh)
        if self.SPEC.soft_delete:
            yield ("Trash", f"Show deleted {plural} (t)", self.action_trash)
        yield ("Seed demo data", "Fill the database with fake data", self.dbapp.action_seed)
