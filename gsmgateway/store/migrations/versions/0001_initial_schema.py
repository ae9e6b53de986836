"""Initial schema: messages, parts, events, directory, API keys, modems.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 13:25:20.862957
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_keys",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "directory_entries",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "entry_id", name=op.f("pk_directory_entries")),
    )
    op.create_table(
        "modems",
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("signal", sa.SmallInteger(), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_count", sa.BigInteger(), nullable=False),
        sa.Column("failed_count", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("modem_id", name=op.f("pk_modems")),
    )
    op.create_table(
        "messages",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipient_kind", sa.String(length=8), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("parts_total", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("not_before", sa.BigInteger(), nullable=False),
        sa.Column("send_at", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("modem_id", sa.String(length=64), nullable=True),
        sa.Column("last_error_code", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_messages_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "api_key_id", "idempotency_key", name=op.f("uq_messages_api_key_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_messages_due", ["status", "not_before", "id"], unique=False)
        batch_op.create_index(
            "ix_messages_recipient_created",
            ["recipient_kind", "recipient_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_messages_status_created", ["status", "created_at", "id"], unique=False)

    op.create_table(
        "message_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("modem_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_events_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_events")),
    )
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.create_index("ix_message_events_message", ["message_id", "id"], unique=False)

    op.create_table(
        "message_parts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("part_no", sa.SmallInteger(), nullable=False),
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("mr", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("report_outcome", sa.String(length=16), nullable=True),
        sa.Column("tp_st", sa.SmallInteger(), nullable=True),
        sa.Column("report_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_parts_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_parts")),
        sa.UniqueConstraint("message_id", "part_no", name=op.f("uq_message_parts_message_id_part_no")),
    )
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.create_index("ix_message_parts_match", ["modem_id", "mr", "number", "sent_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.drop_index("ix_message_parts_match")

    op.drop_table("message_parts")
    with op.batch_alter_table("message_events", schema=None) as batch_op:
        batch_op.drop_index("ix_message_events_message")

    op.drop_table("message_events")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_status_created")
        batch_op.drop_index("ix_messages_recipient_created")
        batch_op.drop_index("ix_messages_due")
        batch_op.drop_index("ix_messages_created")

    op.drop_table("messages")
    op.drop_table("modems")
    op.drop_table("directory_entries")
    op.drop_table("api_keys")
