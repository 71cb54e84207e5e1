"""Turn SQLAlchemy `Table`s (from models or reflection) into `EntitySpec`s.

Only the `Table` is read, plus the mappers of an optional registry for what a table cannot
say (the version counter, ``relationship(secondary=...)``), so models and reflection share
every code path below this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import registry as Registry
from sqlalchemy.types import ARRAY, TypeDecorator, TypeEngine

from tui.entities.spec import Backlink, ColumnSpec, EntitySpec, ForeignKeySpec, ManyToMany

SOFT_DELETE_COLUMN = "deleted_at"
NO_KEY_REASON = "no primary key: rows cannot be told apart, so it is browsed read-only"
VIEW_REASON = "a view: its rows are browsed read-only"
ALEMBIC_REASON = (
    "Alembic's record of the applied revisions, which the Migrations screen (4) upgrades, "
    "downgrades and stamps"
)


def entity_name(table: Table, schema: str | None = None) -> str:
    """The table's name, or ``schema.table`` outside the default schema (or `schema`)."""
    if table.schema is None or table.schema == schema:
        return table.name
    return f"{table.schema}.{table.name}"


def humanize(name: str) -> str:
    """``created_at`` -> ``created at``, ``CamelCase`` -> ``camel case``, ``manager_id`` ->
    ``manager id``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return " ".join(words.split()).lower() or name


_SAME_IN_SINGULAR = frozenset({"news", "series", "species", "data", "media", "status"})


def singular(name: str) -> str:
    """What one row of table `name` is called, in a simple way: ``order_lines`` -> ``order
    line``, ``categories`` -> ``category``, ``boxes`` -> ``box``, ``status`` stays."""
    text = humanize(name)
    head, _, last = text.rpartition(" ")
    if last in _SAME_IN_SINGULAR:
        pass
    elif last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif re.search(r"(s|x|z|ch|sh)es$", last) and len(last) > 4:
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3:
        last = last[:-1]
    return f"{head} {last}" if head else last


def entity_label(name: str) -> str:
    """``order_lines`` -> ``Order lines``."""
    text = humanize(name)
    return text[:1].upper() + text[1:]


def base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type a pass-through `TypeDecorator` stores as (SQLModel's ``AutoString`` is a
    ``String``), else `type_` itself: what the column holds decides how it is shown, edited
    and searched. A decorator that converts values (its own ``process_bind_param`` or
    ``process_result_value``) holds Python values of its own and stays as it is."""
    while isinstance(type_, TypeDecorator) and not _converts_values(type_):
        type_ = type_.impl_instance
    return type_


def _converts_values(type_: TypeDecorator[Any]) -> bool:
    cls = type(type_)
    return any(
        getattr(cls, name) is not getattr(TypeDecorator, name)
        for name in (
            "process_bind_param",
            "process_result_value",
            "bind_processor",
            "result_processor",
        )
    )


def is_text_type(type_: TypeEngine[Any]) -> bool:
    """A string column that is free text (not an enum)."""
    type_ = base_type(type_)
    return isinstance(type_, String) and not isinstance(type_, Enum)


def is_unsortable_type(type_: TypeEngine[Any]) -> str | None:
    """Why a column of this type cannot be sorted (``None``: it can)."""
    type_ = base_type(type_)
    if isinstance(type_, LargeBinary):
        return "binary values have no useful order"
    if isinstance(type_, JSON):
        return "JSON values have no order"
    if isinstance(type_, ARRAY):
        return "arrays have no useful order"
    return None


def _fk_name(table: Table, constraint: ForeignKeyConstraint) -> str:
    if isinstance(constraint.name, str) and constraint.name:
        return constraint.name
    return f"{table.name}_{'_'.join(constraint.column_keys)}_fkey"


def foreign_key_spec(
    table: Table, constraint: ForeignKeyConstraint, schema: str | None = None
) -> ForeignKeySpec:
    """The `ForeignKeySpec` of one foreign key constraint of `table`."""
    elements = constraint.elements
    target = elements[0].column.table
    assert isinstance(target, Table)
    ondelete = constraint.ondelete.upper() if constraint.ondelete else None
    return ForeignKeySpec(
        name=_fk_name(table, constraint),
        columns=tuple(element.parent.key for element in elements),
        target=entity_name(target, schema),
        target_columns=tuple(element.column.key for element in elements),
        ondelete=ondelete,
    )


def _foreign_keys(table: Table, schema: str | None) -> tuple[ForeignKeySpec, ...]:
    constraints = [c for c in table.constraints if isinstance(c, ForeignKeyConstraint)]
    specs = []
    for constraint in sorted(constraints, key=lambda c: tuple(c.column_keys)):
        try:
            specs.append(foreign_key_spec(table, constraint, schema))
        except Exception:  # a target that is not in the metadata (not reflected)
            continue
    return tuple(specs)


