"""Products: most column types, a non-native enum, and an optimistic-locking version column."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    Float,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Availability(enum.StrEnum):
    """Stored as text (`native_enum=False`): no database enum type."""

    in_stock = "in_stock"
    backorder = "backorder"
    discontinued = "discontinued"


class Product(Base):
    """A product for sale; `version` detects concurrent edits (SQLAlchemy's version counter)."""

    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    units_sold: Mapped[int] = mapped_column(BigInteger, server_default="0")
    availability: Mapped[Availability] = mapped_column(
        Enum(Availability, native_enum=False, length=20), server_default="in_stock"
    )
    # JSONB on PostgreSQL, JSON (text) elsewhere.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )
    # A list of words either way: a native array on PostgreSQL, a JSON array elsewhere.
    keywords: Mapped[list[str] | None] = mapped_column(
        JSON().with_variant(ARRAY(String(50)), "postgresql")
    )
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": version}
