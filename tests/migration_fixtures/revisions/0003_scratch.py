"""scratch table the models do not know

Revision ID: 0003_scratch
Revises: 0003_users_case_insensitive
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_scratch"
down_revision = "0003_users_case_insensitive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scratch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(length=20), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("scratch")