def _column_spec(
    table: Table,
    column: Column[Any],
    leading: set[str],
    unique: set[str],
    foreign_keys: tuple[ForeignKeySpec, ...],
) -> ColumnSpec:
    computed = column.computed is not None
    generated = (
        computed
        or column.identity is not None
        or column.server_default is not None
        or column.default is not None
        or (column.primary_key and table.autoincrement_column is column)
    )
    fk = next((f for f in foreign_keys if f.columns == (column.key,)), None)
    length = getattr(base_type(column.type), "length", None)
    return ColumnSpec(
        name=column.key,
        label=humanize(column.key),
        column=column,
        primary_key=column.primary_key,
        nullable=bool(column.nullable) and not column.primary_key,
        indexed=column.key in leading,
        unique=column.key in unique,
        generated=generated,
        computed=computed,
        max_length=length if isinstance(length, int) else None,
        foreign_key=fk,
    )


def _leading_and_unique(table: Table) -> tuple[set[str], set[str]]:
    leading: set[str] = set()
    unique: set[str] = set()
    pk = [c.key for c in table.primary_key.columns]
    if pk:
        leading.add(pk[0])
        if len(pk) == 1:
            unique.add(pk[0])
    for index in table.indexes:
        columns = [c.key for c in index.columns]  # expressions are not columns
        if columns and len(columns) == len(index.expressions):
            leading.add(columns[0])
            if index.unique and len(columns) == 1:
                unique.add(columns[0])
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = [c.key for c in constraint.columns]
            if columns:
                leading.add(columns[0])
                if len(columns) == 1:
                    unique.add(columns[0])
    for column in table.columns:
        if column.unique:
            leading.add(column.key)
            unique.add(column.key)
        if column.index:
            leading.add(column.key)
    return leading, unique


def _label_column(columns: Iterable[ColumnSpec]) -> str | None:
    """The first unique non-null text column (not a foreign key; a text primary key only when
    nothing else is unique), else the first text column, else ``None``."""
    text = [c for c in columns if is_text_type(c.column.type) and c.foreign_key is None]
    unique = [c for c in text if c.unique and not c.nullable]
    for spec in sorted(unique, key=lambda c: c.primary_key):
        return spec.name
    plain = [c for c in text if not c.primary_key] or text
    return plain[0].name if plain else None


def label_column_of(table: Table, name: str | None = None) -> ColumnSpec | None:
    """The column a row of `table` is known by in pickers and labels (as its `EntitySpec`'s
    `label_column`; `name` when an override chose it), described as in that spec; ``None``
    when it has none."""
    foreign_keys = _foreign_keys(table, None)
    leading, unique = _leading_and_unique(table)
    columns = [_column_spec(table, c, leading, unique, foreign_keys) for c in table.columns]
    if name is None or name not in table.c:
        name = _label_column(columns)
    return next((c for c in columns if c.name == name), None)


def _soft_delete_column(table: Table) -> str | None:
    column = table.c.get(SOFT_DELETE_COLUMN)
    if column is not None and column.nullable and isinstance(column.type, DateTime):
        return column.key
    return None


def _mapper_of(table: Table, registry: Registry | None) -> Any:
    if registry is None:
        return None
    for mapper in registry.mappers:
        if mapper.local_table is table:
            return mapper
    return None


def _version_column(table: Table, registry: Registry | None) -> str | None:
    mapper = _mapper_of(table, registry)
    column = getattr(mapper, "version_id_col", None) if mapper is not None else None
    if column is None:
        return None
    key = getattr(column, "key", None)
    return key if isinstance(key, str) and key in table.c else None


def check_columns(table: Table) -> dict[str, str]:
    """CHECK constraint name -> the first column of `table` its expression mentions."""
    found: dict[str, str] = {}
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint) or not isinstance(constraint.name, str):
            continue
        expression = str(constraint.sqltext)
        for column in table.columns:
            if re.search(rf'(?<![\w"]){re.escape(column.name)}(?![\w"])', expression) or (
                f'"{column.name}"' in expression
            ):
                found[constraint.name] = column.key
                break
    return found


def _association_pair(table: Table) -> tuple[ForeignKeyConstraint, ForeignKeyConstraint] | None:
    """The two single-column foreign keys that make up `table`'s primary key exactly."""
    pk = {c.key for c in table.primary_key.columns}
    fks = [c for c in table.constraints if isinstance(c, ForeignKeyConstraint)]
    if len(pk) != 2 or len(fks) != 2:
        return None
    if any(len(fk.column_keys) != 1 for fk in fks):
        return None
    if {fk.column_keys[0] for fk in fks} != pk:
        return None
    first, second = sorted(fks, key=lambda fk: fk.column_keys[0])
    return first, second


