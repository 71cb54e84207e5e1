"""Form fields for any table's columns, and the values a form holds back to Python values.

The entity layer describes each column with something shaped like `FieldColumn` (its name,
label, the SQLAlchemy `Column` and what the database does with it). From those:

* `form_fields(columns, new=...)` builds the `FormField`s of a new-record or an edit form;
* `to_form_values(columns, row)` turns a stored row into the form's values;
* `from_form_values(columns, values, new=...)` turns what the form holds (all of it for a new
  record, `RecordForm.changed_values()` for an edit) into values for an INSERT or UPDATE of those
  columns, or raises `FieldErrors` naming every bad field at once.

NULL is the form's None and is distinct from the empty string; a generated column left as
DEFAULT on a new record (its placeholder says what the default is: `default_hint`) is
omitted so the database fills it; computed and binary columns are
never written; an existing row's primary key is read-only. A NULL for a JSON column is written
as `sqlalchemy.null()` (SQL NULL), since None there means JSON ``null``: pass the result to
`insert(table).values(**values)` / `update(table).values(**values)`.

Open these forms with `FormScreen(..., check_required=False, changes_only=not new)`:
`from_form_values` checks NULLs exactly, while the form's quick required check would also
refuse the empty string, which a NOT NULL text column may hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy import Column, null
from sqlalchemy.engine import Dialect

from tui.entities.codecs import Codec, JsonCodec, codec_for
from tui.fields import DEFAULT, FormField, SearchCallback
from tui.schemas.errors import FieldErrors


class FieldColumn(Protocol):
    """What a form needs to know about one column."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def column(self) -> Column[Any]: ...
    @property
    def nullable(self) -> bool: ...
    @property
    def primary_key(self) -> bool: ...
    @property
    def generated(self) -> bool:
        """Server default, identity or autoincrement: left to the database on insert."""
        ...

    @property
    def computed(self) -> bool:
        """Computed by the database: never written."""
        ...

    @property
    def max_length(self) -> int | None: ...


def _always_generated(column: Column[Any]) -> bool:
    identity = column.identity
    return identity is not None and bool(identity.always)


def is_read_only(spec: FieldColumn, codec: Codec, *, new: bool) -> bool:
    """Whether a form shows `spec` without letting it be changed."""
    if spec.computed or codec.read_only or _always_generated(spec.column):
        return True
    return spec.primary_key and not new


def form_fields(
    columns: Iterable[FieldColumn],
    *,
    new: bool,
    pickers: Mapping[str, SearchCallback] | None = None,
    dialect: Dialect | str | None = None,
) -> list[FormField]:
    """The fields of a form for `columns` (a new record when `new`, else an edit).

    A column named in `pickers` becomes a "picker" field searching with that callback; its
    value is the referenced key. `dialect` picks the columns' variants for that backend.
    """
    pickers = pickers or {}
    fields = []
    for spec in columns:
        codec = codec_for(spec.column, dialect)
        read_only = is_read_only(spec, codec, new=new)
        generated = new and (spec.generated or spec.computed)
        search = pickers.get(spec.name)
        max_length = spec.max_length if spec.max_length is not None else codec.max_length
        fields.append(
            FormField(
                spec.name,
                spec.label,
                kind="picker" if search is not None else codec.kind,
                required=not spec.nullable and not generated and not read_only,
                max_length=max_length if codec.text_like else None,
                options=codec.options,
                help=_help(spec, codec, read_only=read_only, new=new, picker=search is not None),
                search=search,
                nullable=spec.nullable and not read_only,
                read_only=read_only,
                generated=generated,
                default_hint=default_hint(spec, dialect) if generated else "",
            )
        )
    return fields


