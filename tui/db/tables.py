"""The schema as SQLAlchemy Core tables: what the ORM models map, what lists are read from.

Core alone (no ``sqlalchemy.orm``, ~70 ms of imports) is enough to build and read a list page,
so the first rows need not wait for the ORM: it loads with the first write or detail view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    func,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware current time in UTC."""
    return datetime.now(UTC)


class UserStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


def version_column() -> Column[int]:
    """`version`: the optimistic-locking counter the ORM checks and bumps on every UPDATE."""
    return Column("version", Integer, nullable=False, server_default="1")


def timestamp_columns() -> tuple[Column[datetime], Column[datetime]]:
    """`created_at` / `updated_at`, filled by the application and the database."""
    return (
        Column(
            "created_at",
            DateTime(timezone=True),
            default=utcnow,
            server_default=func.now(),
            nullable=False,
        ),
        Column(
            "updated_at",
            DateTime(timezone=True),
            default=utcnow,
            onupdate=utcnow,
            server_default=func.now(),
            nullable=False,
        ),
    )


def soft_delete_column() -> Column[datetime]:
    """`deleted_at`: set when a row is moved to the trash, cleared on restore."""
    return Column("deleted_at", DateTime(timezone=True), nullable=True, default=None)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(255), unique=True, nullable=False),
    Column("username", String(50), unique=True, nullable=False),
    Column("hashed_password", String(255), nullable=False),
    Column("full_name", String(100), nullable=True),
    Column(
        "status",
        Enum(UserStatus, name="user_status", values_callable=lambda e: [m.value for m in e]),
        nullable=False,
        default=UserStatus.ACTIVE,
        server_default=UserStatus.ACTIVE.value,
    ),
    version_column(),
    *timestamp_columns(),
    soft_delete_column(),
    Index("ix_users_created_at_id", "created_at", "id"),
    Index("ix_users_full_name_id", "full_name", "id"),
    Index("ix_users_status_id", "status", "id"),
    Index("ix_users_deleted_at_id", "deleted_at", "id"),
)

# Usernames and emails are unique without regard to case (`Ann` and `ann` are one user), live
# and trashed users alike. `lower()` is the database's own: SQLite's folds ASCII letters only
# (`Ärne` and `ärne` stay two users there), PostgreSQL's folds by the database's locale
# (Unicode in a UTF-8 locale). The repository's duplicate check uses the same `lower()`, so
# it agrees with the index on each backend. The plain unique constraints above stay.
Index("uq_users_lower_username", func.lower(users.c.username), unique=True)
Index("uq_users_lower_email", func.lower(users.c.email), unique=True)

user_profiles = Table(
    "user_profiles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        unique=True,
        nullable=False,
    ),
    Column("bio", Text, nullable=True),
    Column("avatar_url", String(500), nullable=True),
    Column("location", String(100), nullable=True),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("slug", String(250), unique=True, nullable=False),
    Column("content", Text, nullable=False, default="", server_default=""),
    Column("is_published", Boolean, nullable=False, default=False, server_default=false()),
    Column("author_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    version_column(),
    *timestamp_columns(),
    Index("ix_posts_author_id_is_published", "author_id", "is_published"),
    Index("ix_posts_author_id_id", "author_id", "id"),
    Index("ix_posts_created_at_id", "created_at", "id"),
    Index("ix_posts_title_id", "title", "id"),
    Index("ix_posts_is_published_id", "is_published", "id"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), unique=True, nullable=False),
    version_column(),
)

post_tags = Table(
    "post_tags",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)
