"""What a list shows in a foreign key's cells: the label of the row each key references.

For a page of rows, the labels of each foreign key column shown come from one ``IN (...)``
query on the referenced table (never one per row), or from the rows themselves when the list
is sorted by that label (the sort joins it already). A key whose row is not found is shown as
missing; a NULL key stays NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Select, bindparam, select
from sqlalchemy.exc import NoReferenceError

from tui.entities.keyset import referenced

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.spec import EntitySpec


#: Keys longer than this (UUIDs, long codes) are not repeated after a unique label.
SHORT_KEY = 12


@dataclass(frozen=True, slots=True)
class Reference:
    """Foreign key column `column` refers to `target`; rows there are named by `label`,
    shown with the key unless the label is unique and the key long (`with_key`)."""

    column: str
    target: Column[Any]
    label: Column[Any] | None
    with_key: bool = True


def _long_key(column: Column[Any]) -> bool:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return True
    if python_type is str:
        length = getattr(column.type, "length", None)
        return length is None or length > SHORT_KEY
    return python_type not in (int, Decimal)


def references(spec: EntitySpec, names: Iterable[str]) -> tuple[Reference, ...]:
    """The single-column foreign keys among the columns `names` whose referenced table is
    known (a reflected table's reference may point outside what was reflected)."""
    found = []
    for name in names:
        column = next((c for c in spec.columns if c.name == name), None)
        if column is None or column.foreign_key is None:
            continue
        try:
            target, label = referenced(spec.table, name, spec.target_label(name))
        except (NoReferenceError, StopIteration):
            continue
        if label is None:
            found.append(Reference(name, target, None))
            continue
        with_key = not (label.unique and not label.nullable and _long_key(target))
        found.append(Reference(name, target, label.column, with_key))
    return tuple(found)


@lru_cache(maxsize=256)
def _labels_statement(target: Column[Any], label: Column[Any] | None) -> Select[Any]:
    """``SELECT key, label FROM target WHERE key IN (:keys)``, built once per reference."""
    columns = [target] if label is None else [target, label]
    return select(*columns).where(target.in_(bindparam("keys", expanding=True)))


async def resolve(
    session: AsyncSession,
    refs: Sequence[Reference],
    rows: Sequence[Mapping[str, Any]],
    joined: Mapping[str, str] | None = None,
) -> dict[str, Labels]:
    """Labels of the values `rows` hold in each of `refs`' columns, by column; `joined` names
    the row key holding the label already (the list's label sort), by column."""
    found: dict[str, Labels] = {}
    for ref in refs:
        labels: dict[Any, str | None] = {}
        label_key = (joined or {}).get(ref.column)
        if label_key is not None:
            for row in rows:
                value, label = row[ref.column], row[label_key]
                if value is not None and label is not None:
                    labels[value] = str(label)
        wanted = {row[ref.column] for row in rows} - labels.keys() - {None}
        if wanted:
            statement = _labels_statement(ref.target, ref.label)
            params = {"keys": list(wanted)}
            for found_row in (await session.execute(statement, params)).all():
                label = found_row[1] if ref.label is not None else None
                labels[found_row[0]] = None if label is None else str(label)
        found[ref.column] = Labels(labels, ref.with_key)
    return found


@dataclass(frozen=True, slots=True)
class Labels:
    """The labels of one foreign key column's values on a page: value -> label (``None``:
    the row has no label to show); values not in `labels` reference no row."""

    labels: Mapping[Any, str | None]
    with_key: bool = True
