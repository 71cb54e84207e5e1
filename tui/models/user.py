"""Users and their one-to-one profile."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from tui.db import tables
from tui.db.base import Base
from tui.db.tables import UserStatus

if TYPE_CHECKING:
    from tui.models.post import Post

__all__ = ["User", "UserProfile", "UserStatus"]


class User(Base):
    __table__ = tables.users

    id: Mapped[int]
    email: Mapped[str]
    username: Mapped[str]
    hashed_password: Mapped[str]
    full_name: Mapped[str | None]
    status: Mapped[UserStatus]
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    profile: Mapped[UserProfile | None] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    posts: Mapped[list[Post]] = relationship(
        back_populates="author", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": tables.users.c.version}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


class UserProfile(Base):
    __table__ = tables.user_profiles

    id: Mapped[int]
    user_id: Mapped[int]
    bio: Mapped[str | None]
    avatar_url: Mapped[str | None]
    location: Mapped[str | None]

    user: Mapped[User] = relationship(back_populates="profile", lazy="raise")
