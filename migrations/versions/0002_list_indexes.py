"""list indexes backing sorting and filtering

Revision ID: 0002_list_indexes
Revises: 0001_initial_schema
Create Date: 2026-11-25 13:05:00

Every sort and filter the screens offer is a keyset query ``ORDER BY <column>, id``; these
composite indexes keep them index-backed on large tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_list_indexes"
down_revision: str | Sequence[str] | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_users_created_at_id", "users", ["created_at", "id"]),
    ("ix_users_full_name_id", "users", ["full_name", "id"]),
    ("ix_users_status_id", "users", ["status", "id"]),
    ("ix_users_deleted_at_id", "users", ["deleted_at", "id"]),
    ("ix_posts_author_id_id", "posts", ["author_id", "id"]),
    ("ix_posts_created_at_id", "posts", ["created_at", "id"]),
    ("ix_posts_title_id", "posts", ["title", "id"]),
    ("ix_posts_is_published_id", "posts", ["is_published", "id"]),
    ("ix_post_tags_tag_id_post_id", "post_tags", ["tag_id", "post_id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
