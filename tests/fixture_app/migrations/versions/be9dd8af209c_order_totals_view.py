"""order totals view

Revision ID: be9dd8af209c
Revises: 86dcc852f372
Create Date: 2026-11-30 12:58:10.000000

A view for reports: one row per order with its number of lines and total. Written by hand (the
view is not in the models' metadata; autogenerate does not see views).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "be9dd8af209c"
down_revision: str | Sequence[str] | None = "86dcc852f372"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE_ORDER_TOTALS = """
CREATE VIEW order_totals AS
SELECT o.id AS order_id,
       o.customer_id,
       o.status,
       count(l.line_no) AS line_count,
       coalesce(sum(l.line_total), 0) AS total
FROM "order" AS o
LEFT JOIN order_lines AS l ON l.order_id = o.id
GROUP BY o.id, o.customer_id, o.status
"""


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(CREATE_ORDER_TOTALS)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW order_totals")
