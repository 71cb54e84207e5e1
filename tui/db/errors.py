"""Turn database errors into one line a person can act on.

`short_error` is the one entry point for anything shown on screen: what went wrong and what to
do, without SQL, driver class names, links or newlines, secrets masked. `driver_error` keeps
the driver's own words for the SQL log (ctrl+l), where the statement is shown next to it.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

if TYPE_CHECKING:
    from tui.config import Settings

#: What the search bar says when the database refuses a search (too long, too complex).
SEARCH_REJECTED = "search text too long or too complex for the database: shorten it"

_CONNECTION_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
}
#: PostgreSQL SQLSTATEs that mean the server cannot be reached or refuses the session.
_PG_CONNECTION_STATES = ("08", "28", "3D000", "57P01", "57P02", "57P03", "53300")
_DRIVER_PREFIX = re.compile(r"^(?:\([\w.]+\)\s*|<class '[\w.]+'>:\s*)+")


class DbTuiError(Exception):
    """Base of the errors dbtui raises on purpose; `str()` is safe to show."""


class ReadOnlyError(DbTuiError):
    """A write was attempted while the database is locked read-only (production)."""


class ConnectionProblem(DbTuiError):
    """The database cannot be reached or opened; the message names the masked target."""


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps (DBAPI `orig`, cause, context), outermost first, no repeats."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return chain


def _root(exc: BaseException) -> BaseException:
    return _chain(exc)[-1]


def _all_text(exc: BaseException) -> str:
    return " | ".join(f"{type(e).__name__}: {e}" for e in _chain(exc)).lower()


def describe_connection_error(exc: BaseException, masked_url: str, sqlite_path: str | None) -> str:
    """A one-line reason why connecting to `masked_url` failed (no secrets, no traceback)."""
    text = _all_text(exc)
    root = _root(exc)
    if sqlite_path is not None:
        folder = Path(sqlite_path).expanduser().resolve().parent
        if not folder.is_dir():
            return f"SQLite folder does not exist: {folder} ({masked_url})"
        if "not a database" in text or "file is encrypted" in text:
            return f"not a SQLite database file: {sqlite_path} ({masked_url})"
        if "unable to open" in text or "readonly" in text or "permission" in text:
            return f"cannot open SQLite database {sqlite_path}: permission denied? ({masked_url})"
    if "password authentication failed" in text or "invalidpassworderror" in text:
        return f"authentication failed for {masked_url}"
    if "does not exist" in text and "database" in text:
        return f"database does not exist: {masked_url}"
    if "role" in text and "does not exist" in text:
        return f"user (role) does not exist: {masked_url}"
    if isinstance(root, TimeoutError) or "timeout" in text or "timed out" in text:
        return f"connection timed out: {masked_url}"
    if isinstance(root, socket.gaierror) or "name or service not known" in text:
        return f"host not found: {masked_url}"
    if (
        isinstance(root, ConnectionRefusedError)
        or "connection refused" in text
        or ("connect call failed" in text)
    ):
        return f"host unreachable (connection refused): {masked_url}"
    if isinstance(root, OSError):
        return f"host unreachable ({type(root).__name__}): {masked_url}"
    reason = str(root).splitlines()[0] if str(root) else type(root).__name__
    return f"cannot connect to {masked_url}: {reason}"


def short_error(
    exc: BaseException,
    secrets: list[str] | None = None,
    *,
    database: Settings | None = None,
) -> str:
    """One line for `exc` that says what went wrong and what to do, with any secret masked.

    `database` (the settings in use) lets the line name the SQLite file or the server, and
    adds its secrets to `secrets`. Never contains SQL, parameters, links or newlines.
    """
    hidden = [*(secrets or []), *(database.secrets if database is not None else [])]
    return _masked(_one_line(_describe(exc, database)), hidden)


def driver_error(exc: BaseException, secrets: list[str] | None = None) -> str:
    """The driver's own account of `exc` for the SQL log: its class, SQLite error name or
    SQLSTATE, message, and PostgreSQL's detail and hint; secrets masked."""
    root = _driver_root(exc)
    code = getattr(root, "sqlite_errorname", None) or getattr(root, "sqlstate", None)
    text = f"{type(root).__name__}{f' ({code})' if code else ''}: {_driver_message(root)}"
    for label in ("detail", "hint"):
        extra = getattr(root, label, None)
        if isinstance(extra, str) and extra:
            text += f" {label.upper()}: {extra}"
    return _masked(text, secrets or [])


def rejected_search(exc: BaseException) -> bool:
    """True when the database refused a statement because of its search text: a LIKE
    pattern over SQLite's limit, or one over a PostgreSQL program limit (SQLSTATE 54…)."""
    sqlite = _find_sqlite(exc)
    if sqlite is not None:
        return "pattern too complex" in str(sqlite)
    return (_sqlstate(exc) or "").startswith("54")


