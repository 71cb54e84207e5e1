"""Alembic environment of the fixture application, in the shape of Alembic's cookbook.

* A caller that owns a connection (dbtui, the tests) puts a synchronous `Connection` in
  ``config.attributes["connection"]``: the migrations run on it, in its transaction if it has one,
  and logging is left alone.
* Otherwise (the ``alembic`` command line) logging is configured from the ini file and the
  database is ``$FIXTURE_DATABASE_URL``, else ``sqlalchemy.url``: SQLite through the sync
  ``sqlite3`` driver, PostgreSQL through an async engine (asyncpg) and ``connection.run_sync``.
* Offline (``--sql``) the same URL only chooses the dialect.

SQLite migrations use batch mode (``render_as_batch``): its ALTER TABLE cannot drop a column.

The view ``order_totals`` is created by revision ``be9dd8af209c`` and is not in the metadata (as
in most applications): autogenerate compares tables only, so it needs no filter here.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from tests.fixture_app.db import DATABASE_URL_VARIABLE, run_in_transaction, with_driver
from tests.fixture_app.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """``$FIXTURE_DATABASE_URL``, else ``sqlalchemy.url`` (the ini file's, or one set by code)."""
    url = os.environ.get(DATABASE_URL_VARIABLE) or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(f"no database: set {DATABASE_URL_VARIABLE} or sqlalchemy.url")
    return url


def run_migrations_offline() -> None:
    """Write the SQL instead of running it."""
    url = with_driver(database_url())
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        run_in_transaction(database_url(), do_run_migrations)
    else:
        do_run_migrations(connection)


if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
