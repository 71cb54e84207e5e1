"""Async data access per entity: keyset pages, counts, get, create, update, delete.

Build a repository on a session from `SessionManager.session()` (writes) or
`SessionManager.read_session()` (lists and reads)::

    async with manager.read_session() as session:
        page = await UserRepository(session).page(Query(sort="username"))

Rows are frozen dataclasses, never live ORM objects. Bad input and integrity problems raise
`FieldErrors`; a changed row raises `StaleRecordError`; a missing one `NotFoundError`.

Names load from their submodule on first use (PEP 562): the Users screen imports only the
users repository at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.lazy_exports import lazy_getattr

if TYPE_CHECKING:
    from tui.repositories.base import Count, Cursor, Impact, Page, Query, Repository
    from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
    from tui.repositories.tags import TagDetail, TagRepository, TagRow
    from tui.repositories.users import UserRepository, UserRow

_SOURCES = {
    **dict.fromkeys(("Count", "Cursor", "Impact", "Page", "Query", "Repository"), "base"),
    **dict.fromkeys(("FieldErrors", "NotFoundError", "StaleRecordError"), "errors"),
    **dict.fromkeys(("TagDetail", "TagRepository", "TagRow"), "tags"),
    **dict.fromkeys(("UserRepository", "UserRow"), "users"),
}

__all__ = [
    "Count",
    "Cursor",
    "FieldErrors",
    "Impact",
    "NotFoundError",
    "Page",
    "Query",
    "Repository",
    "StaleRecordError",
    "TagDetail",
    "TagRepository",
    "TagRow",
    "UserRepository",
    "UserRow",
]


__getattr__ = lazy_getattr(__name__, _SOURCES, globals())
