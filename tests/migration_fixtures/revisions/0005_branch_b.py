"""branch_b table

Revision ID: 0005_branch_b
Revises: 0003_notes
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_branch_b"
down_revision = "0003_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("branch_b", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("branch_b")
