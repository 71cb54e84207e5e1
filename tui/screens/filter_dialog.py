"""`FilterScreen`: add one filter to a table's view, with the operators its column's type allows.

Text: contains, equals, is NULL, is not NULL; numbers, dates and times: equals, at least, at most,
between; enums and booleans: a choice of their values; a foreign key: a picker of the referenced
rows; a many-to-many (given a picker under its name): the rows linked to one row of its
target. Values are parsed by the column's codec, so "12.50" is a `Decimal` and a date is a date.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from rich.text import Text
from sqlalchemy import types
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from tui.cells import escape_control
from tui.entities.codecs import codec_for
from tui.entities.introspect import base_type, humanize
from tui.entities.query import Filter, FilterOp
from tui.entities.spec import ColumnSpec, EntitySpec
from tui.fields import SearchCallback
from tui.widgets.record_form import PickerField

OP_LABELS = {
    "contains": "contains",
    "eq": "equals",
    "ne": "is not",
    "gte": "at least",
    "lte": "at most",
    "between": "between",
    "is_null": "is NULL",
    "not_null": "is not NULL",
    "linked": "includes",
}
NO_VALUE = frozenset({"is_null", "not_null"})
ORDERED = (int, float, decimal.Decimal, dt.date, dt.datetime, dt.time)


def _python_type(column: ColumnSpec) -> type | None:
    try:
        return column.column.type.python_type
    except NotImplementedError:
        return None


def choices_of(column: ColumnSpec) -> list[tuple[str, Any]] | None:
    """The values an enum or boolean column can take, as (label, value); else None."""
    sql_type = base_type(column.column.type)
    if isinstance(sql_type, types.Boolean):
        return [("yes", True), ("no", False)]
    if isinstance(sql_type, types.Enum):
        enum_class = sql_type.enum_class
        if enum_class is not None:
            return [(str(member.value), member) for member in enum_class]
        return [(value, value) for value in sql_type.enums]
    return None


def operators(column: ColumnSpec, picker: bool) -> list[str]:
    """The operators offered for `column`."""
    null = ["is_null", "not_null"] if column.nullable else []
    sql_type = base_type(column.column.type)
    if picker or choices_of(column) is not None:
        return ["eq", "ne", *null]
    if isinstance(sql_type, types.LargeBinary | types.JSON | types.ARRAY):
        return null
    python_type = _python_type(column)
    if python_type is str:
        return ["contains", "eq", "ne", *null]
    if python_type in ORDERED and not isinstance(sql_type, types.Boolean):
        return ["eq", "gte", "lte", "between", *null]
    return ["eq", "ne", *null]


def filterable(spec: EntitySpec, pickers: Mapping[str, SearchCallback]) -> list[ColumnSpec]:
    return [c for c in spec.columns if operators(c, c.name in pickers)]


def column_label(column: ColumnSpec) -> str:
    """A column as people name it: a foreign key ``author id`` is the ``author``."""
    if column.foreign_key is not None and column.label.endswith(" id"):
        return column.label.removesuffix(" id")
    return column.label


def describe(spec: EntitySpec, item: Filter, label: str | None = None) -> str:
    """``published: yes``, ``price at least 10``, ``author: ann``, ``tags: python`` (a
    many-to-many) — in column labels."""
    if item.op == "linked":
        return f"{humanize(item.column)}: {label or item.value}"
    column = spec.column(item.column)
    name = column_label(column)
    if item.op in NO_VALUE:
        return f"{name} {OP_LABELS[item.op]}"
    if label is None:
        label = _value_label(column, item.value)
    if item.op == "eq":
        return f"{name}: {label}"
    if item.op == "between":
        low, high = item.value
        return f"{name} between {_value_label(column, low)} and {_value_label(column, high)}"
    return f"{name} {OP_LABELS[item.op]} {label}"


def _value_label(column: ColumnSpec, value: Any) -> str:
    for label, choice in choices_of(column) or ():
        if choice == value:
            return label
    return str(value)


class FilterScreen(ModalScreen[tuple[Filter, str | None] | None]):
    """Choose a column, an operator and a value; dismisses with (filter, value label)."""

    DEFAULT_CSS = """
    FilterScreen {
        align: center middle;
        & > Vertical {
            width: 76; height: auto; border: thick $accent; background: $surface; padding: 0 1;
        }
        & #filter-title { text-style: bold; margin-bottom: 1; }
        & Select, & Input, & PickerField { margin-bottom: 1; }
        & #filter-error { color: $text-error; height: auto; }
        & #filter-buttons { height: auto; align-horizontal: right; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="filter.cancel", tooltip="Close without filtering"
        ),
        Binding("ctrl+s", "apply", "Apply", id="filter.apply", tooltip="Apply this filter"),
    ]

    def __init__(
        self,
        spec: EntitySpec,
        pickers: Mapping[str, SearchCallback],
        column: str | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.pickers = dict(pickers)
        self.columns = filterable(spec, self.pickers)
        #: Many-to-many relations offered by a picker of their rows (name -> label).
        self.links = {m.name: humanize(m.name) for m in spec.many_to_many if m.name in self.pickers}
        names = [c.name for c in self.columns] + list(self.links)
        self.initial_column = column if column in names else (names[0] if names else None)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Filter {escape_control(self.spec.label)}"), id="filter-title")
            yield Select(
                [(escape_control(c.label), c.name) for c in self.columns]
                + [(escape_control(label), name) for name, label in self.links.items()],
                value=self.initial_column or Select.BLANK,
                allow_blank=False,
                id="filter-column",
            )
            ops = self._operators(self.initial_column)
            yield Select(
                [(OP_LABELS[op], op) for op in ops],
                value=ops[0] if ops else Select.BLANK,
                allow_blank=not ops,
                id="filter-op",
            )
            yield Input(placeholder="value", id="filter-value")
            yield Input(placeholder="up to", id="filter-value-2", classes="-hidden")
            yield Select([], id="filter-choice", classes="-hidden")
            yield PickerField(None, id="filter-picker", placeholder="type to search")
            yield Static(id="filter-error")
            with Horizontal(id="filter-buttons"):
                yield Button("Cancel", id="filter-cancel")
                yield Button("Apply", variant="primary", id="filter-apply")

    def _operators(self, name: str | None) -> list[str]:
        if name is None:
            return []
        if name in self.links:
            return ["linked"]
        return operators(self.spec.column(name), name in self.pickers)

    def on_mount(self) -> None:
        self._column_changed()
        self.query_one("#filter-column", Select).focus()

    @property
    def chosen_name(self) -> str:
        """The chosen column's (or many-to-many's) name."""
        return str(self.query_one("#filter-column", Select).value)

    @property
    def column(self) -> ColumnSpec:
        return self.spec.column(self.chosen_name)

    def _choices(self) -> list[tuple[str, Any]] | None:
        name = self.chosen_name
        return None if name in self.links else choices_of(self.column)

    @on(Select.Changed, "#filter-column")
    def _column_changed(self) -> None:
        if not self.columns and not self.links:
            return
        name = self.chosen_name
        ops = self._operators(name)
        op_select = self.query_one("#filter-op", Select)
        op_select.set_options([(OP_LABELS[op], op) for op in ops])
        op_select.value = ops[0]
        choice = self.query_one("#filter-choice", Select)
        # options carry their position as text: Textual's Select.BLANK is False, so a False
        # value could not be told from "nothing chosen"
        choice.set_options([(label, str(i)) for i, (label, _) in enumerate(self._choices() or [])])
        picker_field = self.query_one("#filter-picker", PickerField)
        picker_field.set_search(self.pickers.get(name))
        picker_field.set_choice(None)
        self._op_changed()

    @on(Select.Changed, "#filter-op")
    def _op_changed(self) -> None:
        if not self.columns and not self.links:
            return
        op = self.query_one("#filter-op", Select).value
        picker = self.chosen_name in self.pickers
        choices = self._choices() is not None
        needs_value = op not in NO_VALUE
        self.query_one("#filter-value").set_class(not needs_value or picker or choices, "-hidden")
        self.query_one("#filter-value-2").set_class(op != "between", "-hidden")
        self.query_one("#filter-choice").set_class(not (needs_value and choices), "-hidden")
        self.query_one("#filter-picker").set_class(not (needs_value and picker), "-hidden")
        self.query_one("#filter-error", Static).update("")

    def _parse(self, text: str) -> Any:
        return codec_for(self.column.column).from_form(text)

    def _chosen(self) -> tuple[Filter, str | None]:
        name = self.chosen_name
        # the select offers only FilterOp values (Filter checks it again)
        op = cast(FilterOp, str(self.query_one("#filter-op", Select).value))
        if op in NO_VALUE:
            return Filter(name, op), None
        if name in self.pickers:
            picked = self.query_one("#filter-picker", PickerField)
            if picked.value is None:
                raise ValueError("choose a row from the list")
            return Filter(name, op, picked.value), picked.label
        column = self.column
        choices = choices_of(column)
        if choices is not None:
            token = self.query_one("#filter-choice", Select).value
            if not isinstance(token, str):
                raise ValueError("choose a value")
            return Filter(column.name, op, choices[int(token)][1]), None
        text = self.query_one("#filter-value", Input).value
        if op == "between":
            high = self.query_one("#filter-value-2", Input).value
            return Filter(column.name, op, (self._parse(text), self._parse(high))), None
        if op == "contains":
            if not text:
                raise ValueError("type the text to look for")
            return Filter(column.name, op, text), None
        return Filter(column.name, op, self._parse(text)), None

    @on(Button.Pressed, "#filter-apply")
    def action_apply(self) -> None:
        if not self.columns and not self.links:
            self.dismiss(None)
            return
        try:
            chosen = self._chosen()
        except ValueError as error:
            self.query_one("#filter-error", Static).update(Text(escape_control(str(error))))
            return
        self.dismiss(chosen)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
