"""merge branches a and b

Revision ID: 0006_merge
Revises: 0004_branch_a, 0005_branch_b
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

revision = "0006_merge"
down_revision = ("0004_branch_a", "0005_branch_b")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
