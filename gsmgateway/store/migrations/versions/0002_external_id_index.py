"""Index messages by external id, for the Fineract compatibility status look-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_messages_external_id", "messages", ["external_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_messages_external_id", table_name="messages")
