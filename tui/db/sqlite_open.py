"""How dbtui opens a SQLite file it may not be able to write.

A reader of a WAL database needs the ``-shm`` (and ``-wal``) file next to it. A read-only
*file* is fine (SQLite creates them in the folder), but in a read-only *folder* with no
``-shm`` left there, SQLite cannot open the database at all ("unable to open database file"),
not even with ``mode=ro``. The only way to browse it then is SQLite's ``immutable=1``: read
without locks or shared memory. Nobody is writing it meanwhile: a writer in WAL mode would
have created the ``-shm`` file, and it is missing (one that starts later, allowed to write the
folder, is not seen until the connections are reopened). An immutable reader ignores a
``-wal`` file, so with one left there (committed pages not yet in the database) it is not
used: the database stays unopenable rather than shown without them. Writes through an
immutable connection fail with SQLite's read-only error, which says why.

The probe is a SQLite connection of its own: SQLite keeps the locks of every connection of the
process to one file together, so closing it drops no other connection's lock (a plain
``open()`` and ``close()`` would, see `tui.settings_sources.sqlite_table_count`).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path


def immutable_uri(path: str) -> str | None:
    """A ``file:…?immutable=1`` URI for the database at `path` when only that opens it (its
    folder is not writable, no ``-wal`` is left there, and a read-only open fails); None when
    a plain open works or an immutable one would be unsound.

    Checked with `os.access` and SQLite itself, never by opening the file (see above).
    """
    file = Path(path).expanduser().resolve()
    if os.access(file.parent, os.W_OK) or not file.is_file() or Path(f"{file}-wal").exists():
        return None
    try:
        with closing(sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_CANTOPEN:
            return f"{file.as_uri()}?immutable=1"
    return None
