"""initial schema with full-text search on posts

Revision ID: 0001_initial_schema
Revises:
Create Date: 2026-11-25 13:00:00

Creates users, user_profiles, posts, tags and post_tags as tui/db/tables.py defines them (the list
indexes come in 0002), and full-text search on posts:

* SQLite: an external-content FTS5 table ``posts_fts`` kept in step by triggers;
  query with ``posts_fts MATCH :q`` (``posts_fts.rowid = posts.id``);
* PostgreSQL: a generated ``posts.search_vector`` tsvector column with a GIN index;
  query with ``search_vector @@ websearch_to_tsquery('simple', :q)``.

Both are hidden from autogenerate by ``migrations/env.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial_schema"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE posts_fts USING fts5("
    "title, content, content='posts', content_rowid='id')",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts(rowid, title, content) VALUES (new.id, new.title, new.content); "
    "END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, content) "
    "VALUES ('delete', old.id, old.title, old.content); "
    "END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, content ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, title, content) "
    "VALUES ('delete', old.id, old.title, old.content); "
    "INSERT INTO posts_fts(rowid, title, content) VALUES (new.id, new.title, new.content); "
    "END",
    # Index rows already present (none on a fresh database).
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
]

SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TABLE IF EXISTS posts_fts",
]

POSTGRES_FTS = [
    "ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(content, ''))) STORED",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
]

POSTGRES_FTS_DROP = [
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "inactive", "suspended", name="user_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("avatar_url", sa.String(length=500), nullable=True),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_profiles_user_id")),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=250), nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_posts_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("slug", name=op.f("uq_posts_slug")),
    )
    op.create_index(
        "ix_posts_author_id_is_published", "posts", ["author_id", "is_published"], unique=False
    )
    op.create_table(
        "post_tags",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_tags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_post_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name=op.f("pk_post_tags")),
    )

    dialect = op.get_context().dialect.name
    statements = SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for statement in SQLITE_FTS_DROP if dialect == "sqlite" else POSTGRES_FTS_DROP:
        op.execute(statement)
    op.drop_table("post_tags")
    op.drop_index("ix_posts_author_id_is_published", table_name="posts")
    op.drop_table("posts")
    op.drop_table("user_profiles")
    op.drop_table("users")
    op.drop_table("tags")
    if dialect == "postgresql":
        op.execute("DROP TYPE IF EXISTS user_status")
