"""users.nickname column

Revision ID: 0003_user_nickname
Revises: 0002_list_indexes
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_user_nickname"
down_revision = "0003_users_case_insensitive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # As autogenerate writes it (render_as_batch): on SQLite a copy-and-move rebuild of users.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("nickname")
