"""A table kept from a legacy system, with mixed-case (quoted) table and column names."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LegacyRecord(Base):
    """A row of the legacy `"CamelCase"` table; its column `"MixedColumn"` is `mixed_column`."""

    __tablename__ = "CamelCase"

    id: Mapped[int] = mapped_column(primary_key=True)
    mixed_column: Mapped[str | None] = mapped_column("MixedColumn", String(50))
