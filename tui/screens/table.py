"""`TableScreen`: any table, described by its `EntitySpec` — list, search, filter, sort, create,
edit, delete with its impact, trash, export, and drill-downs both ways along foreign keys.

A drill-down (`o` to the referenced row, `b` to the rows that reference this one) pushes another
`TableScreen`; `escape` pops it and the list it came from is as it was left (search, filters,
sort, cursor). The breadcrumb at the top shows the path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
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

from tui.cells import Labelled, escape_control
from tui.db.errors import SEARCH_REJECTED, DbTuiError, ReadOnlyError, rejected_search, short_error
from tui.entities.display import column_names, table_columns
from tui.entities.errors import NotFoundError, StaleRecordError
from tui.entities.keyset import LabelSort, label_sort
from tui.entities.query import Filter, TableQuery
from tui.entities.repository import EntityRepository
from tui.entities.source import EntitySource
from tui.schemas.errors import FieldErrors
from tui.screens.base import DbScreen
from tui.screens.write_confirm import WriteNotConfirmed, confirm_write
from tui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.admin import AdminAction, TableAdmin
    from tui.entities.registry import Registry
    from tui.entities.spec import ColumnSpec, EntitySpec, ForeignKeySpec
    from tui.fields import FormField, SearchCallback
    from tui.screens.export_dialog import ExportRequest

Row = Mapping[str, Any]


class TableScreen(DbScreen):
    """One table's rows with the standard keys of the UX contract, for any table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="table.new", tooltip="Add a row"),
        Binding("d", "delete", "Delete", id="table.delete", tooltip="Delete the current row"),
        Binding("slash", "search", "Search", id="table.search", tooltip="Search this table"),
        Binding("f", "filter", "Filter", id="table.filter", tooltip="Add a filter"),
        Binding("x", "clear_filters", "Unfilter", id="table.unfilter", tooltip="Drop filters"),
        Binding("o", "follow", "Open ref", id="table.follow", tooltip="Open the referenced row"),
        Binding(
            "b",
            "backlinks",
            "Referenced by",
            id="table.backlinks",
            tooltip="Rows that reference this one",
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="table.refresh",
            tooltip="Reload from the database",
            show=False,
        ),
        Binding(
            "t", "trash", "Trash", id="table.trash", tooltip="Show or leave the trash", show=False
        ),
        Binding(
            "u",
            "restore",
            "Restore",
            id="table.restore",
            tooltip="Restore from the trash",
            show=False,
        ),
        Binding(
            "e",
            "export",
            "Export",
            id="table.export",
            tooltip="Export this view to a file",
            show=False,
        ),
        Binding("escape", "back", "Back", id="table.back", tooltip="Clear the search, or go back"),
    ]

    def __init__(
        self,
        spec: EntitySpec,
        registry: Registry,
        *,
        query: TableQuery | None = None,
        trail: Sequence[str] = (),
        focus_key: tuple[Any, ...] | None = None,
        filter_labels: Mapping[Filter, str] | None = None,
    ) -> None:
        super().__init__()
        #: What this table's override changes (columns, form, search, actions).
        self.admin: TableAdmin = registry.admin(spec.name)
        self.spec = registry.labelled(spec)
        self.SCREEN_NAME = self.spec.label
        self.registry = registry
        self.query_state = query or TableQuery()
        #: The labels of the views this one was reached from (the breadcrumb).
        self.trail = (*trail, self._view_name())
        self.focus_key = focus_key
        #: The view before the last sort, while that sort may still be loading (escape).
        self._before_sort: TableQuery | None = None
        #: People's names for filter values chosen by picker (filter → label).
        self.filter_labels: dict[Filter, str] = dict(filter_labels or {})

    @classmethod
    def open(cls, spec: EntitySpec, registry: Registry, **options: Any) -> TableScreen:
        """A screen for `spec` with the keys of its admin's actions (`TableScreen` options)."""
        return screen_class(registry.admin(spec.name))(spec, registry, **options)

    def _view_name(self) -> str:
        return self.spec.label

    def _repo(self, session: AsyncSession) -> EntityRepository:
        return EntityRepository(self.spec, session, self.admin)

    def current_values(self) -> dict[str, Any] | None:
        """The current row's values by column name, as stored (a foreign key's value, not the
        label shown with it); ``None`` when the list is empty."""
        row = self.table.current_row
        if row is None:
            return None
        stored = (c.value if isinstance(c, Labelled) else c for c in row.cells)
        return dict(zip(column_names(self.spec, self.admin), stored, strict=True))

    @property
    def form_columns(self) -> tuple[ColumnSpec, ...]:
        return self.admin.form(self.spec)

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static(Text(" > ".join(self.trail)), id="trail", classes="trail")
        yield Static(id="view-state", classes="view-state")
        yield RecordTable(table_columns(self.spec, self.admin), id="table")
        yield Static(id="empty-hint", classes="empty-hint -hidden")

    @property
    def table(self) -> RecordTable:
        return self.query_one("#table", RecordTable)

    @property
    def dialect(self) -> str:
        """The backend's name (``sqlite``, ``postgresql``): a column's variant for it is edited."""
        return self.dbapp.manager.settings.url().get_backend_name()

    @property
    def is_drill_down(self) -> bool:
        """Reached from another list (`escape` goes back to it)."""
        return len(self.trail) > 1

    @property
    def read_only(self) -> bool:
        return self.spec.read_only_reason is not None

    @property
    def in_trash(self) -> bool:
        return self.query_state.trash

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        soft = self.spec.soft_delete_column is not None
        if action == "trash":
            return soft
        if action == "restore":
            return soft and self.in_trash
        if action in ("new", "delete"):
            return not self.read_only
        if action == "follow":
            return bool(self.spec.foreign_keys)
        if action == "backlinks":
            return bool(self.spec.backlinks or self.spec.many_to_many) and not self.read_only
        if action == "clear_filters":
            return bool(self.query_state.filters)
        if action == "back":  # offered where it does something: a search, or a drill-down
            searching = bool(self.query("#search-bar")) or bool(self.query_state.search)
            return searching or self.is_drill_down
        if action == "admin":
            found = self._admin_action(str(parameters[0])) if parameters else None
            return found is not None and not (found.writes and self.read_only)
        return True

    def on_mount(self) -> None:
        self.table.focus()

    # -- loading ---------------------------------------------------------------------------
    def on_database_changed(self) -> None:
        self.reload()
        if self.focus_key is not None:
            self._move_to(self.focus_key)
            self.focus_key = None

    def source(self) -> EntitySource:
        return EntitySource(self.dbapp.manager, self.spec, self.query_state, self.admin)

    def reload(self, *, keep_position: bool = False) -> None:
        """Show the current query from the database (after any change)."""
        query = self.query_state
        self.table.set_sort(query.sort, query.descending)
        self.table.reload(self.source(), keep_position=keep_position)
        self._show_view_state()

    def set_query(self, query: TableQuery) -> None:
        self.query_state = query
        self.reload()

    def show_row(self, key: tuple[Any, ...]) -> None:
        """Put the cursor on the row with `key` (a jump to it from another screen)."""
        self._move_to(key)

    @work(exclusive=True, group="table-move", exit_on_error=False)
    async def _move_to(self, key: tuple[Any, ...]) -> None:
        """Put the cursor on the row with `key` in this view (after a jump to it)."""
        async with self.dbapp.manager.read_session() as session:
            repository = self._repo(session)
            try:
                cursor = await repository.cursor_at(key, self.query_state)
            except NotFoundError as error:
                self.notify(str(error), severity="warning")
                return
            position = await repository.position(self.query_state, cursor)
        self.table.go_to_row(position)

    def describe_view(self) -> str:
        """Search, filters and sort in column labels (``published: yes · sort title ↑``)."""
        query = self.query_state
        parts: list[str] = []
        if query.filters:  # the dialog's module (forms, TextArea) is not needed for a first list
            from tui.screens.filter_dialog import describe

            parts = [describe(self.spec, f, self.filter_labels.get(f)) for f in query.filters]
        if query.search:
            parts.insert(0, f"search “{query.search}”")
        if query.sort is not None:
            arrow = "↓" if query.descending else "↑"
            by = label_sort(self.spec, query.sort) if query.sort in self.spec.table.c else None
            how = f" ({by.label.label})" if isinstance(by, LabelSort) else ""
            why = f" (by the key it holds: {by})" if isinstance(by, str) else ""
            parts.append(f"sort {self._column_label(query.sort)}{how} {arrow}{why}")
        return " · ".join(parts)

    def _column_label(self, name: str) -> str:
        extra = next((c for c in self.admin.extra_columns if c.name == name), None)
        return extra.label if extra is not None else self.spec.column(name).label

    def _show_view_state(self) -> None:
        parts: list[str] = []
        if self.in_trash:
            parts.append("TRASH")
        if self.spec.read_only_reason:
            parts.append(f"read-only: {self.spec.read_only_reason}")
        view = self.describe_view()
        if view:
            parts.append(view)
        self.query_one("#view-state", Static).update(
            Text(escape_control(" · ".join(parts)), style="dim")
        )
        self.refresh_bindings()

    @on(RecordTable.Counted)
    def _show_empty_hint(self, event: RecordTable.Counted) -> None:
        """Under an empty list, say what hides the rows, or how to add one."""
        hint = self.query_one("#empty-hint", Static)
        if event.total > 0 or event.estimated:
            hint.set_class(True, "-hidden")
            return
        query = self.query_state
        hiding = []
        if query.search:
            hiding.append(f"the search “{query.search}” (escape clears it)")
        if query.filters:
            hiding.append(f"the filter {self.describe_view()} (x clears filters)")
        if self.in_trash:
            message = "The trash is empty (t goes back to the list)."
        elif hiding:
            message = "No rows match: " + " and ".join(hiding) + "."
        elif self.read_only:
            message = f"{self.spec.label} has no rows."
        else:
            message = (
                self.admin.empty_hint or f"{self.spec.label} has no rows yet. Press n to add one."
            )
        hint.update(Text(escape_control(message)))
        hint.set_class(False, "-hidden")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Report this screen's failed workers (their state changes do not bubble)."""
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            self.notify(self._message(error), title="Error", severity="error", timeout=8)

    def _message(self, error: BaseException) -> str:
        return short_error(error, database=self.dbapp.manager.settings)

    # -- table events ----------------------------------------------------------------------
    @on(RecordTable.SortRequested, "#table")
    def _sort_requested(self, event: RecordTable.SortRequested) -> None:
        from tui.entities.keyset import sortable

        if any(c.name == event.column_key for c in self.admin.extra_columns):
            query = self.query_state.replace(sort=event.column_key, descending=event.descending)
            self.set_query(query)
            return
        column = self.spec.column(event.column_key)
        ok, why = sortable(self.spec, column.name)
        if not ok:
            self.notify(why, severity="warning")
            return
        if why:
            self.notify(f"{why} (escape cancels a slow sort)")
        self._before_sort = self.query_state
        self.set_query(self.query_state.replace(sort=column.name, descending=event.descending))

    @on(RecordTable.RowSelected, "#table")
    def _row_selected(self, event: RecordTable.RowSelected) -> None:
        self._open(event.row_id)

    @on(RecordTable.LoadFailed, "#table")
    def _load_failed(self, event: RecordTable.LoadFailed) -> None:
        if rejected_search(event.error):
            event.stop()
            if self.query_state.search:
                self.set_query(self.query_state.replace(search=None))
            self._show_search_problem(SEARCH_REJECTED)  # the bar keeps the text to shorten
            return
        self.notify(self._message(event.error), title="Cannot load", severity="error")

    def current_key(self) -> tuple[Any, ...] | None:
        row = self.table.current_row
        if row is None or self.read_only:
            return None
        assert isinstance(row.id, tuple), "the rows of a table are known by their key"
        return row.id

    # -- search, filters, back -------------------------------------------------------------
    async def action_search(self) -> None:
        bars = self.query("#search-bar")
        if bars:
            bars.first().set_class(False, "-hidden")
        else:
            what = ", ".join(self.spec.column(c).label for c in self.spec.search_columns)
            hint = self.admin.search_hint or f"search {what or 'this table'}"
            hint += " — enter to apply, escape to clear"
            bar = Horizontal(
                Static(Text("/"), id="search-label"),
                Input(placeholder=hint, id="search"),
                Static(id="search-problem"),
                id="search-bar",
            )
            await self.mount(bar, before="#view-state")
        self.query_one("#search", Input).focus()

    def _show_search_problem(self, problem: str) -> None:
        for shown in self.query("#search-problem").results(Static):
            shown.update(Text(problem))

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._show_search_problem("")
        self.set_query(self.query_state.replace(search=event.value.strip() or None))
        self.table.focus()

    def action_back(self) -> None:
        """Cancel a sort still loading; clear the search; else leave a drill-down for the view
        it came from."""
        if self._before_sort is not None and self.table.is_loading:
            self.set_query(self._before_sort)
            self._before_sort = None
            self.notify("Sort cancelled")
            return
        search = next(self.query("#search").results(Input), None)
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
            return
        if self.is_drill_down and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_filter(self) -> None:
        from tui.screens.filter_dialog import FilterScreen

        column = self.table.current_column
        screen = FilterScreen(self.spec, self.pickers(), column.key if column else None)
        self.app.push_screen(screen, self._filter_chosen)

    def _filter_chosen(self, chosen: tuple[Filter, str | None] | None) -> None:
        if chosen is None:
            return
        item, label = chosen
        if label is not None:
            self.filter_labels[item] = label
        self.set_query(self.query_state.replace(filters=(*self.query_state.filters, item)))

    def action_clear_filters(self) -> None:
        self.set_query(self.query_state.replace(filters=()))

    def action_trash(self) -> None:
        self.set_query(self.query_state.replace(trash=not self.in_trash))

    def action_refresh(self) -> None:
        self.reload(keep_position=True)

    # -- foreign keys: pickers, labels, drill-downs ----------------------------------------
    def pickers(self) -> dict[str, SearchCallback]:
        """A search of the referenced rows for each single-column foreign key, and of the
        linked rows for each many-to-many (by its name: a filter's picker)."""
        found: dict[str, SearchCallback] = {
            fk.columns[0]: partial(self._search_target, fk)
            for fk in self.spec.foreign_keys
            if len(fk.columns) == 1
        }
        for link in self.spec.many_to_many:
            if len(link.remote.columns) == 1:
                found[link.name] = partial(self._search_target, link.remote)
        return found

    async def _target(self, name: str) -> EntitySpec:
        """Entity `name` as its admin labels it (its pickers show its label column)."""
        spec = await self.registry.entity(self.dbapp.manager, name)
        return self.registry.labelled(spec)

    async def _search_target(self, fk: ForeignKeySpec, text: str) -> list[tuple[Any, str]]:
        target = await self._target(fk.target)
        async with self.dbapp.manager.read_session() as session:
            found = await EntityRepository(target, session).choices(text)
        index = target.primary_key.index(fk.target_columns[0])
        return [(key[index], label) for key, label in found]

    async def _labels(self, row: Row) -> dict[str, tuple[Any, str]]:
        """(value, label) of each set single-column foreign key of `row`, for the form."""
        labels: dict[str, tuple[Any, str]] = {}
        for fk in self.spec.foreign_keys:
            value = row.get(fk.columns[0])
            if len(fk.columns) != 1 or value is None:
                continue
            target = await self._target(fk.target)
            if target.primary_key != fk.target_columns:
                continue
            async with self.dbapp.manager.read_session() as session:
                found = await EntityRepository(target, session).labels([(value,)])
            labels[fk.columns[0]] = (value, found.get((value,), str(value)))
        return labels

    def action_follow(self) -> None:
        values = self.current_values()
        if values is None:
            return
        fks = [
            fk
            for fk in self.spec.foreign_keys
            if all(values.get(c) is not None for c in fk.columns)
        ]
        current = self.table.current_column
        here = [fk for fk in fks if current is not None and current.key in fk.columns]
        if here or len(fks) == 1:
            self._follow((here or fks)[0], values)
        elif not fks:
            self.notify("This row references no other row.")
        else:
            from tui.screens.choose import ChooseScreen

            titles = [self._fk_title(fk) for fk in fks]

            def chosen(index: int | None) -> None:
                if index is not None:
                    self._follow(fks[index], values)

            self.app.push_screen(ChooseScreen("Open which referenced row?", titles), chosen)

    def _fk_title(self, fk: ForeignKeySpec) -> str:
        labels = ", ".join(self.spec.column(c).label for c in fk.columns)
        return f"{labels} → {fk.target}"

    @work(exclusive=True, group="table-follow", exit_on_error=False)
    async def _follow(self, fk: ForeignKeySpec, values: Row) -> None:
        """Open the referenced table with the cursor on the referenced row."""
        target = await self._target(fk.target)
        by_target = dict(zip(fk.target_columns, (values[c] for c in fk.columns), strict=True))
        if set(target.primary_key) == set(by_target):
            key = tuple(by_target[c] for c in target.primary_key)
            screen = TableScreen.open(target, self.registry, trail=self.trail, focus_key=key)
        else:  # a foreign key to a unique column that is not the key: list that row
            filters = tuple(Filter(c, "eq", v) for c, v in by_target.items())
            screen = TableScreen.open(
                target, self.registry, query=TableQuery(filters=filters), trail=self.trail
            )
        await self.app.push_screen(screen)

    def action_backlinks(self) -> None:
        key = self.current_key()
        values = self.current_values()
        if key is None or values is None:
            return
        choices: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        for link in self.spec.backlinks:
            columns = ", ".join(link.foreign_key.columns)
            title = f"{link.source} whose {columns} is this row"
            choices.append(
                (title, partial(self._open_backlink, link.source, link.foreign_key, values))
            )
        for m2m in self.spec.many_to_many:
            title = f"{m2m.target} linked through {m2m.via}"
            choices.append((title, partial(self._open_linked, m2m.target, m2m.via, key)))
        if len(choices) == 1:
            self._drill(choices[0][1])
            return
        from tui.screens.choose import ChooseScreen

        def chosen(index: int | None) -> None:
            if index is not None:
                self._drill(choices[index][1])

        self.app.push_screen(
            ChooseScreen("Rows that reference this one", [t for t, _ in choices]), chosen
        )

    @work(exclusive=True, group="table-follow", exit_on_error=False)
    async def _drill(self, open_view: Callable[[], Awaitable[None]]) -> None:
        await open_view()

    def _row_label(self, values: Row) -> str:
        return f"{self.admin.noun(self.spec)} {self.spec.label_of(values)}"

    async def _open_backlink(self, source: str, fk: ForeignKeySpec, values: Row) -> None:
        """The rows of `source` whose foreign key `fk` points at this row."""
        target = await self._target(source)
        filters = tuple(
            Filter(column, "eq", values[remote])
            for column, remote in zip(fk.columns, fk.target_columns, strict=True)
        )
        label = self._row_label(values)
        labels = {f: label for f in filters} if len(filters) == 1 else {}
        await self.app.push_screen(
            TableScreen.open(
                target,
                self.registry,
                query=TableQuery(filters=filters),
                trail=self.trail,
                filter_labels=labels,
            )
        )

    async def _open_linked(self, target_name: str, via: str, key: tuple[Any, ...]) -> None:
        """The rows of `target_name` linked to this row through the association `via`."""
        target = await self._target(target_name)
        reverse = next(
            (m for m in target.many_to_many if m.via == via and m.target == self.spec.name), None
        )
        if reverse is None:
            self.notify(f"{target.label} does not link back through {via}", severity="warning")
            return
        item = Filter(reverse.name, "linked", key)
        row = self.table.current_row
        label = self.spec.label if row is None else f"{self.spec.label} {row.id}"
        await self.app.push_screen(
            TableScreen.open(
                target,
                self.registry,
                query=TableQuery(filters=(item,)),
                trail=self.trail,
                filter_labels={item: label},
            )
        )

    # -- writes ----------------------------------------------------------------------------
    def writable(self) -> bool:
        """False (with a message) on a read-only table or a locked production database."""
        if self.read_only:
            self.notify(
                f"{self.spec.label} is read-only: {self.spec.read_only_reason}", severity="warning"
            )
            return False
        if self.dbapp.manager.read_only:
            self.notify(
                "Production is read-only. Unlock writes in Settings (5) first.",
                title="Read-only",
                severity="warning",
            )
            return False
        return True

    async def _confirm_save(self, title: str) -> None:
        body = f"Write to {self.spec.label}.\nDatabase: {self.dbapp.manager.settings.masked_url}"
        if not await confirm_write(self.dbapp, title, body, label="Save", ask_elsewhere=False):
            raise WriteNotConfirmed("Not saved: the write was not confirmed.")

    def _form_errors(self, errors: FieldErrors) -> Exception:
        from tui.screens.modals import FormErrors
        from tui.widgets.record_form import FORM_ERROR_KEY

        names = {c.name for c in self.form_columns}
        names.update(field.name for field in self.admin.extra_fields(self, new=False))
        return FormErrors(
            {
                name if name in names else FORM_ERROR_KEY: message
                for name, message in errors.errors.items()
            }
        )

    def _form_fields(self, *, new: bool) -> list[FormField]:
        """The form: the admin's columns and extra fields, in its order."""
        from tui.entities.forms import form_fields

        fields = form_fields(
            self.form_columns, new=new, pickers=self.pickers(), dialect=self.dialect
        )
        return self.admin.arrange([*fields, *self.admin.extra_fields(self, new=new)])

    async def _to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        """The row to write from the form's `values` (only the changed ones on an edit);
        `FieldErrors` names every bad field at once (the columns' and the admin's)."""
        from tui.entities.forms import from_form_values

        data: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for column in self.form_columns:
            try:
                data |= from_form_values([column], values, new=new, dialect=self.dialect)
            except FieldErrors as bad:
                errors |= bad.errors
        columns = {c.name for c in self.form_columns}
        extras = {name: value for name, value in values.items() if name not in columns}
        try:
            row = await asyncio.to_thread(self.admin.to_row, {**data, **extras}, new=new)
        except FieldErrors as bad:
            raise FieldErrors(bad.errors | errors) from None
        if errors:
            raise FieldErrors(errors)
        table_columns = {c.name for c in self.spec.columns}
        return {name: value for name, value in row.items() if name in table_columns}

    def action_new(self) -> None:
        if not self.writable():
            return
        from tui.screens.modals import FormScreen

        fields = self._form_fields(new=True)
        self.app.push_screen(
            # NOT NULL text may hold "": from_form_values checks what is required
            FormScreen(
                f"New {self.admin.noun(self.spec)}",
                fields,
                {},
                save=self._save_new,
                check_required=False,
                on_change=self.admin.field_changed,
            ),
            self._saved,
        )

    async def _save_new(self, values: dict[str, Any]) -> str:
        try:
            data = await self._to_row(values, new=True)
        except FieldErrors as errors:
            raise self._form_errors(errors) from None
        await self._confirm_save(f"Add this {self.admin.noun(self.spec)}?")
        try:
            async with self.dbapp.manager.session() as session:
                data = await self.admin.before_save(session, None, data, new=True)
                key = await self._repo(session).insert(data)
                await self.admin.after_save(session, key, values, new=True)
        except FieldErrors as errors:
            raise self._form_errors(errors) from None
        except (SQLAlchemyError, OSError) as error:  # OSError: the server is unreachable
            raise DbTuiError(self._message(error)) from error
        added = {**data, **dict(zip(self.spec.primary_key, key, strict=True))}
        return f"Added {self._row_label(added)}"

    def _saved(self, message: str | None) -> None:
        if message:
            self.notify(escape_control(message))
            self.reload(keep_position=True)

    def open_record(self, key: Any) -> None:
        """Open the form of the row with primary key `key` (a tuple, or one value)."""
        self._open(key if isinstance(key, tuple) else (key,))

    @work(exclusive=True, group="table-open", exit_on_error=False)
    async def _open(self, key: tuple[Any, ...]) -> None:
        """The row's form: editable unless the table or the database is read-only."""
        from tui.entities.forms import form_fields, to_form_values
        from tui.screens.modals import FormScreen

        if self.read_only:
            values = self.current_values()
            if values is None:
                return
            shown = [c for c in self.form_columns if c.name in values]
            fields = form_fields(shown, new=False, dialect=self.dialect)
            title = f"{self.spec.label} (read-only: {self.spec.read_only_reason})"
            self.app.push_screen(
                FormScreen(title, fields, to_form_values(shown, values, dialect=self.dialect))
            )
            return
        try:
            async with self.dbapp.manager.read_session() as session:
                original = await self._repo(session).get(key)
                extra_values = await self.admin.extra_values(session, key)
        except NotFoundError as error:
            self.notify(str(error), severity="warning")
            self.reload(keep_position=True)
            return
        form_values = to_form_values(self.form_columns, original, dialect=self.dialect)
        form_values.update(extra_values)
        form_values.update(await self._labels(original))
        title = f"Edit {self._row_label(original)}"
        if self.dbapp.manager.read_only:
            title += " (read-only)"
        fields = self._form_fields(new=False)
        self.app.push_screen(
            FormScreen(
                title,
                fields,
                form_values,
                save=partial(self._save_existing, key, [original]),
                changes_only=True,
                check_required=False,
                on_change=self.admin.field_changed,
            ),
            self._saved,
        )

    async def _save_existing(
        self, key: tuple[Any, ...], original: list[Row], values: dict[str, Any]
    ) -> str:
        """Write the changed `values` if the row still holds what the form was opened with
        (its version, or the edited columns' values); else raise `FormConflict`."""
        from tui.entities.forms import to_form_values
        from tui.screens.modals import FormConflict, FormErrors
        from tui.widgets.record_form import FORM_ERROR_KEY

        if self.dbapp.manager.read_only:
            raise FormErrors({FORM_ERROR_KEY: "read-only: unlock writes in Settings (5)"})
        try:
            changes = await self._to_row(values, new=False) if values else {}
        except FieldErrors as errors:
            raise self._form_errors(errors) from None
        label = self._row_label(original[0])
        await self._confirm_save(f"Save {label}?")
        try:
            async with self.dbapp.manager.session() as session:
                changes = await self.admin.before_save(session, key, changes, new=False)
                await self._repo(session).update(key, changes, original[0])
                await self.admin.after_save(session, key, values, new=False)
        except FieldErrors as errors:
            raise self._form_errors(errors) from None
        except (SQLAlchemyError, OSError) as error:  # OSError: the server is unreachable
            raise DbTuiError(self._message(error)) from error
        except StaleRecordError as stale:
            if stale.current is None:
                self.reload(keep_position=True)
                raise FormErrors(
                    {FORM_ERROR_KEY: f"This row of {self.spec.label} was deleted meanwhile."}
                ) from None
            current: Row = stale.current

            def take_theirs() -> None:
                original[0] = current

            async def overwrite() -> str:
                take_theirs()
                return await self._save_existing(key, original, values)

            theirs = to_form_values(self.form_columns, current, dialect=self.dialect)
            theirs.update(await self._labels(current))
            async with self.dbapp.manager.read_session() as session:
                theirs.update(await self.admin.extra_values(session, key))
            raise FormConflict(theirs, overwrite=overwrite, reload=take_theirs) from None
        return f"Saved {self._row_label({**original[0], **changes})}"

    def action_delete(self) -> None:
        key = self.current_key()
        if key is None or not self.writable():
            return
        self._ask_delete(key)

    @work(exclusive=True, group="table-delete", exit_on_error=False)
    async def _ask_delete(self, key: tuple[Any, ...]) -> None:
        try:
            async with self.dbapp.manager.read_session() as session:
                repo = self._repo(session)
                original = await repo.get(key)
                impact = await repo.delete_impact(key)
        except NotFoundError as error:
            self.notify(str(error), severity="warning")
            self.reload(keep_position=True)
            return
        label = self._row_label(original)
        soft = self.spec.soft_delete_column is not None and not self.in_trash
        if impact.refused and not soft:
            self.notify(f"Cannot delete {label}: {impact.reason}", severity="warning", timeout=10)
            return
        if soft:
            title = f"Move {label} to the trash?"
            body = "It can be restored from the trash (t). Nothing else changes."
        else:
            title = f"Delete {label} permanently?"
            body = f"{self.admin.impact_text(impact)} It cannot be undone."
        if not await confirm_write(self.dbapp, title, body, label="Delete", danger=True):
            return

        async def delete(repo: EntityRepository) -> None:
            if soft:
                await repo.soft_delete(key, original)
            else:
                await repo.delete(key, original)

        await self.write(delete, f"Moved {label} to the trash" if soft else f"Deleted {label}")

    def action_restore(self) -> None:
        key = self.current_key()
        if key is None or not self.writable():
            return
        self._restore(key)

    @work(exclusive=True, group="table-delete", exit_on_error=False)
    async def _restore(self, key: tuple[Any, ...]) -> None:
        title = f"Restore this row of {self.spec.label} from the trash?"
        if await confirm_write(
            self.dbapp, title, "It comes back to the list.", label="Restore", ask_elsewhere=False
        ):
            await self.write(lambda repo: repo.restore(key), "Restored")

    async def write(
        self, operation: Callable[[EntityRepository], Awaitable[Any]], done: str
    ) -> None:
        """Run `operation` in one write session, say `done` (or what failed), reload."""
        try:
            async with self.dbapp.manager.session() as session:
                await operation(self._repo(session))
        except (
            NotFoundError,
            StaleRecordError,
            ReadOnlyError,
            FieldErrors,
            SQLAlchemyError,
        ) as error:
            self.notify(self._message(error), severity="warning")
        else:
            self.notify(escape_control(done))
        self.reload(keep_position=True)

    # -- export ----------------------------------------------------------------------------
    def action_export(self) -> None:
        from tui.screens.export_dialog import ExportScreen

        name = self.spec.name.replace(".", "_")
        self.app.push_screen(
            ExportScreen(
                f"Export {self.spec.label}",
                "This view (search, filter and sort included) to a .csv or .json file:",
                value=f"{name}.csv",
            ),
            self._export_to,
        )

    def _export_to(self, request: ExportRequest | None) -> None:
        if request is not None:
            self._export(request)

    @work(exclusive=True, group="table-export", exit_on_error=False)
    async def _export(self, request: ExportRequest) -> None:
        from tui.export import export_rows

        names = list(column_names(self.spec, self.admin))
        source = self.source()

        async def pages() -> Any:
            async for rows in source.all_rows():
                yield [tuple(row[name] for name in names) for row in rows]

        state = self.query_one("#view-state", Static)

        def progress(done: int) -> None:
            state.update(Text(f"exporting… {done:,} rows", style="dim"))

        try:
            written = await export_rows(
                request.path, names, pages(), progress, protect_formulas=not request.raw
            )
        except OSError as error:
            self.notify(f"Export failed: {error.strerror or error}", severity="error")
        else:
            raw = " (raw values)" if request.raw else ""
            self.notify(f"Exported {written:,} rows of {self.spec.label} to {request.path}{raw}")
        finally:
            self._show_view_state()

    # -- command palette -------------------------------------------------------------------
    def palette_commands(self) -> Iterable[tuple[str, str, object]]:
        label = self.spec.label
        if not self.read_only:
            noun = self.admin.noun(self.spec)
            yield (f"New {noun} ({label})", "Add a row (n)", self.action_new)
        yield (f"Search {label}", "Search this table (/)", self.action_search)
        yield (f"Filter {label}", "Add a filter (f)", self.action_filter)
        yield (f"Export {label}", "Export this view to CSV or JSON (e)", self.action_export)
        yield (f"Refresh {label}", "Reload from the database (r)", self.action_refresh)
        if self.spec.soft_delete_column is not None:
            yield (f"Trash of {label}", "Show or leave the deleted rows (t)", self.action_trash)
        for item in self.admin.actions:
            if self.check_action("admin", (item.name,)):
                title = item.palette or f"{item.label} ({label})"
                yield (title, f"{item.tooltip} ({item.key})", partial(self.action_admin, item.name))

    # -- the admin's actions ---------------------------------------------------------------
    def _admin_action(self, name: str) -> AdminAction | None:
        return next((a for a in self.admin.actions if a.name == name), None)

    async def action_admin(self, name: str) -> None:
        """Run the admin's action `name` (a key of this table's override)."""
        found = self._admin_action(name)
        if found is None or (found.needs_row and self.table.current_row is None):
            return
        if found.writes and not self.writable():
            return
        result = found.run(self)
        if result is not None:
            await result

    def run_write(self, work: Awaitable[None]) -> None:
        """Run `work` (which asks and writes) in a worker that quitting warns about."""
        self.run_worker(work, group="table-write", exclusive=True, exit_on_error=False)


_SCREEN_CLASSES: dict[TableAdmin, type[TableScreen]] = {}


def screen_class(admin: TableAdmin) -> type[TableScreen]:
    """`TableScreen`, or a subclass with a key binding per action of `admin`."""
    if not admin.actions:
        return TableScreen
    found = _SCREEN_CLASSES.get(admin)
    if found is None:
        bindings = [
            Binding(a.key, f"admin('{a.name}')", a.label, id=f"admin.{a.name}", tooltip=a.tooltip)
            for a in admin.actions
        ]
        name = f"{type(admin).__name__}Screen"
        found = type(name, (TableScreen,), {"BINDINGS": bindings})
        _SCREEN_CLASSES[admin] = found
    return found
