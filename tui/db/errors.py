"""Turn low-level database errors into one-line messages a user can act on."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError


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


def short_error(exc: BaseException, secrets: list[str] | None = None) -> str:
    """First line of an error, with any secret masked; SQL and parameters left out."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig)
    elif isinstance(exc, SQLAlchemyError):
        text = str(exc).split("\n[SQL:")[0]
    else:
        text = str(exc) or type(exc).__name__
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    for secret in secrets or []:
        if secret:
            line = line.replace(secret, "***")
    return line