# -- what a person reads -----------------------------------------------------------------------
def _describe(exc: BaseException, database: Settings | None) -> str:
    if isinstance(exc, DbTuiError):
        return str(exc) or type(exc).__name__
    sqlite = _find_sqlite(exc)
    if sqlite is not None:
        return _sqlite_line(sqlite, database) or _driver_text(exc)
    server = database.masked_url if database is not None else "the database server"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return f"lost the connection to {server}: retry once it is back"
    state = _sqlstate(exc)
    if state is not None and (line := _postgres_line(exc, state, server)):
        return line
    if _no_space(exc):
        return f"the disk is full ({server}): nothing was written; free some space and retry"
    if _unreachable(exc):
        return describe_connection_error(exc, server, None)
    return _driver_text(exc)


def _sqlite_line(error: sqlite3.Error, database: Settings | None) -> str | None:
    path = _sqlite_path(database)
    file = path or "the database file"
    code = _sqlite_code(error)
    if code == sqlite3.SQLITE_BUSY or "database is locked" in str(error):
        return f"another process holds a write lock on {file}; retry"
    if code == sqlite3.SQLITE_READONLY:
        return f"{file} is read-only (file or folder permissions): nothing was written"
    if code == sqlite3.SQLITE_CANTOPEN and database is not None and path is not None:
        if not _folder_writable(path):  # the journal or WAL cannot be created next to it
            return f"{file} is read-only (file or folder permissions): nothing was written"
        return describe_connection_error(error, database.masked_url, path)
    if code == sqlite3.SQLITE_FULL:
        return f"the disk holding {file} is full: nothing was written; free some space and retry"
    if "pattern too complex" in str(error):
        return "search text too long for the database: shorten it"
    return None


def _postgres_line(exc: BaseException, state: str, server: str) -> str | None:
    if state == "53100":
        return f"the disk of {server} is full: nothing was written; free some space and retry"
    if state.startswith(_PG_CONNECTION_STATES):
        return describe_connection_error(exc, server, None)
    if state.startswith("54"):
        return f"too long or too complex for the database ({_driver_text(exc)}): shorten it"
    return None


def _driver_text(exc: BaseException) -> str:
    """The first line of the driver's message (no SQL, class-name prefix or link)."""
    root = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = _driver_message(root)
    if isinstance(root, SQLAlchemyError):
        text = text.split("\n[SQL:")[0]
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return _DRIVER_PREFIX.sub("", line) or type(exc).__name__


def _driver_message(error: BaseException) -> str:
    return _DRIVER_PREFIX.sub("", str(error)) or type(error).__name__


def _one_line(text: str) -> str:
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(cleaned.split())


def _masked(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# -- reading an error --------------------------------------------------------------------------
def _find_sqlite(exc: BaseException) -> sqlite3.Error | None:
    return next((e for e in _chain(exc) if isinstance(e, sqlite3.Error)), None)


def _sqlite_code(error: sqlite3.Error) -> int | None:
    """The primary SQLite result code (SQLITE_BUSY, …) of `error`, when known."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _sqlstate(exc: BaseException) -> str | None:
    for error in _chain(exc):
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and state:
            return state
    return None


def _driver_root(exc: BaseException) -> BaseException:
    """The innermost error that carries the driver's account (SQLite or asyncpg)."""
    chain = _chain(exc)
    sqlite = _find_sqlite(exc)
    if sqlite is not None:
        return sqlite
    with_state = [e for e in chain if getattr(e, "sqlstate", None)]
    if with_state:
        return with_state[-1]
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def _no_space(exc: BaseException) -> bool:
    return any(
        (isinstance(e, OSError) and e.errno == errno.ENOSPC)
        or "no space left on device" in str(e).lower()
        for e in _chain(exc)
    )


def _unreachable(exc: BaseException) -> bool:
    """True when `exc` comes from reaching a server (refused, reset, unknown host, timeout)."""
    for error in _chain(exc):
        if isinstance(error, ConnectionError | socket.gaierror | TimeoutError):
            return True
        if isinstance(error, OSError) and error.errno in _CONNECTION_ERRNOS:
            return True
    return False


def _sqlite_path(database: Settings | None) -> str | None:
    if database is None or not database.is_sqlite or database.is_memory:
        return None
    return database.url().database or None


def _folder_writable(path: str) -> bool:
    """Whether files can be created next to `path` (checked with `access`, never opened)."""
    return os.access(Path(path).expanduser().resolve().parent, os.W_OK)
