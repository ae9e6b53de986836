"""Messages may have no number: a Fineract row refused for its number is stored ``failed`` all the same.

Fineract never resends a row and polls every row it posted until the gateway gives it a final
status, so a row whose ``mobileNumber`` cannot be read is kept, with its reason and no number
(it never reaches a modem). The public ``/sms`` API still takes no number at all.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(length=20), nullable=True)


def downgrade() -> None:
    """Revert this revision (refused rows without a number get an empty one)."""
    op.execute("UPDATE messages SET number = '' WHERE number IS NULL")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(length=20), nullable=False)
