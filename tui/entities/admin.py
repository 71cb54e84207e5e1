"""`TableAdmin`: what one table's screen changes from what its metadata gives, in the spirit of
Django's ``ModelAdmin``. Every hook defaults to the metadata's answer, so an override class
sets only what differs::

    class TagAdmin(TableAdmin):
        list_columns = ("id", "name")
        extra_columns = (ExtraColumn("post_count", "Posts", post_count),)
        form_columns = ("name",)
        actions = (AdminAction("m", "merge", "Merge", "Merge into another tag", merge),)

Hooks beyond the columns: `extra_fields`/`extra_values` (form fields that are not columns),
`to_row` (validate, derive), `before_save`/`after_save` (in the write transaction: fill what
needs the database, write related rows), `search` (e.g. a full-text index), `field_changed`
(a form reacting while typing), `actions` (extra keys). Filters need no hook: the dialog
offers every column by type and each many-to-many by a picker of its rows.

A form's save runs `to_row` (in a worker thread), then in one transaction `before_save`, the
INSERT or UPDATE, and `after_save`; `FieldErrors` from any of them shows at the fields.

`Registry` holds admins by table name; `TableScreen`, `EntityRepository` and `EntitySource`
consult them and stay free of table names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.impact import DeleteImpact
    from tui.entities.spec import ColumnSpec, EntitySpec
    from tui.fields import FormField
    from tui.screens.table import TableScreen
    from tui.widgets.record_form import RecordForm


@dataclass(frozen=True, slots=True)
class ExtraColumn:
    """A read-only computed column of the list: `expression(table)` is a SQL expression
    (e.g. a correlated scalar subquery) selected as `name`. `sortable` lets lists sort by it
    (by keyset on the expression: it must never be NULL, and each page computes it for
    every row that matches, so keep it to small tables or cheap expressions)."""

    name: str
    label: str
    expression: Callable[[Table], ColumnElement[Any]]
    width: int = 9
    align: str = "right"
    sortable: bool = False
    #: Why the list cannot sort by it (said when someone tries).
    unsortable_reason: str = ""


@dataclass(frozen=True, slots=True)
class AdminAction:
    """An extra key of the table's screen (a drill-down, or a write such as a merge).

    `run(screen)` is called with the `TableScreen`; it reads the current row from it and may
    push screens, confirm and write through `screen.write`. `palette` titles its command
    palette entry (``None``: the binding's `label`)."""

    key: str
    name: str
    label: str
    tooltip: str
    run: Callable[[TableScreen], Awaitable[None] | None]
    palette: str | None = None
    needs_row: bool = True
    writes: bool = False


class TableAdmin:
    """The default: everything from the metadata. Subclass and set what differs."""

    #: What one row is called in titles ("New tag", "Delete tag python?"); ``None``: derived
    #: from the table's name ("order_lines" -> "order line").
    singular: ClassVar[str | None] = None
    #: Shown columns of the table, in order (``None``: every column in table order); may name
    #: `extra_columns` to place them (those not named come last).
    list_columns: ClassVar[tuple[str, ...] | None] = None
    #: Column labels that differ from the metadata's (column name -> label).
    labels: ClassVar[Mapping[str, str]] = {}
    #: List headers that differ from the labels (a narrow column: ``{"is_published": "Pub"}``).
    headers: ClassVar[Mapping[str, str]] = {}
    #: List widths (cells) that differ from what the column's type gives.
    widths: ClassVar[Mapping[str, int]] = {}
    #: The column that names a row in titles and pickers (``None``: the metadata's choice,
    #: its first unique text column).
    label_column: ClassVar[str | None] = None
    #: What the search bar says it searches (``None``: the text columns it matches).
    search_hint: ClassVar[str | None] = None
    #: The columns a search looks in (``None``: every text column).
    search_columns: ClassVar[tuple[str, ...] | None] = None
    #: What the empty list says when no search or filter hides rows (``None``: "<table> has
    #: no rows yet. Press n to add one.").
    empty_hint: ClassVar[str | None] = None
    #: Computed read-only columns, shown after the table's columns.
    extra_columns: ClassVar[tuple[ExtraColumn, ...]] = ()
    #: The form's columns and `extra_fields`, in order (``None``: every column, then the extras).
    form_columns: ClassVar[tuple[str, ...] | None] = None
    #: Extra keys of the screen (drill-downs, merges, ...).
    actions: ClassVar[tuple[AdminAction, ...]] = ()

    def noun(self, spec: EntitySpec) -> str:
        """What one row is called (`singular`)."""
        from tui.entities.introspect import singular

        return self.singular or singular(spec.table.name)

    def labelled(self, spec: EntitySpec) -> EntitySpec:
        """`spec` with this admin's column `labels`, `label_column` and `search_columns`
        (every screen, dialog and repository then uses them)."""
        from dataclasses import replace

        columns = tuple(
            replace(c, label=self.labels[c.name]) if c.name in self.labels else c
            for c in spec.columns
        )
        return replace(
            spec,
            columns=columns,
            label_column=self.label_column or spec.label_column,
            search_columns=(
                spec.search_columns if self.search_columns is None else self.search_columns
            ),
        )

    def shown(self, spec: EntitySpec) -> tuple[ColumnSpec, ...]:
        """The table's columns the list shows."""
        if self.list_columns is None:
            return spec.columns
        names = {c.name for c in spec.columns}
        return self._pick(spec, tuple(n for n in self.list_columns if n in names))

    def listed(self, spec: EntitySpec) -> tuple[ColumnSpec | ExtraColumn, ...]:
        """The list's columns in order: `shown` and `extra_columns`, as `list_columns` says."""
        found: list[ColumnSpec | ExtraColumn] = [*self.shown(spec), *self.extra_columns]
        if self.list_columns is None:
            return tuple(found)
        order = {name: index for index, name in enumerate(self.list_columns)}
        return tuple(sorted(found, key=lambda c: order.get(c.name, len(order))))

    def form(self, spec: EntitySpec) -> tuple[ColumnSpec, ...]:
        """The columns the form edits (the names of `form_columns` that are columns)."""
        if self.form_columns is None:
            return spec.columns
        names = {c.name for c in spec.columns}
        return self._pick(spec, tuple(n for n in self.form_columns if n in names))

    def extra_fields(self, screen: TableScreen, *, new: bool) -> Sequence[FormField]:
        """Form fields that are not columns of the table (a password, a related row's
        columns, a many-to-many's names). `to_row` and `after_save` receive their values;
        `extra_values` fills them for an edit."""
        return ()

    async def extra_values(self, session: AsyncSession, key: tuple[Any, ...]) -> dict[str, Any]:
        """The form values of `extra_fields` for the stored row `key`."""
        return {}

    def arrange(self, fields: Sequence[FormField]) -> list[FormField]:
        """`fields` in the order of `form_columns` (the rest after, as given)."""
        if self.form_columns is None:
            return list(fields)
        order = {name: index for index, name in enumerate(self.form_columns)}
        return sorted(fields, key=lambda field: order.get(field.name, len(order)))

    def _pick(self, spec: EntitySpec, names: tuple[str, ...] | None) -> tuple[ColumnSpec, ...]:
        return spec.columns if names is None else tuple(spec.column(n) for n in names)

    def search(self, table: Table, term: str) -> ColumnElement[bool] | None:
        """A SQL condition for the search `term` (``None``: match the text columns)."""
        return None

    def field_changed(self, form: RecordForm, name: str) -> None:
        """The user changed the form's field `name`: adjust others (e.g. preview a value
        derived from it in another field's placeholder)."""

    def to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        """The row values to write, from the form's (only the changed ones on an edit, the
        `extra_fields` included): validate, hash, derive. Raise `FieldErrors` to show errors
        at the fields. Names that are not columns of the table are then left out. It runs in
        a worker thread (slow work such as hashing a password is fine; no screen access)."""
        return values

    async def before_save(
        self, session: AsyncSession, key: tuple[Any, ...] | None, row: dict[str, Any], *, new: bool
    ) -> dict[str, Any]:
        """The row to write (`to_row`'s, columns only), completed with what needs the
        database (a unique slug, say) or checked against it (a uniqueness the constraint would
        report less clearly), in the write transaction; `key` is ``None`` for a new row. Raise
        `FieldErrors` to show errors at the fields."""
        return row

    async def after_save(
        self, session: AsyncSession, key: tuple[Any, ...], values: Mapping[str, Any], *, new: bool
    ) -> None:
        """Write related rows in the same transaction, after the row itself (`values`: the
        form's, only the changed ones on an edit, `extra_fields` included)."""

    def impact_text(self, impact: DeleteImpact) -> str:
        """The delete confirmation's sentence about what else a delete takes."""
        return f"This {impact}."


#: The admin of tables nobody wrote one for.
DEFAULT_ADMIN = TableAdmin()
