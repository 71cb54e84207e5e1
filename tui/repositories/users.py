"""Users as the Posts screen's author picker lists them: keyset pages with search and trash.

The Users screen itself is the generic `TableScreen` with `tui.demo.users.UserAdmin` (forms,
passwords, profiles, duplicates); this module goes with the Posts screen's port to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, func, or_, select
from sqlalchemy.engine import Row

from tui.db import tables
from tui.db.tables import UserStatus
from tui.repositories.base import Query, Repository, clean_search, like_pattern

_users = tables.users


@dataclass(frozen=True, slots=True)
class UserRow:
    """One user as listed (no password hash)."""

    id: int
    username: str
    email: str
    full_name: str | None
    status: UserStatus
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


_ROW_COLUMNS = (
    _users.c.id,
    _users.c.username,
    _users.c.email,
    _users.c.full_name,
    _users.c.status,
    _users.c.created_at,
    _users.c.updated_at,
    _users.c.deleted_at,
    _users.c.version,
)


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class UserRepository(Repository[UserRow]):
    """Users. Filters: ``status`` (a `UserStatus` or its value), ``trash`` (alias
    ``deleted``; ``True`` lists soft-deleted users, default only live ones). Search: a
    case-insensitive substring of username, email or full name."""

    table = _users
    kind = "user"
    sortable = {
        "id": _users.c.id,
        "username": _users.c.username,
        "email": _users.c.email,
        "full_name": _users.c.full_name,
        "status": _users.c.status,
        "created_at": _users.c.created_at,
    }
    nullable_sorts = frozenset({"full_name"})
    unique_sorts = frozenset({"username", "email"})
    filter_names = frozenset({"status", "trash", "deleted"})

    # -- listing --------------------------------------------------------------------------
    def _select(self) -> Select[Any]:
        return select(*_ROW_COLUMNS)

    def _conditions(self, query: Query) -> list[ColumnElement[bool]]:
        filters = query.filters
        trash = _to_bool(filters.get("trash", filters.get("deleted", False)))
        live_or_trash: ColumnElement[bool]
        if trash:
            live_or_trash = _users.c.deleted_at.is_not(None)
        else:
            live_or_trash = _users.c.deleted_at.is_(None)
            if self.dialect == "sqlite":
                # "usually true": keeps SQLite on the sort column's index instead of the
                # deleted_at index followed by a sort of every live user
                live_or_trash = func.likely(live_or_trash, type_=Boolean)
        conditions: list[ColumnElement[bool]] = [live_or_trash]
        status = filters.get("status")
        if status is not None:
            try:
                status = UserStatus(status)
            except ValueError:
                raise ValueError(f"unknown user status {status!r}") from None
            conditions.append(_users.c.status == status)
        search = clean_search(query.search)
        if search is not None:
            pattern = like_pattern(search)
            columns = (_users.c.username, _users.c.email, _users.c.full_name)
            if self.dialect == "postgresql":
                matches = [c.ilike(pattern, escape="\\") for c in columns]
            else:
                matches = [c.like(pattern, escape="\\") for c in columns]
            conditions.append(or_(*matches))
        return conditions

    def _is_unfiltered(self, query: Query) -> bool:
        trash = _to_bool(query.filters.get("trash", query.filters.get("deleted", False)))
        others = set(query.filters) - {"trash", "deleted"}
        return not trash and not others and clean_search(query.search) is None

    async def _to_rows(self, raw: Sequence[Row[Any]]) -> tuple[UserRow, ...]:
        return tuple(UserRow(**row._mapping) for row in raw)

    async def suggest(self, text: str, limit: int = 10) -> tuple[UserRow, ...]:
        """Live users whose username, email or full name contains `text` (author picker)."""
        page = await self.page(Query(sort="username", search=text), limit=limit)
        return page.rows
