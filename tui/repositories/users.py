"""Users: keyset lists with search and trash, hashed passwords, profiles, soft delete.

Lists are read from the Core tables; the ORM models load with the first create or update."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update

from tui.db import tables
from tui.db.tables import UserStatus, utcnow
from tui.repositories.base import (
    AnyRow,
    Impact,
    Query,
    Repository,
    affected_rows,
    clean_search,
    like_pattern,
)
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.schemas.errors import parse

if TYPE_CHECKING:  # loaded by create/update only: listing stays light (no email-validator)
    from pwdlib import PasswordHash
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.models import User
    from tui.schemas.users import UserCreate, UserUpdate

_users = tables.users
_profiles = tables.user_profiles
_posts = tables.posts

_default_hasher: PasswordHash | None = None


def default_hasher() -> PasswordHash:
    """The recommended pwdlib hasher (argon2), built once."""
    global _default_hasher
    if _default_hasher is None:
        from pwdlib import PasswordHash

        _default_hasher = PasswordHash.recommended()
    return _default_hasher


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


@dataclass(frozen=True, slots=True)
class ProfileRow:
    bio: str | None
    avatar_url: str | None
    location: str | None


@dataclass(frozen=True, slots=True)
class UserDetail(UserRow):
    """One user with the profile (``None`` before the first save with profile data) and the
    number of posts."""

    profile: ProfileRow | None = None
    post_count: int = 0


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
    integrity_columns = {
        "users.email": "email",
        "users.username": "username",
        "user_profiles.user_id": "profile",
    }
    integrity_constraints = {
        "uq_users_email": "email",
        "uq_users_username": "username",
        "uq_users_lower_email": "email",
        "uq_users_lower_username": "username",
        "uq_user_profiles_user_id": "profile",
    }
    integrity_messages = {
        "email": "already used by another user",
        "username": "already taken",
    }

    def __init__(self, session: AsyncSession, hasher: PasswordHash | None = None) -> None:
        super().__init__(session)
        self._hasher = hasher

    @property
    def hasher(self) -> PasswordHash:
        """The password hasher (built on first use: listing never needs it)."""
        if self._hasher is None:
            self._hasher = default_hasher()
        return self._hasher

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
                live_or_trash = func.likely(live_or_trash)
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

    async def _to_rows(self, raw: Sequence[AnyRow]) -> tuple[UserRow, ...]:
        return tuple(UserRow(*row) for row in raw)

    async def suggest(self, text: str, limit: int = 10) -> tuple[UserRow, ...]:
        """Live users whose username, email or full name contains `text` (author picker)."""
        page = await self.page(Query(sort="username", search=text), limit=limit)
        return page.rows

    # -- one row --------------------------------------------------------------------------
    async def get(self, id: int) -> UserDetail:
        """The user `id` (live or in the trash) with profile and post count."""
        row = (await self.session.execute(select(*_ROW_COLUMNS).where(_users.c.id == id))).first()
        if row is None:
            raise NotFoundError(self.kind, id)
        profile = (
            await self.session.execute(
                select(_profiles.c.bio, _profiles.c.avatar_url, _profiles.c.location).where(
                    _profiles.c.user_id == id
                )
            )
        ).first()
        posts = (
            await self.session.execute(
                select(func.count()).select_from(_posts).where(_posts.c.author_id == id)
            )
        ).scalar_one()
        return UserDetail(
            **row._mapping,
            profile=ProfileRow(**profile._mapping) if profile is not None else None,
            post_count=int(posts),
        )

    async def verify_password(self, username: str, password: str) -> bool:
        """True when `password` matches the live user `username`."""
        hashed = (
            await self.session.execute(
                select(_users.c.hashed_password).where(
                    _users.c.username == username, _users.c.deleted_at.is_(None)
                )
            )
        ).scalar()
        if hashed is None:
            return False
        return await asyncio.to_thread(self.hasher.verify, password, hashed)

    # -- writes ---------------------------------------------------------------------------
    async def _check_unique(
        self, username: str | None, email: str | None, exclude_id: int | None = None
    ) -> None:
        """`FieldErrors` when another user (live or trashed) has the username or email,
        compared without regard to case by the database's `lower()`, as the unique indexes
        compare them (SQLite's folds ASCII letters only; see `tui.db.tables`)."""
        same: dict[str, ColumnElement[bool]] = {}
        if username is not None:
            same["username"] = func.lower(_users.c.username) == func.lower(username)
        if email is not None:
            same["email"] = func.lower(_users.c.email) == func.lower(email)
        if not same:
            return
        statement = select(
            _users.c.deleted_at, *(match.label(field) for field, match in same.items())
        ).where(or_(*same.values()))
        if exclude_id is not None:
            statement = statement.where(_users.c.id != exclude_id)
        errors: dict[str, str] = {}
        for other in (await self.session.execute(statement)).all():
            where = " (by a user in the trash)" if other.deleted_at is not None else ""
            for field in same:
                if other._mapping[field]:
                    errors[field] = f"{self.integrity_messages[field]}{where}"
        if errors:
            raise FieldErrors(errors)

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def create(self, data: UserCreate | Mapping[str, Any]) -> UserDetail:
        """Create a user (and its profile when profile data is given)."""
        from tui.models import User, UserProfile
        from tui.schemas.users import UserCreate

        values = parse(UserCreate, data)
        await self._check_unique(values.username, values.email)
        hashed = await self._hash(values.password.get_secret_value())
        user = User(
            username=values.username,
            email=values.email,
            full_name=values.full_name,
            hashed_password=hashed,
            status=values.status,
        )

        async def write() -> None:
            self.session.add(user)
            await self.session.flush()
            if values.profile is not None:
                self.session.add(UserProfile(user_id=user.id, **values.profile.model_dump()))

        async with self.guarded():
            await write()
        return await self.get(user.id)

    async def _load(self, id: int) -> User | None:
        from tui.models import User

        statement = self._for_update(select(User).where(User.id == id))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def update(
        self, id: int, data: UserUpdate | Mapping[str, Any], expected_version: int
    ) -> UserDetail:
        """Apply `data` if the user is still at `expected_version`; else `StaleRecordError`.
        Only the fields given are written (profile fields too); a blank password keeps the old
        one; profile data creates the profile if missing."""
        from tui.models import UserProfile
        from tui.schemas.users import UserUpdate

        values = parse(UserUpdate, data)
        hashed = await self._hash(values.password.get_secret_value()) if values.password else None
        user = await self._load(id)
        if user is None:
            raise StaleRecordError(None, self.kind)
        if user.version != expected_version:
            raise await self._stale(id)
        await self._check_unique(values.username, values.email, exclude_id=id)
        profile = None
        if values.profile is not None:
            profile = (
                await self.session.execute(select(UserProfile).where(UserProfile.user_id == id))
            ).scalar_one_or_none()

        async def write() -> None:
            for name in ("username", "email", "status", "full_name"):
                if name in values.model_fields_set:  # only what was given is written
                    setattr(user, name, getattr(values, name))
            if hashed is not None:
                user.hashed_password = hashed
            user.updated_at = utcnow()  # always an UPDATE: the version check runs and bumps
            if values.profile is not None:
                fields = values.profile.model_dump(exclude_unset=True)
                if profile is None:
                    if any(value is not None for value in fields.values()):
                        self.session.add(UserProfile(user_id=id, **fields))
                else:
                    for name, value in fields.items():
                        setattr(profile, name, value)

        await self._write(id, write)
        return await self.get(id)

    async def _set_deleted(
        self, id: int, deleted: bool, expected_version: int | None
    ) -> UserDetail:
        statement = (
            update(_users)
            .where(_users.c.id == id)
            .where(_users.c.deleted_at.is_(None) if deleted else _users.c.deleted_at.is_not(None))
            .values(
                deleted_at=utcnow() if deleted else None,
                updated_at=utcnow(),
                version=_users.c.version + 1,
            )
        )
        if expected_version is not None:
            statement = statement.where(_users.c.version == expected_version)
        result = await self.session.execute(statement)
        current = await self.get(id)  # NotFoundError when gone
        stale = expected_version is not None and current.version != expected_version
        if affected_rows(result) == 0 and stale:
            raise StaleRecordError(current, self.kind)
        return current

    async def soft_delete(self, id: int, expected_version: int | None = None) -> UserDetail:
        """Move the user to the trash (a no-op when already there)."""
        return await self._set_deleted(id, True, expected_version)

    async def restore(self, id: int, expected_version: int | None = None) -> UserDetail:
        """Bring the user back from the trash (a no-op when live)."""
        return await self._set_deleted(id, False, expected_version)

    async def delete_impact(self, id: int) -> Impact:
        """What a permanent delete takes with it: ``deletes 12 posts, 1 profile``."""
        exists = await self.session.execute(select(_users.c.id).where(_users.c.id == id))
        if exists.first() is None:
            raise NotFoundError(self.kind, id)
        posts = select(func.count()).select_from(_posts).where(_posts.c.author_id == id)
        profiles = select(func.count()).select_from(_profiles).where(_profiles.c.user_id == id)
        return Impact(
            "deletes",
            (
                ("post", int((await self.session.execute(posts)).scalar_one())),
                ("profile", int((await self.session.execute(profiles)).scalar_one())),
            ),
            empty="deletes nothing else (no posts, no profile)",
        )

    async def delete(self, id: int, expected_version: int | None = None) -> None:
        """Delete the user for good, with its posts and profile (database cascades)."""
        statement = delete(_users).where(_users.c.id == id)
        if expected_version is not None:
            statement = statement.where(_users.c.version == expected_version)
        result = await self.session.execute(statement)
        if affected_rows(result) == 0:
            if expected_version is None:
                raise NotFoundError(self.kind, id)
            raise await self._stale(id)
