"""Tables of a database without models (``--reflect``): the list from the catalog in one
query, and each table's columns, keys and foreign keys reflected when it is first opened.

On PostgreSQL the list and its row estimates come from ``pg_class`` (``reltuples``; for a
table never analysed, -1 there, the statistics collector's live row count); on SQLite from
``sqlite_master``, with exact counts only when the file is small enough for ``count(*)`` to
be cheap (or estimates from ``sqlite_stat1`` when the database was analysed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, column, func, inspect, literal, select, table, text, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.expression import TableClause

from tui.entities.introspect import entity_from_table, entity_name
from tui.entities.spec import EntitySpec

#: SQLite files up to this size get exact row counts in the table list.
CHEAP_COUNT_BYTES = 64 * 1024 * 1024
#: Tables counted per SQLite query (its compound SELECT limit is 500).
COUNTS_PER_QUERY = 200

_PG_TABLES = text(
    "SELECT c.relname, "
    "CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE s.n_live_tup END, "
    "c.relkind IN ('v', 'm') AS is_view "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
    "WHERE n.nspname = coalesce(:schema, current_schema()) "
    "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition "
    "ORDER BY c.relname"
)

_PG_REFERENCING = text(
    "SELECT DISTINCT src.relname FROM pg_constraint k "
    "JOIN pg_class src ON src.oid = k.conrelid "
    "JOIN pg_namespace srcn ON srcn.oid = src.relnamespace "
    "JOIN pg_class dst ON dst.oid = k.confrelid "
    "JOIN pg_namespace dstn ON dstn.oid = dst.relnamespace "
    "WHERE k.contype = 'f' AND dst.relname = :name "
    "AND dstn.nspname = coalesce(:schema, current_schema()) AND srcn.nspname = dstn.nspname "
    "ORDER BY src.relname"
)


@dataclass(frozen=True, slots=True)
class TableInfo:
    """One entry of the table list: its name, a row count or estimate (``None``: unknown)."""

    name: str
    estimated_rows: int | None
    is_view: bool = False
    #: `estimated_rows` is a ``count(*)``, not the catalog's estimate.
    exact: bool = False


async def list_tables(
    session: AsyncSession | AsyncConnection,
    schema: str | None = None,
    *,
    cheap_count_bytes: int = CHEAP_COUNT_BYTES,
) -> list[TableInfo]:
    """Every table and view of `schema` (default: the connection's), from the catalog."""
    dialect = _dialect_name(session)
    if dialect == "postgresql":
        rows = (await session.execute(_PG_TABLES, {"schema": schema})).all()
        return [
            TableInfo(name, int(tuples) if tuples is not None and tuples >= 0 else None, view)
            for name, tuples, view in rows
        ]
    if dialect == "sqlite":
        return await _sqlite_tables(session, schema, cheap_count_bytes)
    raise ValueError(f"listing the tables of {dialect} is not supported")


def _dialect_name(session: AsyncSession | AsyncConnection) -> str:
    bind = session.bind if isinstance(session, AsyncSession) else session.engine
    assert bind is not None, "the session must be bound to an engine"
    return bind.dialect.name


async def _sqlite_tables(
    session: AsyncSession | AsyncConnection, schema: str | None, cheap_count_bytes: int
) -> list[TableInfo]:
    master = _master(schema)
    name, kind, sql = master.c.name, master.c.type, master.c.sql
    statement = (
        select(name, kind, sql)
        .where(kind.in_(("table", "view")), ~name.like("sqlite\\_%", escape="\\"))
        .order_by(name)
    )
    entries = [
        (row[0], row[1] == "view", (row[2] or "").lstrip().upper().startswith("CREATE VIRTUAL"))
        for row in (await session.execute(statement)).all()
    ]
    exact = await _sqlite_size(session, schema) <= cheap_count_bytes
    if exact:
        # virtual tables are left out: their module may not be loaded here
        counts = await _sqlite_counts(
            session, schema, [n for n, v, virt in entries if not (v or virt)]
        )
    else:
        counts = await _sqlite_stat(session, schema)
    return [
        TableInfo(n, None if view else counts.get(n), view, exact and n in counts)
        for n, view, _ in entries
    ]


async def _sqlite_counts(
    session: AsyncSession | AsyncConnection, schema: str | None, names: list[str]
) -> dict[str, int]:
    """Exact row counts of the tables `names`, a few hundred per query (``UNION ALL``)."""
    found: dict[str, int] = {}
    for start in range(0, len(names), COUNTS_PER_QUERY):
        chunk = names[start : start + COUNTS_PER_QUERY]
        parts = [
            select(literal(index).label("i"), func.count().label("n")).select_from(
                table(table_name, schema=schema)
            )
            for index, table_name in enumerate(chunk)
        ]
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        for index, count in (await session.execute(statement)).all():
            found[chunk[index]] = int(count)
    return found


async def _sqlite_size(session: AsyncSession | AsyncConnection, schema: str | None) -> int:
    prefix = f"{_quote(session, schema)}." if schema else ""
    pages = (await session.execute(text(f"PRAGMA {prefix}page_count"))).scalar_one()
    page_size = (await session.execute(text(f"PRAGMA {prefix}page_size"))).scalar_one()
    return int(pages) * int(page_size)


async def _sqlite_stat(
    session: AsyncSession | AsyncConnection, schema: str | None
) -> dict[str, int]:
    """Row estimates ANALYZE left in ``sqlite_stat1`` (first number of each ``stat``)."""
    master = _master(schema)
    exists = select(func.count()).select_from(master).where(master.c.name == "sqlite_stat1")
    if not (await session.execute(exists)).scalar_one():
        return {}
    stat = table("sqlite_stat1", column("tbl"), column("stat"), schema=schema)
    rows = (await session.execute(select(stat.c.tbl, stat.c.stat))).all()
    found: dict[str, int] = {}
    for tbl, value in rows:
        first = str(value or "").split(" ", 1)[0]
        if first.isdigit():
            found[tbl] = max(found.get(tbl, 0), int(first))
    return found


def _master(schema: str | None) -> TableClause:
    """SQLite's catalog table (of the attached database `schema`)."""
    return table("sqlite_master", column("name"), column("type"), column("sql"), schema=schema)


def _quote(session: AsyncSession | AsyncConnection, name: str | None) -> str:
    bind = session.bind if isinstance(session, AsyncSession) else session.engine
    assert bind is not None
    return bind.dialect.identifier_preparer.quote(name or "main")


class ReflectedCatalog:
    """Entity specs of a database reflected table by table, each when first opened: the
    table, the tables it references and the tables that reference it (for backlinks, many
    to many and delete impact). Specs are cached; `metadata` grows as tables are opened."""

    def __init__(self, schema: str | None = None) -> None:
        self.schema = schema
        self.metadata = MetaData()
        self._specs: dict[str, EntitySpec] = {}
        self._views: set[str] | None = None
        self._lock = asyncio.Lock()

    async def entity(
        self, session_or_conn: AsyncSession | AsyncConnection, name: str
    ) -> EntitySpec:
        """The spec of table or view `name`, reflected on first use."""
        cached = self._specs.get(name)
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._specs.get(name)
            if cached is not None:
                return cached
            if isinstance(session_or_conn, AsyncSession):
                connection = await session_or_conn.connection()
            else:
                connection = session_or_conn
            spec = await connection.run_sync(self._reflect, name)
            self._specs[name] = spec
            return spec

    def remember(self, tables: Iterable[TableInfo]) -> None:
        """Take which names are views from a `list_tables` result (saves catalog queries
        when a table is opened)."""
        self._views = {info.name for info in tables if info.is_view}

    def forget(self) -> None:
        """Drop everything reflected (after a migration, or on another database)."""
        self.metadata = MetaData()
        self._specs.clear()
        self._views = None

    # -- in the connection's thread (run_sync) ----------------------------------------------
    def _reflect(self, connection: Connection, name: str) -> EntitySpec:
        inspector = inspect(connection)
        if self._views is None:
            self._views = set(inspector.get_view_names(schema=self.schema))
            if connection.dialect.name == "postgresql":
                self._views |= set(inspector.get_materialized_view_names(schema=self.schema))
        wanted = [name, *self._referencing(connection, name)]
        missing = [n for n in dict.fromkeys(wanted) if self._table(n) is None]
        if missing:
            try:
                self.metadata.reflect(
                    bind=connection,
                    schema=self.schema,
                    only=missing,
                    views=name in self._views,
                    resolve_fks=True,
                )
            except InvalidRequestError:
                raise KeyError(f"no table {name!r} in the database") from None
        found = self._table(name)
        if found is None:
            raise KeyError(f"no table {name!r} in the database")
        return entity_from_table(
            found, None, schema=self.schema, is_view=name in self._views, metadata=self.metadata
        )

    def _table(self, name: str) -> Any:
        for candidate in self.metadata.tables.values():
            if entity_name(candidate, self.schema) == name:
                return candidate
        return None

    def _referencing(self, connection: Connection, name: str) -> list[str]:
        """Tables of the same schema with a foreign key to `name` (itself included)."""
        if connection.dialect.name == "postgresql":
            rows = connection.execute(_PG_REFERENCING, {"name": name, "schema": self.schema})
            return [row[0] for row in rows]
        if connection.dialect.name != "sqlite":
            inspector = inspect(connection)
            return [
                other
                for other in inspector.get_table_names(schema=self.schema)
                if any(
                    fk.get("referred_table") == name
                    for fk in inspector.get_foreign_keys(other, schema=self.schema)
                )
            ]
        preparer = connection.dialect.identifier_preparer
        prefix = f"{preparer.quote(self.schema)}." if self.schema else ""
        master = _master(self.schema)
        tables = connection.execute(select(master.c.name).where(master.c.type == "table"))
        found = []
        for other in list(tables.scalars()):
            pragma = f"PRAGMA {prefix}foreign_key_list({preparer.quote(other)})"
            if any(row[2] == name for row in connection.exec_driver_sql(pragma)):
                found.append(other)
        return found
