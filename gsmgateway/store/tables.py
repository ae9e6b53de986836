"""Tables of the gateway (SQLAlchemy Core), written so the same DDL and queries run on SQLite and PostgreSQL.

Times are stored as microseconds since the epoch and returned as aware UTC (:class:`UtcDateTime`),
so both engines compare them the same way. Statuses are stored as text. The indexes serve the hot queries: the
worker's claim of the oldest due message, report matching, and the filtered, keyset-paged list.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER PRIMARY KEY


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    """Return an aware time as whole microseconds since 1970: the stored form of :class:`UtcDateTime`.

    Bulk writers that bypass the type processors (``store/bulk.py``) convert with this function.

    :raises ValueError: a naive time (an ambiguity bug).
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    return (value - _EPOCH) // _MICROSECOND


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python, stored as whole microseconds since 1970 (a BIGINT).

    Integers compare, index and sort the same on SQLite and PostgreSQL, and binding one costs a
    fraction of formatting SQLite's datetime text — which matters when a batch writes 1000 rows.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        """Refuse naive times (an ambiguity bug) and store microseconds since the epoch."""
        return None if value is None else to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return the stored time as aware UTC."""
        if value is None:
            return None
        return _EPOCH + timedelta(0, 0, int(value))  # positional: cheaper on a 500-row page


api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),
    Column("recipient_kind", String(8), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("number", String(20), nullable=True),  # NULL: a Fineract row refused for its number
    Column("text", Text, nullable=True),  # NULL once retention removed it
    Column("parts_total", SmallInteger, nullable=False),
    Column("attempts", SmallInteger, nullable=False, default=0),
    Column("not_before", UtcDateTime, nullable=False),
    Column("send_at", UtcDateTime, nullable=True),
    Column("expires_at", UtcDateTime, nullable=False),  # validity: not sent by then → expired
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("status_reason", String(200), nullable=True),
    Column("modem_id", String(64), nullable=True),
    Column("last_error_code", Integer, nullable=True),
    Column("api_key_id", BigInteger, ForeignKey("api_keys.id"), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    Column("external_id", String(200), nullable=True),
    UniqueConstraint("api_key_id", "idempotency_key"),
    Index("ix_messages_due", "status", "not_before", "id"),
    Index("ix_messages_created", "created_at", "id"),
    Index("ix_messages_status_created", "status", "created_at", "id"),
    Index("ix_messages_recipient_created", "recipient_kind", "recipient_id", "created_at", "id"),
    Index("ix_messages_external_id", "external_id"),  # Fineract compatibility: status by externalId
)

#: How many messages there are per quarter hour of ``created_at``, status and modem (``''``: none).
#: Kept by triggers on ``messages`` (migration 0008) in the transaction of every change; the
#: console's overview sums it (store/overview.py) instead of counting a week of messages.
message_counts = Table(
    "message_counts",
    metadata,
    Column("bucket", BigInteger, primary_key=True),  # created_at // COUNT_BUCKET_MICROS
    Column("status", String(16), primary_key=True),
    Column("modem_id", String(64), primary_key=True),
    Column("tally", BigInteger, nullable=False),
)
#: The width of a ``message_counts`` bucket: a quarter hour, in the microseconds ``created_at`` holds.
COUNT_BUCKET_MICROS = 900_000_000

message_parts = Table(
    "message_parts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", BigInteger, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("part_no", SmallInteger, nullable=False),
    Column("modem_id", String(64), nullable=False),
    Column("mr", SmallInteger, nullable=True),  # NULL: the PDU was written, no +CMGS answer (yet)
    Column("number", String(20), nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),  # when +CMGS answered
    Column("report_outcome", String(16), nullable=True),
    Column("tp_st", SmallInteger, nullable=True),
    Column("report_at", UtcDateTime, nullable=True),
    Column("written_at", UtcDateTime, nullable=True),  # recorded before the PDU's first byte left
    Column("scts", UtcDateTime, nullable=True),  # TP-SCTS of the report applied to this part
    UniqueConstraint("message_id", "part_no"),
    Index("ix_message_parts_match", "modem_id", "mr", "number", "sent_at"),
)

message_events = Table(
    "message_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", BigInteger, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("modem_id", String(64), nullable=True),
    Column("error_code", Integer, nullable=True),
    Column("attempt", SmallInteger, nullable=False, default=0),
    Index("ix_message_events_message", "message_id", "id"),
)

directory_entries = Table(
    "directory_entries",
    metadata,
    Column("kind", String(8), primary_key=True),
    Column("entry_id", String(64), primary_key=True),
    Column("mobile", String(20), nullable=True),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("name", String(200), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_directory_entries_mobile", "mobile"),  # who sent a received SMS
)

#: The journal of every PDU read from a modem, written before the modem deletes it (core/inbox.py).
modem_inbox = Table(
    "modem_inbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("modem_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("memory", String(8), nullable=True),
    Column("slot", Integer, nullable=True),
    Column("pdu", Text, nullable=False),
    Column("read_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Index("ix_modem_inbox_pending", "kind", "processed_at", "id"),
    Index("ix_modem_inbox_pdu", "modem_id", "pdu"),  # the same PDU read twice is journaled once
)

modems = Table(
    "modems",
    metadata,
    Column("modem_id", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("signal", SmallInteger, nullable=True),
    Column("operator", String(64), nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("sent_count", BigInteger, nullable=False, default=0),
    Column("failed_count", BigInteger, nullable=False, default=0),
    Column("updated_at", UtcDateTime, nullable=False),
)

#: Received messages (core/inbound.py): one row per message, its parts joined once all are in.
inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("modem_id", String(64), nullable=False),
    Column("sender", String(32), nullable=False),  # +digits, digits or a name, as the PDU has it
    Column("sender_type", String(16), nullable=False),
    Column("number", String(20), nullable=True),  # the sender normalised (+digits); NULL for a name
    Column("state", String(16), nullable=False),
    Column("encoding", String(8), nullable=False),
    Column("text", Text, nullable=True),  # NULL while partial, for 8-bit data, or after retention
    Column("data_hex", Text, nullable=True),
    Column("concat_ref", Integer, nullable=True),
    Column("concat_bits", SmallInteger, nullable=True),
    Column("parts_total", SmallInteger, nullable=False),
    Column("parts_received", SmallInteger, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("match_status", String(16), nullable=False),
    Column("match_kind", String(8), nullable=True),
    Column("match_id", String(64), nullable=True),
    Column("match_source", String(16), nullable=True),
    Column("candidates", SmallInteger, nullable=False),
    Column("keyword", String(16), nullable=True),
    Column("keyword_result", String(16), nullable=True),
    Column("reply_message_id", BigInteger, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_inbound_messages_received", "received_at", "id"),
    Index("ix_inbound_messages_match", "match_kind", "match_id", "received_at", "id"),
    Index("ix_inbound_messages_modem", "modem_id", "received_at", "id"),
    Index("ix_inbound_messages_status", "match_status", "received_at", "id"),
    Index("ix_inbound_messages_open", "state", "modem_id", "sender", "concat_ref"),
)

#: One row per received part; its unique key is what makes a part stored once, however often read.
inbound_parts = Table(
    "inbound_parts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("inbound_id", BigInteger, ForeignKey("inbound_messages.id", ondelete="CASCADE"), nullable=False),
    Column("modem_id", String(64), nullable=False),
    Column("sender", String(32), nullable=False),
    Column("scts", UtcDateTime, nullable=False),
    Column("concat_ref", Integer, nullable=False),  # 0 / 0 / 1 / 1 for a message of one part
    Column("concat_bits", SmallInteger, nullable=False),
    Column("parts_total", SmallInteger, nullable=False),
    Column("seq", SmallInteger, nullable=False),
    Column("digest", String(16), nullable=False),  # of TP-DCS and the user data
    Column("encoding", String(8), nullable=False),
    Column("payload", Text, nullable=True),  # hex (modem/deliver.py says of what); NULL after retention
    Column("entry_id", BigInteger, nullable=True),  # the modem_inbox entry it came from
    Column("read_at", UtcDateTime, nullable=False),
    UniqueConstraint(
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
    Index("ix_inbound_parts_inbound", "inbound_id", "seq"),
)

#: Changes to a directory entry made by the gateway itself (an opt-out keyword), naming their cause.
directory_events = Table(
    "directory_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("entry_id", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("change", String(16), nullable=False),  # opted_out | opted_in | deleted (while opted out)
    Column("inbound_id", BigInteger, nullable=True),
    Column("reason", String(200), nullable=True),
    Index("ix_directory_events_entry", "kind", "entry_id", "id"),
)

#: The configured webhook endpoints (synchronised from [[webhooks]] at start); the outbox fans out to them.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("wants_inbound", Boolean, nullable=False),
    Column("wants_status", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

#: One row per (event, endpoint), written in the transaction of the change it announces.
webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("endpoint_id", BigInteger, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("subject_id", BigInteger, nullable=False),  # the message or inbound message
    Column("status", String(16), nullable=True),  # message.status: the new status
    Column("from_status", String(16), nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # pending | delivered | failed | abandoned
    Column("attempts", SmallInteger, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Index("ix_webhook_outbox_due", "state", "next_attempt_at", "id"),
    Index("ix_webhook_outbox_endpoint", "endpoint_id", "state", "id"),
)

#: The delivery log: every call made for an outbox row, with its answer.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("outbox_id", BigInteger, ForeignKey("webhook_outbox.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("error", String(500), nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempts_outbox", "outbox_id", "id"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's session id
    Column("api_key_id", BigInteger, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),  # shown in the session's own forms
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),  # absolute end, whatever the activity
    Index("ix_console_sessions_api_key_id", "api_key_id"),
)
