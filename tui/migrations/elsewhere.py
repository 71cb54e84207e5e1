"""Seeing when an env.py connects to a database on its own instead of using dbtui's connection.

dbtui passes its connection in `config.attributes["connection"]`; an env.py that ignores it
builds an engine of its own (from its `sqlalchemy.url`, its settings...) and migrates whatever
that names. Every SQLAlchemy engine, sync or async, announces each new connection with the
`engine_connect` event, whatever env.py did to build it: listening on the `Engine` class while
env.py runs (in this thread) names the database it used. That covers env.py files that use
SQLAlchemy; the runner also compares the heads on dbtui's connection before and after, for
an env.py that connects some other way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tui.migrations.errors import MigrationError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine


class OwnConnectionRefused(MigrationError):
    """env.py connected on its own during a run that must not touch any database."""


@contextmanager
def own_connections(*ours: Engine, refuse: bool = False) -> Iterator[list[URL]]:
    """URLs of the connections made in this thread while inside, except through `ours`.

    With `refuse`, such a connection is closed at once and `OwnConnectionRefused` raised in
    the code that made it (for dry runs: an SQL preview must not migrate anything).
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    thread = threading.get_ident()
    seen: list[URL] = []

    def connected(connection: Connection) -> None:
        engine = connection.engine
        if threading.get_ident() != thread or any(engine is own for own in ours):
            return
        seen.append(engine.url)
        if refuse:
            connection.close()
            raise OwnConnectionRefused(
                f"env.py connected to {masked(engine.url)} on its own instead of using "
                'config.attributes["connection"]: nothing was run'
            )

    event.listen(Engine, "engine_connect", connected)
    try:
        yield seen
    finally:
        event.remove(Engine, "engine_connect", connected)


def masked(url: URL) -> str:
    """`url` with its password hidden."""
    return url.render_as_string(hide_password=True)


def same_database(a: URL, b: URL) -> bool:
    """True when `a` and `b` name the same database (drivers aside). Two in-memory SQLite
    databases are never the same one."""
    backend = a.get_backend_name()
    if backend != b.get_backend_name():
        return False
    if backend == "sqlite":
        files = [url.database for url in (a, b)]
        if any(name in (None, "", ":memory:") for name in files):
            return False
        return len({Path(str(name)).expanduser().resolve() for name in files}) == 1
    return (a.host, a.port, a.database) == (b.host, b.port, b.database)
