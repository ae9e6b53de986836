"""The modem inbox (journal of PDUs read from modems) and what a part's match needs.

``modem_inbox`` holds every status report and received SMS read from a modem, written before the
modem deletes it. ``message_parts`` gets ``written_at`` (recorded before the PDU left the port),
``scts`` (the report's service-centre time stamp), and ``mr``/``sent_at`` become nullable: a part
whose PDU was written but whose ``+CMGS`` answer never came has a row without an MR.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "modem_inbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("memory", sa.String(length=8), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("pdu", sa.Text(), nullable=False),
        sa.Column("read_at", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modem_inbox")),
    )
    with op.batch_alter_table("modem_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_modem_inbox_pending", ["kind", "processed_at", "id"], unique=False)
        batch_op.create_index("ix_modem_inbox_pdu", ["modem_id", "pdu"], unique=False)
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.alter_column("mr", existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column("sent_at", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("written_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("scts", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this revision (parts without an MR are dropped: the old schema cannot hold them)."""
    op.execute("DELETE FROM message_parts WHERE mr IS NULL OR sent_at IS NULL")
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.drop_column("scts")
        batch_op.drop_column("written_at")
        batch_op.alter_column("sent_at", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("mr", existing_type=sa.SmallInteger(), nullable=False)
    with op.batch_alter_table("modem_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_modem_inbox_pdu")
        batch_op.drop_index("ix_modem_inbox_pending")
    op.drop_table("modem_inbox")
