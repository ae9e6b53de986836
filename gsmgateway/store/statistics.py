"""What ``/metrics`` reads from the store: messages by status, the queue, and the audit trail's news.

Counters are derived from the audit trail (``message_events``), read incrementally: each scrape
asks for the events after the last one it saw, so a counter moves exactly when a message moved in
the store — whichever process or job moved it — and a scrape costs the news since the last one,
not the history. Latencies come from the same rows: sending took from the claim (the ``sending``
event of that attempt) to ``sent``; delivery from ``messages.sent_at`` to the final report.

Two-way messaging is read the same way: received messages after the last one seen (plus the few
that were still waiting for parts), and the webhook delivery log after the last call seen.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, func, select, type_coerce
from sqlalchemy.orm import aliased

from gsmgateway.core.inbound import InboundState
from gsmgateway.core.models import MessageStatus
from gsmgateway.store.base import Repository
from gsmgateway.store.outbox import OutboxState
from gsmgateway.store.tables import (
    inbound_messages,
    message_events,
    messages,
    webhook_attempts,
    webhook_endpoints,
    webhook_outbox,
)

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


@dataclass(frozen=True)
class InboundFact:
    """One received message as metrics count it: its modem, how its sender matched, how far it got."""

    id: int
    modem_id: str
    match_status: str
    state: str


@dataclass(frozen=True)
class AttemptFact:
    """One webhook call: the endpoint's name and what came of it.

    ``delivered``, ``failed_attempt``, or ``given_up``: the call that failed last, after which the
    event was marked failed.
    """

    id: int
    endpoint: str
    outcome: str


@dataclass(frozen=True)
class PendingFacts:
    """One endpoint's outbox: events waiting, and when the oldest of them happened."""

    depth: int
    oldest_occurred_at: datetime | None


_IN_CHUNK = 500  # ids per IN (…): far below every backend's limit on bound parameters


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

    async def two_way_high_water(self) -> tuple[int, frozenset[int], int]:
        """Where two-way counting starts: the last received message, those still partial, the last call.

        Partial ids are read only up to that last message: one stored between the two statements
        (PostgreSQL's READ COMMITTED sees it in the second) is after the mark, so it is counted as
        new; tracked as partial too, it would be counted twice once complete.
        """
        async with self._read() as conn:
            inbound_id = await conn.scalar(select(func.coalesce(func.max(inbound_messages.c.id), 0)))
            partial = await conn.scalars(
                select(inbound_messages.c.id).where(
                    inbound_messages.c.state == InboundState.PARTIAL.value,
                    inbound_messages.c.id <= inbound_id,
                )
            )
            watched = frozenset(int(i) for i in partial)
            attempt_id = await conn.scalar(select(func.coalesce(func.max(webhook_attempts.c.id), 0)))
        return int(inbound_id or 0), watched, int(attempt_id or 0)

    async def inbound_after(self, inbound_id: int, *, limit: int = 5000) -> list[InboundFact]:
        """Return up to ``limit`` received messages stored after ``inbound_id``, oldest first."""
        m = inbound_messages.c
        query = select(m.id, m.modem_id, m.match_status, m.state).where(m.id > inbound_id)
        async with self._read() as conn:
            rows = await conn.execute(query.order_by(m.id).limit(limit))
            return [InboundFact(int(r[0]), r[1], r[2], r[3]) for r in rows]

    async def inbound_by_ids(self, ids: Collection[int]) -> list[InboundFact]:
        """Return these received messages (those that were still waiting for parts at the last look)."""
        m = inbound_messages.c
        wanted = sorted(ids)
        facts: list[InboundFact] = []
        async with self._read() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                rows = await conn.execute(
                    select(m.id, m.modem_id, m.match_status, m.state).where(m.id.in_(chunk))
                )
                facts += [InboundFact(int(r[0]), r[1], r[2], r[3]) for r in rows]
        return facts

    async def attempts_after(self, attempt_id: int, *, limit: int = 5000) -> list[AttemptFact]:
        """Return up to ``limit`` webhook calls logged after ``attempt_id``, oldest first."""
        a, o = webhook_attempts.c, webhook_outbox.c
        last_call = aliased(webhook_attempts)
        latest = (
            select(func.max(last_call.c.id)).where(last_call.c.outbox_id == a.outbox_id).scalar_subquery()
        )
        query = (
            select(a.id, webhook_endpoints.c.name, a.error, o.state, latest)
            .join(webhook_outbox, o.id == a.outbox_id)
            .join(webhook_endpoints, webhook_endpoints.c.id == o.endpoint_id)
            .where(a.id > attempt_id)
            .order_by(a.id)
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [AttemptFact(int(r[0]), r[1], _outcome(r[2], r[3], int(r[0]) == r[4])) for r in rows]

    async def pending_deliveries(self) -> dict[str, PendingFacts]:
        """Return every active endpoint's pending events by its name (none pending: depth 0)."""
        o = webhook_outbox.c
        query = (
            select(webhook_endpoints.c.name, func.count(o.id), func.min(o.occurred_at))
            .select_from(webhook_endpoints)
            .outerjoin(
                webhook_outbox,
                and_(o.endpoint_id == webhook_endpoints.c.id, o.state == OutboxState.PENDING.value),
            )
            .where(webhook_endpoints.c.active.is_(True))
            .group_by(webhook_endpoints.c.name)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return {name: PendingFacts(int(count), oldest) for name, count, oldest in rows}


def _outcome(error: str | None, state: str, last: bool) -> str:
    if error is None:
        return "delivered"
    return "given_up" if last and state == OutboxState.FAILED.value else "failed_attempt"


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
