"""The read side of messages: one message with its parts and timeline, and filtered keyset pages.

Lists are ordered newest first on ``(created_at, id)`` and paged with an opaque cursor holding the
last row's key, so page 1,000 costs what page 1 costs; every filter combination has an index that
starts with its equality columns and ends with ``(created_at, id)``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, tuple_

from gsmgateway.core.decimals import ascii_decimal
from gsmgateway.core.errors import MessageNotFoundError, ValidationError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import EventView, MessageDetail, MessagePage, MessageView, RecipientKind
from gsmgateway.store.base import Repository
from gsmgateway.store.rows import (
    EVENT_COLUMNS,
    MESSAGE_COLUMNS,
    PART_COLUMNS,
    event_view,
    message_view,
    part_view,
)
from gsmgateway.store.tables import message_events, message_parts, messages


@dataclass(frozen=True)
class ListFilter:
    """The store's form of a list query (the service builds it from ``MessageQuery``)."""

    status: MessageStatus | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    cursor: str | None = None
    limit: int = 50


class MessageQueries(Repository):
    """Reads of messages for the API; never writes."""

    async def count_with_status(self, status: MessageStatus) -> int:
        """How many messages are in ``status`` (``ix_messages_due`` starts with it: an index range count)."""
        async with self._read() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(messages).where(messages.c.status == status.value)
            )
        return int(count or 0)

    async def get_view(self, message_id: int) -> MessageView:
        """Return one message without parts or events.

        :raises MessageNotFoundError: there is no such message.
        """
        async with self._read() as conn:
            row = (await conn.execute(select(*MESSAGE_COLUMNS).where(messages.c.id == message_id))).first()
        if row is None:
            raise MessageNotFoundError(f"no message {message_id}")
        return message_view(row)

    async def owner_of(self, message_id: int) -> int | None:
        """Return the id of the API key that created the message (None: created without one).

        :raises MessageNotFoundError: there is no such message.
        """
        async with self._read() as conn:
            row = (
                await conn.execute(select(messages.c.api_key_id).where(messages.c.id == message_id))
            ).first()
        if row is None:
            raise MessageNotFoundError(f"no message {message_id}")
        return row.api_key_id  # type: ignore[no-any-return]

    async def get_detail(self, message_id: int) -> MessageDetail:
        """Return one message with its parts and its event timeline, oldest event first.

        The first event, "accepted" (→ ``queued``), is derived from ``created_at`` rather than
        stored, which halves the rows written per accepted message.

        :raises MessageNotFoundError: there is no such message.
        """
        async with self._read() as conn:
            row = (await conn.execute(select(*MESSAGE_COLUMNS).where(messages.c.id == message_id))).first()
            if row is None:
                raise MessageNotFoundError(f"no message {message_id}")
            parts = await conn.execute(
                select(*PART_COLUMNS)
                .where(message_parts.c.message_id == message_id)
                .order_by(message_parts.c.part_no)
            )
            events = await conn.execute(
                select(*EVENT_COLUMNS)
                .where(message_events.c.message_id == message_id)
                .order_by(message_events.c.id)
            )
            view = message_view(row)
            accepted = EventView(
                at=view.created_at, from_status=None, to_status=MessageStatus.QUEUED, reason="accepted",
                modem_id=None, error_code=None, attempt=0,
            )  # fmt: skip
            return MessageDetail(
                message=view,
                parts=tuple(part_view(p) for p in parts),
                events=(accepted, *(event_view(e) for e in events)),
            )

    async def find_by_idempotency_key(
        self, api_key_id: int, key: str
    ) -> tuple[MessageView, str | None] | None:
        """Return the message stored under this caller's idempotency key, with its request fingerprint."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(*MESSAGE_COLUMNS, messages.c.fingerprint).where(
                        messages.c.api_key_id == api_key_id, messages.c.idempotency_key == key
                    )
                )
            ).first()
        return (message_view(row), row.fingerprint) if row is not None else None

    async def find_by_idempotency_keys(
        self, api_key_id: int, keys: Sequence[str]
    ) -> dict[str, tuple[MessageView, str | None]]:
        """Return the messages stored under these keys of one caller, each with its fingerprint."""
        found: dict[str, tuple[MessageView, str | None]] = {}
        wanted = list(dict.fromkeys(keys))
        async with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(*MESSAGE_COLUMNS, messages.c.idempotency_key, messages.c.fingerprint).where(
                        messages.c.api_key_id == api_key_id,
                        messages.c.idempotency_key.in_(wanted[start : start + 500]),
                    )
                )
                for row in rows:
                    found[row.idempotency_key] = (message_view(row), row.fingerprint)
        return found

    async def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, MessageView]:
        """Return the newest message for each external id that has one."""
        found: dict[str, MessageView] = {}
        wanted = list(dict.fromkeys(external_ids))
        async with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(*MESSAGE_COLUMNS)
                    .where(messages.c.external_id.in_(wanted[start : start + 500]))
                    .order_by(messages.c.id)
                )
                for row in rows:
                    found[row.external_id] = message_view(row)  # ascending ids: the newest wins
        return found

    async def arrivals_since(self, since: datetime) -> list[tuple[str, float]]:
        """Return ``(number, created_at as Unix seconds)`` of every message that counts for pacing.

        Oldest first, from ``since`` on. A row refused at intake (``failed`` without an attempt)
        never counted, and a row without a number has nothing to count against.
        """
        counted = (messages.c.status != MessageStatus.FAILED.value) | (messages.c.attempts > 0)
        statement = (
            select(messages.c.number, messages.c.created_at)
            .where(messages.c.created_at >= since, messages.c.number.is_not(None), counted)
            .order_by(messages.c.created_at, messages.c.id)
        )
        async with self._read() as conn:
            rows = await conn.execute(statement)
            return [(row[0], row[1].timestamp()) for row in rows]

    async def list_page(self, query: ListFilter) -> MessagePage:
        """Return one page, newest first, and the cursor of the next page (None on the last)."""
        statement = select(*MESSAGE_COLUMNS)
        if query.status is not None:
            statement = statement.where(messages.c.status == query.status.value)
        if query.recipient_kind is not None:
            statement = statement.where(messages.c.recipient_kind == query.recipient_kind.value)
        if query.recipient_id is not None:
            statement = statement.where(messages.c.recipient_id == query.recipient_id)
        if query.created_from is not None:
            statement = statement.where(messages.c.created_at >= query.created_from)
        if query.created_to is not None:
            statement = statement.where(messages.c.created_at < query.created_to)
        if query.cursor is not None:
            created_at, last_id = decode_cursor(query.cursor)
            statement = statement.where(tuple_(messages.c.created_at, messages.c.id) < (created_at, last_id))
        statement = statement.order_by(messages.c.created_at.desc(), messages.c.id.desc()).limit(
            query.limit + 1
        )
        async with self._read() as conn:
            rows = (await conn.execute(statement)).all()
        items = tuple(message_view(r) for r in rows[: query.limit])
        more = len(rows) > query.limit
        cursor = encode_cursor(items[-1].created_at, items[-1].id) if more else None
        return MessagePage(items=items, next_cursor=cursor)


def encode_cursor(created_at: datetime, message_id: int) -> str:
    """Return the opaque cursor that continues a list after this row."""
    raw = f"{created_at.astimezone(UTC).isoformat()}|{message_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Read a cursor made by :func:`encode_cursor`.

    :raises ValidationError: the cursor was not made by us (or was damaged).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, number = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("naive")
        message_id = ascii_decimal(number)
        if message_id is None:
            raise ValueError("not an id")
        return created_at, message_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError("cursor is not valid", field="cursor", error_type="invalid_cursor") from exc
