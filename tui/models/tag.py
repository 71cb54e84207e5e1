"""Tags attached to posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tui.db.base import Base
from tui.models.post import post_tags

if TYPE_CHECKING:
    from tui.models.post import Post


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    posts: Mapped[list[Post]] = relationship(
        secondary=post_tags, back_populates="tags", lazy="raise", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"Tag(id={self.id!r}, name={self.name!r})"
