"""Posts and the post/tag association table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tui.db.base import Base, TimestampMixin

if TYPE_CHECKING:
    from tui.models.tag import Tag
    from tui.models.user import User

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)


class Post(TimestampMixin, Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(250), unique=True, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    is_published: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    author: Mapped[User] = relationship(back_populates="posts", lazy="raise")
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, back_populates="posts", lazy="raise", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_posts_author_id_is_published", "author_id", "is_published"),
        Index("ix_posts_author_id_id", "author_id", "id"),
        Index("ix_posts_created_at_id", "created_at", "id"),
        Index("ix_posts_title_id", "title", "id"),
        Index("ix_posts_is_published_id", "is_published", "id"),
    )

    def __repr__(self) -> str:
        return f"Post(id={self.id!r}, slug={self.slug!r})"
