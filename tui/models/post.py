"""Posts and the post/tag association table."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from tui.db import tables
from tui.db.base import Base
from tui.db.tables import post_tags

if TYPE_CHECKING:
    from tui.models.tag import Tag
    from tui.models.user import User

__all__ = ["Post", "post_tags"]


class Post(Base):
    __table__ = tables.posts

    id: Mapped[int]
    title: Mapped[str]
    slug: Mapped[str]
    content: Mapped[str]
    is_published: Mapped[bool]
    author_id: Mapped[int]
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    author: Mapped[User] = relationship(back_populates="posts", lazy="raise")
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, back_populates="posts", lazy="raise", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": tables.posts.c.version}

    def __repr__(self) -> str:
        return f"Post(id={self.id!r}, slug={self.slug!r})"
