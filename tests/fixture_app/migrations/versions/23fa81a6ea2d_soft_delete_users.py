"""soft delete users

Revision ID: 23fa81a6ea2d
Revises: be9dd8af209c
Create Date: 2026-11-30 13:05:41.000000

Accounts go to a trash instead of being deleted: ``user.deleted_at``. Batch mode: on SQLite the
downgrade rebuilds ``user`` (copy and move), since its ALTER TABLE cannot drop this column here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "23fa81a6ea2d"
down_revision: str | Sequence[str] | None = "be9dd8af209c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("deleted_at")