def _many_to_many(
    table: Table, metadata: MetaData, registry: Registry | None, schema: str | None
) -> tuple[ManyToMany, ...]:
    found: list[ManyToMany] = []
    if registry is not None:
        mapper = _mapper_of(table, registry)
        if mapper is None:
            return ()
        for relationship in mapper.relationships:
            secondary = relationship.secondary
            if not isinstance(secondary, Table):
                continue
            link = _link(table, secondary, relationship.key, schema, relationship)
            if link is not None:
                found.append(link)
        return tuple(found)
    names: set[str] = set()
    for association in metadata.tables.values():
        pair = _association_pair(association)
        if pair is None:
            continue
        for local, remote in (pair, pair[::-1]):
            if local.elements[0].column.table is not table:
                continue
            local_spec = foreign_key_spec(association, local, schema)
            remote_spec = foreign_key_spec(association, remote, schema)
            name = remote_spec.target
            if name in names:
                name = f"{name} ({entity_name(association, schema)})"
            names.add(name)
            found.append(
                ManyToMany(
                    name=name,
                    via=entity_name(association, schema),
                    local=local_spec,
                    remote=remote_spec,
                    target=remote_spec.target,
                )
            )
            break
    return tuple(found)


def _link(
    table: Table, association: Table, name: str, schema: str | None, relationship: Any
) -> ManyToMany | None:
    fks = [c for c in association.constraints if isinstance(c, ForeignKeyConstraint)]
    target_table = relationship.mapper.local_table
    local = next((fk for fk in fks if fk.elements[0].column.table is table), None)
    if local is None:
        return None
    remote = next(
        (fk for fk in fks if fk is not local and fk.elements[0].column.table is target_table),
        None,
    )
    if remote is None:
        return None
    remote_spec = foreign_key_spec(association, remote, schema)
    return ManyToMany(
        name=name,
        via=entity_name(association, schema),
        local=foreign_key_spec(association, local, schema),
        remote=remote_spec,
        target=remote_spec.target,
    )


def entity_from_table(
    table: Table,
    registry: Registry | None = None,
    *,
    schema: str | None = None,
    is_view: bool = False,
    metadata: MetaData | None = None,
) -> EntitySpec:
    """The `EntitySpec` of `table`; backlinks and many-to-many come from the other tables of
    `metadata` (default: the table's own)."""
    metadata = metadata if metadata is not None else table.metadata
    name = entity_name(table, schema)
    foreign_keys = _foreign_keys(table, schema)
    leading, unique = _leading_and_unique(table)
    columns = tuple(_column_spec(table, c, leading, unique, foreign_keys) for c in table.columns)
    primary_key = () if is_view else tuple(c.key for c in table.primary_key.columns)
    if is_view:
        reason: str | None = VIEW_REASON
    elif not primary_key:
        reason = NO_KEY_REASON
    elif table.name == "alembic_version":
        reason = ALEMBIC_REASON
    else:
        reason = None
    backlinks = []
    for other in sorted(metadata.tables.values(), key=lambda t: entity_name(t, schema)):
        for fk in _foreign_keys(other, schema):
            if fk.target == name:
                backlinks.append(Backlink(source=entity_name(other, schema), foreign_key=fk))
    return EntitySpec(
        name=name,
        label=entity_label(table.name),
        table=table,
        columns=columns,
        primary_key=primary_key,
        read_only_reason=reason,
        label_column=_label_column(columns),
        version_column=_version_column(table, registry),
        soft_delete_column=_soft_delete_column(table),
        search_columns=tuple(c.name for c in columns if is_text_type(c.column.type)),
        foreign_keys=foreign_keys,
        backlinks=tuple(backlinks),
        many_to_many=_many_to_many(table, metadata, registry, schema),
        is_view=is_view,
    )


def entities_from_metadata(
    metadata: MetaData,
    registry: Registry | None = None,
    *,
    schema: str | None = None,
    views: Iterable[str] = (),
) -> dict[str, EntitySpec]:
    """Every table of `metadata` (association tables too) by entity name; tables named in
    `views` (entity names) are views, browsed read-only."""
    view_names = set(views)
    entities = {}
    for table in metadata.tables.values():
        name = entity_name(table, schema)
        entities[name] = entity_from_table(
            table, registry, schema=schema, is_view=name in view_names, metadata=metadata
        )
    return dict(sorted(entities.items()))
