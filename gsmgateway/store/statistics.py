"""What ``/metrics`` reads from the store: messages by status, the queue, and the audit trail's news.

Counters are derived from the audit trail (``message_events``), read incrementally: each scrape
asks for the events after the last one it saw, so a counter moves exactly when a message moved in
the store — whichever process or job moved it — and a scrape costs the news since the last one,
not the history. Latencies come from the same rows: sending took from the claim (the ``sending``
event of that attempt) to ``sent``; delivery from ``messages.sent_at`` to the final report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import aliased

from gsmgateway.core.models import MessageStatus
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import message_events, messages

_MICROS_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class EventFact:
    """One status change as metrics count it: from and to which status, its error code, how long."""

    id: int
    from_status: str | None
    to_status: str
    error_code: int | None
    seconds: float | None  # sending → sent, or sent → delivered/undelivered; else None


@dataclass(frozen=True)
class QueueFacts:
    """How many messages wait in ``queued``, and since when the oldest one does."""

    depth: int
    oldest_created_at: datetime | None


class StatisticsQueries(Repository):
    """Read-only queries for metrics; every one is an indexed scan or a short range."""

    async def status_counts(self) -> dict[str, int]:
        """Return how many messages are in each status now (statuses with none are absent)."""
        async with self._read() as conn:
            rows = await conn.execute(select(messages.c.status, func.count()).group_by(messages.c.status))
            return {status: int(count) for status, count in rows}

    async def queue(self) -> QueueFacts:
        """Return the queue depth and the creation time of the oldest queued message."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(func.count(), func.min(messages.c.created_at)).where(
                        messages.c.status == MessageStatus.QUEUED.value
                    )
                )
            ).one()
        return QueueFacts(int(row[0]), row[1])

    async def high_water(self) -> tuple[int, int]:
        """Return the largest event id and message id now (0 for none): where counting starts."""
        async with self._read() as conn:
            event_id = await conn.scalar(select(func.coalesce(func.max(message_events.c.id), 0)))
            message_id = await conn.scalar(select(func.coalesce(func.max(messages.c.id), 0)))
        return int(event_id or 0), int(message_id or 0)

    async def messages_after(self, message_id: int) -> tuple[int, int]:
        """Return how many messages were stored after ``message_id``, and the newest id."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(func.count(), func.coalesce(func.max(messages.c.id), message_id)).where(
                        messages.c.id > message_id
                    )
                )
            ).one()
        return int(row[0]), int(row[1])

    async def events_after(self, event_id: int, *, limit: int = 5000) -> list[EventFact]:
        """Return up to ``limit`` events after ``event_id``, oldest first, each with its latency."""
        event = message_events
        claim = aliased(message_events)
        at = type_coerce(event.c.at, BigInteger)
        claimed_at = (
            select(func.max(type_coerce(claim.c.at, BigInteger)))
            .where(
                claim.c.message_id == event.c.message_id,
                claim.c.to_status == MessageStatus.SENDING.value,
                claim.c.id < event.c.id,
            )
            .scalar_subquery()
        )
        sent_at = type_coerce(messages.c.sent_at, BigInteger)
        query = (
            select(
                event.c.id,
                event.c.from_status,
                event.c.to_status,
                event.c.error_code,
                at,
                claimed_at,
                sent_at,
            )
            .join(messages, messages.c.id == event.c.message_id)
            .where(event.c.id > event_id)
            .order_by(event.c.id)
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [_fact(*row) for row in rows]


def _fact(
    event_id: int,
    from_status: str | None,
    to_status: str,
    error_code: int | None,
    at: int,
    claimed: int | None,
    sent: int | None,
) -> EventFact:
    start = None
    if to_status == MessageStatus.SENT.value:
        start = claimed
    elif to_status in (MessageStatus.DELIVERED.value, MessageStatus.UNDELIVERED.value):
        start = sent
    seconds = None if start is None else max(0.0, (int(at) - int(start)) / _MICROS_PER_SECOND)
    return EventFact(int(event_id), from_status, to_status, error_code, seconds)
