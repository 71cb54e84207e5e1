"""The fixture application's models; importing this package registers every table on `Base`."""

from __future__ import annotations

from .accounts import User
from .audit import audit_log
from .base import Base
from .catalog import Availability, Product
from .geography import Country
from .legacy import LegacyRecord
from .sales import Order, OrderLine, OrderStatus
from .staff import Employee
from .training import Course, Student, enrollments

__all__ = [
    "Availability",
    "Base",
    "Country",
    "Course",
    "Employee",
    "LegacyRecord",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Product",
    "Student",
    "User",
    "audit_log",
    "enrollments",
]
