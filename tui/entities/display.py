"""How an entity's rows look in a list: columns, widths from column types, cells."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import types

from tui.entities.introspect import base_type
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
        width = width or column_width(replace(column, label=label))
        found.append(
            Column(column.name, label, width, align="right" if is_numeric(column) else "left")
        )
    return tuple(found)


def column_names(spec: EntitySpec, admin: TableAdmin | None = None) -> tuple[str, ...]:
    """The keys of the list's columns, in order."""
    if admin is None:
        return tuple(column.name for column in spec.columns)
    return tuple(c.name for c in admin.listed(spec))
