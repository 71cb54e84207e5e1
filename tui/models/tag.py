"""Tags attached to posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from tui.db import tables
from tui.db.base import Base
from tui.db.tables import post_tags

if TYPE_CHECKING:
    from tui.models.post import Post


class Tag(Base):
    __table__ = tables.tags

    id: Mapped[int]
    name: Mapped[str]
    version: Mapped[int]

    posts: Mapped[list[Post]] = relationship(
        secondary=post_tags, back_populates="tags", lazy="raise", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": tables.tags.c.version}

    def __repr__(self) -> str:
        return f"Tag(id={self.id!r}, name={self.name!r})"
