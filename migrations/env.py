"""Alembic environment for dbtui.

Two ways in:

* the ``alembic`` command line: the database comes from ``-x url=...``, else from dbtui's
  settings (``.env`` in the current folder, then environment variables such as
  ``DATABASE_URL``). An async engine is built with ``tui.db.session.build_engine`` (pool-less)
  and the migrations run through ``connection.run_sync``;
* inside the app (``tui.migrations.MigrationRunner``): a synchronous ``Connection`` (given by
  ``AsyncConnection.run_sync``) is passed in ``config.attributes["connection"]``; nothing here
  then touches logging configuration or event loops. For offline SQL (a preview) the runner
  sets ``sqlalchemy.url`` to the database on screen, password left out.

Optional ``config.attributes`` set by the runner: ``on_version_apply`` (a callback per applied
revision) and ``process_revision_directives``.

Full-text search objects are created by revision 0001 and are invisible to autogenerate (see
``include_name`` / ``include_object``). On SQLite, foreign keys are switched off on the raw
connection for the duration of the migrations (a batch table rebuild would otherwise delete
CASCADE children) and ``PRAGMA foreign_key_check`` runs before each revision commits.

On SQLite, autogenerate cannot compare indexes on expressions (see ``EXPRESSION_INDEXES``).
"""

from __future__ import annotations

import asyncio
import re
import warnings
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Column, make_url
from sqlalchemy.engine import Connection

from tui.config import Settings, load_settings
from tui.db.base import Base
from tui.db.session import build_engine
from tui.models import Post  # noqa: F401  (registers every table)

config = context.config
target_metadata = Base.metadata

# Full-text search objects created by hand in revision 0001 (hidden from autogenerate).
FTS_TABLES = frozenset(
    {
        "posts_fts",
        "posts_fts_data",
        "posts_fts_idx",
        "posts_fts_docsize",
        "posts_fts_config",
        "posts_fts_content",
    }
)
FTS_INDEXES = frozenset({"ix_posts_search_vector"})
FTS_COLUMNS = frozenset({("posts", "search_vector")})

# Indexes on expressions (the unique `lower(username)` and `lower(email)` of revision 0003).
# SQLAlchemy's SQLite reflection cannot read them: it leaves them out with a warning, and
# autogenerate then leaves the models' side out too (Alembic's SQLite implementation, before
# `include_object` is consulted), with a second warning. So on SQLite they are never compared,
# and both warnings, expected for these indexes, are silenced; PostgreSQL compares them.
EXPRESSION_INDEXES = frozenset(
    index.name
    for table in target_metadata.tables.values()
    for index in table.indexes
    if index.name and not all(isinstance(part, Column) for part in index.expressions)
)
for _index in EXPRESSION_INDEXES:
    for _message in (
        f"Skipped unsupported reflection of expression-based index {re.escape(_index)}$",
        f"autogenerate skipping metadata-specified expression-based index '{re.escape(_index)}'",
    ):
        warnings.filterwarnings("ignore", message=_message)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Skip reflected full-text objects by name."""
    if type_ == "table":
        return name not in FTS_TABLES
    if type_ == "index":
        return name not in FTS_INDEXES
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in FTS_COLUMNS
    return True


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Second line of defence: the same objects, once they are schema objects."""
    if type_ == "table":
        return name not in FTS_TABLES
    if type_ == "index":
        return name not in FTS_INDEXES
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return (table, name) not in FTS_COLUMNS
    return True


def _given_url() -> str | None:
    """``-x url=``, else ``sqlalchemy.url`` (dbtui sets it for offline SQL)."""
    url = context.get_x_argument(as_dictionary=True).get("url")
    return url or config.get_main_option("sqlalchemy.url")


def _settings() -> Settings:
    """The database to migrate: the URL given, else dbtui's settings."""
    url = _given_url()
    return load_settings(overrides={"DATABASE_URL": url} if url else None)


def _configure(connection: Connection | None = None, **extra: Any) -> None:
    options: dict[str, Any] = dict(
        target_metadata=target_metadata,
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
    )
    callback = config.attributes.get("on_version_apply")
    if callback is not None:
        options["on_version_apply"] = [callback]
    directives = config.attributes.get("process_revision_directives")
    if directives is not None:
        options["process_revision_directives"] = directives
    options.update(extra)
    context.configure(connection=connection, **options)


def run_migrations_offline() -> None:
    """Write the SQL to the output buffer instead of running it."""
    given = _given_url()
    url = make_url(given) if given else load_settings().url(sync=True)
    sqlite = url.get_backend_name() == "sqlite"
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=sqlite,
        transactional_ddl=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _foreign_key_check(connection: Connection) -> None:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        shown = ", ".join(f"{row[0]} row {row[1]} -> {row[2]}" for row in rows[:5])
        raise RuntimeError(f"foreign key check failed after migration: {shown}")


def _set_raw_foreign_keys(connection: Connection, on: bool) -> None:
    """Switch SQLite foreign keys on the DBAPI connection (outside any transaction)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on `connection`, one transaction per revision.

    The connection must not be inside a transaction that should survive: a leftover
    autobegun transaction is committed first, so that each revision gets its own.
    """
    if connection.in_transaction():
        connection.commit()
    sqlite = connection.dialect.name == "sqlite"
    extra: dict[str, Any] = dict(transaction_per_migration=True, render_as_batch=sqlite)
    if sqlite:
        # dbtui's SQLite engines emit BEGIN themselves, so DDL is transactional there.
        extra["transactional_ddl"] = True
        user_callback = config.attributes.get("on_version_apply")

        def check_then_report(**kw: Any) -> None:
            _foreign_key_check(kw["ctx"].connection)
            if user_callback is not None:
                user_callback(**kw)

        extra["on_version_apply"] = [check_then_report]
        _set_raw_foreign_keys(connection, on=False)
    try:
        _configure(connection, **extra)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if connection.in_transaction():
            connection.rollback()
        if sqlite:
            _set_raw_foreign_keys(connection, on=True)


async def run_async_migrations() -> None:
    """Command-line path: build a pool-less async engine from dbtui's settings."""
    engine = build_engine(_settings(), pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    asyncio.run(run_async_migrations())


if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
