"""Employees: an identity key and a self-reference (each employee's manager)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Identity, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Employee(Base):
    """An employee; deleting a manager leaves their reports without one (ON DELETE SET NULL)."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(255), unique=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    hired_on: Mapped[date]
    shift_starts_at: Mapped[time | None]
    salary: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # Naive: the office's local time, as the badge readers report it.
    last_badge_at: Mapped[datetime | None] = mapped_column(DateTime)

    manager: Mapped[Employee | None] = relationship(
        remote_side="Employee.id", back_populates="reports"
    )
    reports: Mapped[list[Employee]] = relationship(back_populates="manager")
