"""How an entity's rows look in a list: columns, widths from column types, cells."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import types

from tui.cells import Align, Labelled
from tui.entities.introspect import base_type
from tui.entities.references import Labels, references
from tui.entities.spec import ColumnSpec, EntitySpec
from tui.rows import Column

if TYPE_CHECKING:
    from tui.entities.admin import TableAdmin

#: Widest a text column starts (wider values are cut in the list; the form shows them whole).
MAX_TEXT_WIDTH = 40
NUMBER_WIDTH = 10


def _python_type(column: ColumnSpec) -> type | None:
    try:
        return column.column.type.python_type
    except NotImplementedError:
        return None


def column_width(column: ColumnSpec) -> int:
    """Cells for `column`'s values: from its type and length."""
    sql_type = base_type(column.column.type)
    python_type = _python_type(column)
    if isinstance(sql_type, types.Boolean):
        width = 5
    elif isinstance(sql_type, types.Enum):
        width = max((len(str(v)) for v in sql_type.enums), default=8)
    elif python_type is dt.datetime:
        width = 25 if getattr(sql_type, "timezone", False) else 19
    elif python_type is dt.date:
        width = 10
    elif python_type is dt.time:
        width = 8
    elif python_type is uuid.UUID:
        width = 36
    elif python_type in (int, float, decimal.Decimal):
        width = NUMBER_WIDTH
    elif column.max_length:
        width = min(column.max_length, MAX_TEXT_WIDTH)
    else:
        width = MAX_TEXT_WIDTH if python_type is str else 24
    return max(width, len(column.label), 3)


#: Cells of a label in a foreign key's cell (longer labels are cut, never the key after them).
LABEL_WIDTH = 16
#: Cells of an integer key after a label: ``(12345)``.
KEY_WIDTH = 5


def reference_width(spec: EntitySpec, column: ColumnSpec) -> int | None:
    """Cells for a foreign key's ``label (key)`` (or its label alone); ``None`` when its
    rows have no label."""
    found = references(spec, [column.name])
    if not found or found[0].label is None:
        return None
    length = getattr(base_type(found[0].label.type), "length", None) or MAX_TEXT_WIDTH
    if not found[0].with_key:
        return min(length, MAX_TEXT_WIDTH)
    key = KEY_WIDTH if is_numeric(column) else column_width(column)
    return min(min(length, LABEL_WIDTH) + len(" ()") + key, MAX_TEXT_WIDTH)


def is_numeric(column: ColumnSpec) -> bool:
    return _python_type(column) in (int, float, decimal.Decimal) and not isinstance(
        base_type(column.column.type), types.Boolean
    )


def table_columns(spec: EntitySpec, admin: TableAdmin | None = None) -> tuple[Column, ...]:
    """The list's columns: every column of the table in table order, or those `admin`
    lists, with its computed columns, in its order."""
    from tui.entities.admin import ExtraColumn

    listed = spec.columns if admin is None else admin.listed(spec)
    headers = admin.headers if admin is not None else {}
    found = []
    for column in listed:
        label = headers.get(column.name, column.label)
        if isinstance(column, ExtraColumn):
            found.append(
                Column(
                    column.name,
                    label,
                    max(column.width, len(label)),
                    sortable=column.sortable,
                    align=column.align,  # type: ignore[arg-type]
                    unsortable_reason=column.unsortable_reason,
                )
            )
            continue
        width = admin.widths.get(column.name) if admin is not None else None
        labelled = reference_width(spec, column) if column.foreign_key is not None else None
        width = max(width or labelled or column_width(replace(column, label=label)), len(label))
        align: Align = "right" if is_numeric(column) and labelled is None else "left"
        found.append(Column(column.name, label, width, align=align))
    return tuple(found)


def column_names(spec: EntitySpec, admin: TableAdmin | None = None) -> tuple[str, ...]:
    """The keys of the list's columns, in order."""
    if admin is None:
        return tuple(column.name for column in spec.columns)
    return tuple(c.name for c in admin.listed(spec))


def cells(
    row: Mapping[str, Any], names: Sequence[str], labels: Mapping[str, Labels] | None = None
) -> tuple[object, ...]:
    """A row's values of the columns `names` (`column_names`), drawn literally by the table;
    a foreign key column in `labels` shows the label of the row it references with its value
    (`Labelled`)."""
    if not labels:
        return tuple(row[name] for name in names)
    return tuple(_labelled(row[n], labels[n]) if n in labels else row[n] for n in names)


def _labelled(value: Any, labels: Labels) -> Any:
    """A foreign key's cell: its value with the label of the row it references."""
    if value is None:
        return None
    if value not in labels.labels:
        return Labelled(value, missing=True)
    return Labelled(value, labels.labels[value], with_value=labels.with_key)
