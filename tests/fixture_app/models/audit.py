"""The audit log: an append-only Core table with no primary key (not mapped to a class)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, String, Table, func

from .base import Base

audit_log = Table(
    "audit_log",
    Base.metadata,
    # Naive: the database server's local time.
    Column("occurred_at", DateTime, server_default=func.now(), nullable=False, index=True),
    Column("actor", String(100), nullable=True),
    Column("action", String(50), nullable=False),
    Column("details", JSON, nullable=True),
)