def default_hint(spec: FieldColumn, dialect: Dialect | str | None = None) -> str:
    """What the database (or the column's default) gives a column left out of an INSERT:
    ``database default: now()``, ``default: utcnow()``, ``next number``, ``computed``."""
    column = spec.column
    if spec.computed:
        return "computed by the database"
    if column.identity is not None or (
        spec.primary_key and column.table.autoincrement_column is column
    ):
        return "next number"
    server = column.server_default
    if server is not None:
        arg = getattr(server, "arg", None)
        return f"database default: {_sql_text(arg, dialect)}" if arg is not None else DEFAULT_HINT
    default = column.default
    if default is not None:
        arg = getattr(default, "arg", None)
        if callable(arg):
            name = getattr(getattr(default, "arg", None), "__wrapped__", arg)
            return f"default: {getattr(name, '__name__', 'computed')}()"
        return f"default: {_value_text(arg)}"
    return DEFAULT_HINT


DEFAULT_HINT = "left to the database"


def _value_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if value == "":
        return "empty"
    return str(value)


def _sql_text(arg: Any, dialect: Dialect | str | None) -> str:
    """A server default as short SQL: ``now()``, ``false``, ``'active'`` (casts dropped)."""
    if isinstance(arg, str):
        return _value_text(arg)
    text = getattr(arg, "text", None)  # a TextClause (reflected defaults)
    if text is None:
        try:
            text = str(arg.compile(dialect=dialect if isinstance(dialect, Dialect) else None))
        except Exception:  # an expression only its dialect renders
            return "an expression"
    text = re.sub(r"::[\w .\[\]\"]+", "", str(text)).strip()
    return "empty" if text in ("''", "") else text


def _help(
    spec: FieldColumn, codec: Codec, *, read_only: bool, new: bool, picker: bool = False
) -> str:
    if spec.computed:
        return "computed by the database"
    if read_only and spec.primary_key and not new:
        return "primary key: cannot be changed here"
    hint = "type to search the referenced rows" if picker else codec.hint
    parts = [hint] if hint else []
    if spec.nullable and not read_only:
        parts.append("ctrl+n: NULL")
    return " · ".join(parts)


def to_form_values(
    columns: Iterable[FieldColumn],
    row: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
    dialect: Dialect | str | None = None,
) -> dict[str, Any]:
    """A stored `row` (values by column name) as form values; NULL stays None.

    For picker fields, `labels` gives the shown label of the referenced row: the value becomes
    the pair (stored key, label).
    """
    labels = labels or {}
    values: dict[str, Any] = {}
    for spec in columns:
        if spec.name not in row:
            continue
        value = row[spec.name]
        if value is None:
            values[spec.name] = None
        elif spec.name in labels:
            values[spec.name] = (value, labels[spec.name])
        else:
            values[spec.name] = codec_for(spec.column, dialect).to_form(value)
    return values


def from_form_values(
    columns: Iterable[FieldColumn],
    values: Mapping[str, Any],
    *,
    new: bool,
    dialect: Dialect | str | None = None,
) -> dict[str, Any]:
    """Python values, by column name, for an INSERT (`new`) or UPDATE of the fields in
    `values`; raises `FieldErrors` with one message per bad field (all of them).

    Blank non-text fields are NULL; a NULL where the column allows none is "required".
    Generated columns left as DEFAULT (or blank) on insert, computed and read-only columns,
    and an existing row's primary key are left out; an explicit NULL is written as NULL.
    """
    result: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in columns:
        if spec.name not in values:
            continue
        codec = codec_for(spec.column, dialect)
        if is_read_only(spec, codec, new=new):
            continue
        value = values[spec.name]
        if value is DEFAULT:
            continue
        blank = value == "" and not codec.text_like
        if blank and new and spec.generated:  # typed, then cleared: the default again
            continue
        if value is None or blank:
            if new and spec.generated and not spec.nullable:
                continue
            if not spec.nullable:
                errors[spec.name] = "required: this column cannot be NULL"
                continue
            result[spec.name] = null() if isinstance(codec, JsonCodec) else None
            continue
        try:
            result[spec.name] = _parse(codec, value)
        except ValueError as error:
            errors[spec.name] = str(error)
    if errors:
        raise FieldErrors(errors)
    return result


def _parse(codec: Codec, value: Any) -> Any:
    """`codec.from_form`, except that a picker's key arrives as the Python value already."""
    if isinstance(value, str) or codec.kind in ("select", "switch"):
        return codec.from_form(value)
    return value
