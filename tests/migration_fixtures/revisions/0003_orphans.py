"""delete every user, which leaves their posts pointing nowhere

Revision ID: 0003_orphans
Revises: 0003_users_case_insensitive
Create Date: 2026-11-25 14:00:00

"""

from __future__ import annotations

from alembic import op

revision = "0003_orphans"
down_revision = "0003_users_case_insensitive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Foreign keys are off during SQLite migrations, so nothing cascades here: the
    # foreign key check run before the revision commits must catch the orphans.
    op.execute("DELETE FROM users")


def downgrade() -> None:
    pass
