"""Two-way messaging: received messages and their parts, directory events, the webhook outbox.

``inbound_messages``/``inbound_parts`` hold received SMS (the parts' unique key makes a part stored
once, however often a modem hands it over); ``directory_events`` records opt-outs and opt-ins made
by a keyword; ``webhook_endpoints``/``webhook_outbox``/``webhook_attempts`` are the outbox of events
for webhooks and the log of every call. ``directory_entries.mobile`` gets an index (who sent this?).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "directory_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("inbound_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_events")),
    )
    with op.batch_alter_table("directory_events", schema=None) as batch_op:
        batch_op.create_index("ix_directory_events_entry", ["kind", "entry_id", "id"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("sender_type", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data_hex", sa.Text(), nullable=True),
        sa.Column("concat_ref", sa.Integer(), nullable=True),
        sa.Column("concat_bits", sa.SmallInteger(), nullable=True),
        sa.Column("parts_total", sa.SmallInteger(), nullable=False),
        sa.Column("parts_received", sa.SmallInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.BigInteger(), nullable=True),
        sa.Column("match_status", sa.String(length=16), nullable=False),
        sa.Column("match_kind", sa.String(length=8), nullable=True),
        sa.Column("match_id", sa.String(length=64), nullable=True),
        sa.Column("match_source", sa.String(length=16), nullable=True),
        sa.Column("candidates", sa.SmallInteger(), nullable=False),
        sa.Column("keyword", sa.String(length=16), nullable=True),
        sa.Column("keyword_result", sa.String(length=16), nullable=True),
        sa.Column("reply_message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_messages_match", ["match_kind", "match_id", "received_at", "id"], unique=False
        )
        batch_op.create_index("ix_inbound_messages_modem", ["modem_id", "received_at", "id"], unique=False)
        batch_op.create_index(
            "ix_inbound_messages_open", ["state", "modem_id", "sender", "concat_ref"], unique=False
        )
        batch_op.create_index("ix_inbound_messages_received", ["received_at", "id"], unique=False)
        batch_op.create_index(
            "ix_inbound_messages_status", ["match_status", "received_at", "id"], unique=False
        )

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("wants_inbound", sa.Boolean(), nullable=False),
        sa.Column("wants_status", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_endpoints_name")),
    )
    op.create_table(
        "inbound_parts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("inbound_id", sa.BigInteger(), nullable=False),
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("scts", sa.BigInteger(), nullable=False),
        sa.Column("concat_ref", sa.Integer(), nullable=False),
        sa.Column("concat_bits", sa.SmallInteger(), nullable=False),
        sa.Column("parts_total", sa.SmallInteger(), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("read_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_inbound_parts_inbound_id_inbound_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_parts")),
        sa.UniqueConstraint(
            "modem_id",
            "sender",
            "scts",
            "concat_ref",
            "concat_bits",
            "parts_total",
            "seq",
            "digest",
            name="uq_inbound_parts_key",
        ),
    )
    with op.batch_alter_table("inbound_parts", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_parts_inbound", ["inbound_id", "seq"], unique=False)

    op.create_table(
        "webhook_outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_outbox_endpoint_id_webhook_endpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_outbox_due", ["state", "next_attempt_at", "id"], unique=False)
        batch_op.create_index("ix_webhook_outbox_endpoint", ["endpoint_id", "state", "id"], unique=False)

    op.create_table(
        "webhook_attempts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["webhook_outbox.id"],
            name=op.f("fk_webhook_attempts_outbox_id_webhook_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_attempts_outbox", ["outbox_id", "id"], unique=False)

    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.create_index("ix_directory_entries_mobile", ["mobile"], unique=False)


def downgrade() -> None:
    """Revert this revision (received messages, directory events and the webhook outbox are dropped)."""
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_entries_mobile")
    dropped = ("webhook_attempts", "webhook_outbox", "webhook_endpoints", "inbound_parts", "inbound_messages")
    for table in (*dropped, "directory_events"):
        op.drop_table(table)
