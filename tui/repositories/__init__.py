"""Async data access per entity: keyset pages, counts, get, create, update, delete.

Build a repository on a session from `SessionManager.session()`::

    async with manager.session() as session:
        page = await UserRepository(session).page(Query(sort="username"))

Rows are frozen dataclasses, never live ORM objects. Bad input and integrity problems raise
`FieldErrors`; a changed row raises `StaleRecordError`; a missing one `NotFoundError`.
"""

from tui.repositories.base import Count, Cursor, Impact, Page, Query, Repository
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.repositories.posts import PostDetail, PostRepository, PostRow
from tui.repositories.tags import TagDetail, TagRepository, TagRow
from tui.repositories.users import ProfileRow, UserDetail, UserRepository, UserRow

__all__ = [
    "Count",
    "Cursor",
    "FieldErrors",
    "Impact",
    "NotFoundError",
    "Page",
    "PostDetail",
    "PostRepository",
    "PostRow",
    "ProfileRow",
    "Query",
    "Repository",
    "StaleRecordError",
    "TagDetail",
    "TagRepository",
    "TagRow",
    "UserDetail",
    "UserRepository",
    "UserRow",
]
