"""rebuild posts through a batch copy

Revision ID: 0003_rebuild_posts
Revises: 0003_users_case_insensitive
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_rebuild_posts"
down_revision = "0003_users_case_insensitive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Recreate the table (copy, drop, rename): with foreign keys on, dropping `posts` would
    # delete the post_tags rows through ON DELETE CASCADE.
    with op.batch_alter_table("posts", recreate="always") as batch:
        batch.alter_column("title", existing_type=sa.String(200), type_=sa.String(210))


def downgrade() -> None:
    with op.batch_alter_table("posts", recreate="always") as batch:
        batch.alter_column("title", existing_type=sa.String(210), type_=sa.String(200))
