"""Countries, keyed by their ISO 3166-1 alpha-2 code (a text primary key)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Country(Base):
    """A country customers live in and orders ship to."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    calling_code: Mapped[int | None]
