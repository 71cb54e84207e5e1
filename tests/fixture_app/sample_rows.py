"""A small, deterministic set of rows in every table of the fixture application.

Text a screen shows carries hostile values: Rich markup (`[bold]`, `[/]`, `[link=…]`), terminal
escapes (`\\x1b[31m`, `\\x1b[2J`), CRLF line breaks, a bidi override, leading and trailing spaces,
NULLs, and non-ASCII text. No NUL characters: PostgreSQL text cannot hold them.

Rows are inserted without their generated keys, so on a new database the integer keys are 1, 2,
3… in the order of the lists below (foreign keys here rely on that).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

from .models import (
    Country,
    Course,
    Employee,
    LegacyRecord,
    Order,
    OrderLine,
    Product,
    Student,
    User,
    audit_log,
    enrollments,
)

MARKUP = "[bold]not bold[/bold] [/]"
ESCAPES = "\x1b[31mred\x1b[0m"
CRLF = "first line\r\nsecond line"
PADDED = "  padded  "
BIDI = "file\u202egnp.exe"

ANN = uuid.UUID("00000000-0000-4000-8000-000000000001")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000002")
CHLOE = uuid.UUID("00000000-0000-4000-8000-000000000003")
ZOE = uuid.UUID("00000000-0000-4000-8000-000000000004")

COUNTRIES: list[dict[str, Any]] = [
    {"code": "FR", "name": "France", "calling_code": 33},
    {"code": "JP", "name": "日本", "calling_code": 81},
    {"code": "CI", "name": "Côte d’Ivoire", "calling_code": 225},  # noqa: RUF001 (its name)
    {"code": "XK", "name": "Kosovo", "calling_code": None},
]

USERS: list[dict[str, Any]] = [
    {
        "id": ANN,
        "email": "ann@example.com",
        "display_name": "Ann",
        "bio": CRLF,
        "is_active": True,
        "country_code": "FR",
        "created_at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "deleted_at": None,
    },
    {
        "id": BOB,
        "email": "bob@example.com",
        "display_name": MARKUP,
        "bio": BIDI,
        "is_active": True,
        "country_code": "JP",
        "created_at": datetime(2024, 1, 3, 0, 0, 0, tzinfo=UTC),
        "deleted_at": None,
    },
    {
        "id": CHLOE,
        "email": "chloe@example.com",
        "display_name": ESCAPES,
        "bio": None,
        "is_active": False,
        "country_code": None,
        "created_at": datetime(2024, 1, 4, 12, 30, 0, tzinfo=UTC),
        "deleted_at": None,
    },
    {
        "id": ZOE,
        "email": "zoë@example.com",
        "display_name": PADDED,
        "bio": "🦆 emoji, Ærøskøbing, مرحبا",
        "is_active": True,
        "country_code": "CI",
        "created_at": datetime(2024, 1, 5, 23, 59, 59, tzinfo=UTC),
        "deleted_at": datetime(2024, 6, 1, 8, 0, 0, tzinfo=UTC),  # in the trash
    },
]

PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "DUCK-001",
        "name": "Rubber duck 🦆",
        "description": "Squeaks.\r\nFloats.",
        "price": Decimal("3.50"),
        "weight_kg": 0.05,
        "units_sold": 12_345_678_901,  # beyond 32 bits
        "availability": "in_stock",
        "attributes": {"colour": "yellow", "[bold]": ESCAPES},
        "keywords": ["bath", "toy"],
        "thumbnail": b"\x89PNG\r\n\x1a\n\x00\xff",
        "version": 1,
    },
    {
        "sku": "LAMP-002",
        "name": ESCAPES,
        "description": None,
        "price": Decimal("0.00"),
        "weight_kg": None,
        "units_sold": 0,
        "availability": "backorder",
        "attributes": None,
        "keywords": None,
        "thumbnail": None,
        "version": 1,
    },
    {
        "sku": "BOOK-003",
        "name": "[link=https://example.com]A book[/link]",
        "description": PADDED,
        "price": Decimal("12345678.99"),
        "weight_kg": 1.5,
        "units_sold": 7,
        "availability": "discontinued",
        "attributes": {},
        "keywords": [],
        "thumbnail": b"",
        "version": 3,
    },
]

ORDERS: list[dict[str, Any]] = [
    {
        "customer_id": ANN,
        "status": "paid",
        "ship_to": "FR",
        "placed_at": datetime(2024, 2, 3, 10, 0, 0, tzinfo=UTC),
        "note": "Leave at the door.\r\nRing twice.",
    },
    {
        "customer_id": BOB,
        "status": "pending",
        "ship_to": "JP",
        "placed_at": datetime(2024, 2, 4, 11, 15, 0, tzinfo=UTC),
        "note": None,
    },
    {
        "customer_id": ANN,
        "status": "cancelled",
        "ship_to": "XK",
        "placed_at": datetime(2024, 2, 5, 9, 30, 0, tzinfo=UTC),
        "note": f"{MARKUP} \x1b[2J",
    },
]

# (order 3 has no lines: the view order_totals shows it with 0 lines)
ORDER_LINES: list[dict[str, Any]] = [
    {"order_id": 1, "line_no": 1, "product_id": 1, "quantity": 2, "unit_price": Decimal("3.50")},
    {
        "order_id": 1,
        "line_no": 2,
        "product_id": 3,
        "quantity": 1,
        "unit_price": Decimal("12345678.99"),
    },
    {"order_id": 2, "line_no": 1, "product_id": 2, "quantity": 5, "unit_price": Decimal("0.00")},
]

# Grace manages Alan and Ada; Alan manages Ünïcødé.
EMPLOYEES: list[list[dict[str, Any]]] = [
    [
        {
            "full_name": "Grace Hopper",
            "email": "grace@example.com",
            "manager_id": None,
            "hired_on": date(2019, 3, 1),
            "shift_starts_at": time(9, 0),
            "salary": Decimal("9999.99"),
            "last_badge_at": datetime(2024, 5, 6, 7, 8, 9),
        }
    ],
    [
        {
            "full_name": "Alan Turing",
            "email": "alan@example.com",
            "manager_id": 1,
            "hired_on": date(2020, 6, 23),
            "shift_starts_at": time(13, 30, 15),
            "salary": Decimal("5000.00"),
            "last_badge_at": None,
        },
        {
            "full_name": MARKUP,
            "email": "ada@example.com",
            "manager_id": 1,
            "hired_on": date(2021, 12, 10),
            "shift_starts_at": None,
            "salary": None,
            "last_badge_at": datetime(2024, 5, 7, 23, 59, 59),
        },
    ],
    [
        {
            "full_name": "Ünïcødé Ñame 名前",
            "email": "unicode@example.com",
            "manager_id": 2,
            "hired_on": date(2023, 1, 1),
            "shift_starts_at": time(0, 0),
            "salary": Decimal("0.01"),
            "last_badge_at": None,
        }
    ],
]

STUDENTS: list[dict[str, Any]] = [
    {"name": "Dana", "email": "dana@example.com", "enrolled_on": date(2024, 9, 1)},
    {"name": ESCAPES, "email": None, "enrolled_on": date(2024, 9, 2)},
    {"name": PADDED, "email": "eve@example.com", "enrolled_on": date(2025, 1, 15)},
]

COURSES: list[dict[str, Any]] = [
    {"code": "SQL-101", "title": "Relational databases", "credits": 3},
    {"code": "PY-201", "title": CRLF, "credits": 5},
    {"code": "ART-1", "title": MARKUP, "credits": 1},
]

ENROLLMENTS: list[dict[str, Any]] = [
    {"student_id": 1, "course_id": 1},
    {"student_id": 1, "course_id": 2},
    {"student_id": 2, "course_id": 1},
    {"student_id": 3, "course_id": 3},
]

# No primary key: the first two rows are identical on purpose.
AUDIT_LOG: list[dict[str, Any]] = [
    {
        "occurred_at": datetime(2024, 3, 1, 12, 0, 0),
        "actor": "ann@example.com",
        "action": "login",
        "details": {"ip": "127.0.0.1"},
    },
    {
        "occurred_at": datetime(2024, 3, 1, 12, 0, 0),
        "actor": "ann@example.com",
        "action": "login",
        "details": {"ip": "127.0.0.1"},
    },
    {
        "occurred_at": datetime(2024, 3, 2, 8, 30, 0),
        "actor": None,
        "action": "cron",
        "details": None,
    },
    {
        "occurred_at": datetime(2024, 3, 3, 18, 45, 0),
        "actor": ESCAPES,
        "action": CRLF,
        "details": {"note": MARKUP},
    },
]

LEGACY_RECORDS: list[dict[str, Any]] = [
    {"MixedColumn": PADDED},
    {"MixedColumn": None},
    {"MixedColumn": "MiXeD ✓"},
]

#: Every table with its rows, in an order that satisfies the foreign keys.
SAMPLE_ROWS: list[tuple[Table, list[dict[str, Any]]]] = [
    (Country.__table__, COUNTRIES),
    (User.__table__, USERS),
    (Product.__table__, PRODUCTS),
    (Order.__table__, ORDERS),
    (OrderLine.__table__, ORDER_LINES),
    *((Employee.__table__, level) for level in EMPLOYEES),
    (Student.__table__, STUDENTS),
    (Course.__table__, COURSES),
    (enrollments, ENROLLMENTS),
    (audit_log, AUDIT_LOG),
    (LegacyRecord.__table__, LEGACY_RECORDS),
]


def insert_sample_rows(connection: Connection) -> None:
    """Insert the sample rows into a migrated, empty database (the caller commits)."""
    for table, rows in SAMPLE_ROWS:
        connection.execute(insert(table), rows)


def row_counts() -> dict[str, int]:
    """How many sample rows each table holds."""
    counts: dict[str, int] = {}
    for table, rows in SAMPLE_ROWS:
        counts[table.name] = counts.get(table.name, 0) + len(rows)
    return counts
