"""Message counts per quarter hour, status and modem, kept by triggers: the overview reads these.

With a million messages in the last seven days, counting them for the console's overview walked a
million index entries on every refresh (~115-225 ms). ``message_counts`` holds, for each quarter
hour of ``created_at`` (UTC), status and modem (``''`` for none), how many messages there are;
triggers on ``messages`` change it in the same transaction as every insert, delete and change of
status, modem or creation time, whichever code path (or hand-written SQL) makes it. So the counts
are exact after any crash: a transaction that did not commit changed neither. This revision builds
the counts from the rows already stored, in the transaction that creates the triggers (the
gateway migrates in one transaction, before anything else may write).

A quarter hour, because every time zone in use today is a whole number of quarter hours from UTC:
a local day is a run of whole buckets. The index the overview used to count from is dropped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Microseconds in a bucket (``created_at`` is microseconds since 1970); store/overview.py has the same.
_BUCKET = 900_000_000
# The SQL below is built from these constants and the words NEW/OLD only: nothing from outside.
# ruff: noqa: S608


def _row(prefix: str) -> str:
    """Return the bucket, status and modem of the ``NEW`` or ``OLD`` row, as SQL (both engines)."""
    return f"{prefix}.created_at / {_BUCKET}, {prefix}.status, coalesce({prefix}.modem_id, '')"


def _where(prefix: str) -> str:
    return (
        f"bucket = {prefix}.created_at / {_BUCKET} AND status = {prefix}.status "
        f"AND modem_id = coalesce({prefix}.modem_id, '')"
    )


def _add(prefix: str) -> str:
    return (
        f"INSERT INTO message_counts (bucket, status, modem_id, tally) VALUES ({_row(prefix)}, 1) "
        "ON CONFLICT (bucket, status, modem_id) DO UPDATE SET tally = message_counts.tally + 1;"
    )


def _remove(prefix: str) -> str:
    return (
        f"UPDATE message_counts SET tally = tally - 1 WHERE {_where(prefix)}; "
        f"DELETE FROM message_counts WHERE {_where(prefix)} AND tally = 0;"
    )


_CHANGED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.modem_id IS DISTINCT FROM NEW.modem_id "
    "OR OLD.created_at IS DISTINCT FROM NEW.created_at"
)

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN {_remove('OLD')} END",
    "CREATE TRIGGER message_counts_update AFTER UPDATE OF status, modem_id, created_at ON messages "
    f"WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN {_remove('OLD')} {_add('NEW')} END",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE FUNCTION message_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT ({_CHANGED}) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_remove("OLD")}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_add("NEW")}
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER message_counts_follow AFTER INSERT OR DELETE OR UPDATE OF status, modem_id, created_at "
    "ON messages FOR EACH ROW EXECUTE FUNCTION message_counts_follow()",
)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "message_counts",
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("modem_id", sa.String(length=64), nullable=False),
        sa.Column("tally", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "status", "modem_id", name=op.f("pk_message_counts")),
    )
    op.execute(
        f"INSERT INTO message_counts (bucket, status, modem_id, tally) "
        f"SELECT created_at / {_BUCKET}, status, coalesce(modem_id, ''), count(*) FROM messages "
        f"GROUP BY created_at / {_BUCKET}, status, coalesce(modem_id, '')"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    op.drop_index("ix_messages_created_status_modem", table_name="messages")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index(
        "ix_messages_created_status_modem", "messages", ["created_at", "status", "modem_id"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER message_counts_{name}")
    else:
        op.execute("DROP TRIGGER message_counts_follow ON messages")
        op.execute("DROP FUNCTION message_counts_follow()")
    op.drop_table("message_counts")
