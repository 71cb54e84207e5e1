"""usernames and emails unique without regard to case

Revision ID: 0003_users_case_insensitive
Revises: 0002_list_indexes
Create Date: 2026-11-26 10:00:00

Unique indexes on ``lower(username)`` and ``lower(email)``: ``Ann`` and ``ann`` are one user.
They cover every row, trashed users included. ``lower()`` is the database's own: SQLite's folds
ASCII letters only, PostgreSQL's by the database's locale (Unicode in a UTF-8 locale).

Existing rows that collide (``Ann`` and ``ann``) stop the upgrade with an error naming them;
nothing is dropped or changed: rename or merge those users, then upgrade again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

revision: str = "0003_users_case_insensitive"
down_revision: str | Sequence[str] | None = "0002_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index name, column, what the error calls the column's values)
INDEXES = [
    ("uq_users_lower_username", "username", "usernames"),
    ("uq_users_lower_email", "email", "emails"),
]
SHOWN_GROUPS = 5  # colliding groups named per column; the rest are counted

users = sa.table("users", sa.column("id", sa.Integer), *(sa.column(c) for _n, c, _w in INDEXES))


def _collisions(column_name: str) -> list[list[tuple[int, str]]]:
    """Groups of (id, value) whose values are equal once lowered, smallest id first."""
    column = users.c[column_name]
    key = sa.func.lower(column)
    repeated = sa.select(key).group_by(key).having(sa.func.count() > 1)
    statement = (
        sa.select(key.label("key"), users.c.id, column)
        .where(key.in_(repeated))
        .order_by(key, users.c.id)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for lowered, id_, value in op.get_bind().execute(statement):
        groups.setdefault(lowered, []).append((id_, value))
    return list(groups.values())


def _describe(groups: list[list[tuple[int, str]]]) -> str:
    """`'Ann' and 'ann' (ids 3, 17); ...` for the first groups, then how many more."""
    shown = []
    for group in groups[:SHOWN_GROUPS]:
        values = " and ".join(repr(value) for _id, value in group)
        ids = ", ".join(str(id_) for id_, _value in group)
        shown.append(f"{values} (ids {ids})")
    more = len(groups) - SHOWN_GROUPS
    return "; ".join(shown) + (f" and {more} more" if more > 0 else "")


def _refuse_collisions() -> None:
    """Stop (changing nothing) when rows already collide without regard to case."""
    found = []
    for _name, column, what in INDEXES:
        groups = _collisions(column)
        if groups:
            found.append((what, groups))
    if not found:
        return
    subject = " and ".join(what for what, _groups in found)
    if len(found) == 1:
        details = _describe(found[0][1])
    else:
        details = "; ".join(f"{what}: {_describe(groups)}" for what, groups in found)
    raise CommandError(
        f"cannot make {subject} unique without regard to case: {details}; "
        "rename or merge them, then upgrade again"
    )


def upgrade() -> None:
    if not context.is_offline_mode():  # generated SQL (a preview) has no rows to look at
        _refuse_collisions()
    for name, column, _what in INDEXES:
        op.create_index(name, "users", [sa.text(f"lower({column})")], unique=True)


def downgrade() -> None:
    # IF EXISTS: on SQLite a later batch rebuild of `users` (copy and move) recreates only the
    # indexes SQLAlchemy can reflect, and expression indexes are not among them.
    for name, _column, _what in reversed(INDEXES):
        op.drop_index(name, table_name="users", if_exists=True)
