"""Declarative base of the ORM models, on the Core schema's metadata (`tui.db.tables`)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from tui.db.tables import metadata


class Base(DeclarativeBase):
    """Base class of every model; each model maps one table of `tui.db.tables`."""

    metadata = metadata
