"""The webhook outbox: events written in the transaction of the change they announce, then delivered.

Nothing is announced by a call *after* a commit (a crash in between would lose it): a status
transition (``store/transitions.py``, ``store/sweeps.py``) and a received message
(``store/inbound.py``) call :func:`announce` inside their own transaction, which adds one outbox
row per active endpoint that subscribes to the event — an ``INSERT … SELECT`` from
``webhook_endpoints`` (skipped altogether when no configured endpoint wants the event). The dispatcher
(``messages/webhook_dispatcher.py``) takes due rows with :meth:`OutboxRepository.due`, and records
every call with :meth:`OutboxRepository.record_attempt` (the delivery log); a restart simply finds
the pending rows again, so delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import and_, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.config_inbound import WebhookConfig
from gsmgateway.core.models import MessageStatus
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import webhook_attempts, webhook_endpoints, webhook_outbox

INBOUND_RECEIVED: Final = "inbound.received"
MESSAGE_STATUS: Final = "message.status"
#: The transitions ``message.status`` announces: ``sent`` and every outcome.
ANNOUNCED_STATUSES: Final = frozenset(
    s.value
    for s in (
        MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED,
        MessageStatus.CANCELLED, MessageStatus.EXPIRED, MessageStatus.UNKNOWN,
    )
)  # fmt: skip
_ERROR_CHARS: Final = 500
#: Execution option of the write engine naming the event types some active endpoint wants; set by
#: :meth:`OutboxRepository.sync_endpoints`, so a gateway without webhooks runs no outbox SQL at all.
_WANTED_OPTION: Final = "gsmgateway_webhook_events"


class OutboxState(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"  # due at ``next_attempt_at``
    DELIVERED = "delivered"  # a call answered 2xx
    FAILED = "failed"  # given up after ``give_up_hours``
    ABANDONED = "abandoned"  # its endpoint was removed from the configuration


@dataclass(frozen=True, kw_only=True)
class OutboxEntry:
    """One event for one endpoint, as the dispatcher needs it."""

    id: int
    endpoint_id: int
    event_type: str
    subject_id: int
    status: str | None
    from_status: str | None
    occurred_at: datetime
    attempts: int


_WANTS = {
    INBOUND_RECEIVED: webhook_endpoints.c.wants_inbound,
    MESSAGE_STATUS: webhook_endpoints.c.wants_status,
}


async def announce(
    conn: AsyncConnection,
    event_type: str,
    subjects: Sequence[tuple[int, str | None, str | None]],
    *,
    now: datetime,
) -> None:
    """Queue ``event_type`` for every subscribed endpoint, inside the caller's transaction.

    ``subjects`` are ``(subject id, status, from status)``; for ``message.status`` only the
    statuses in :data:`ANNOUNCED_STATUSES` are queued (and nothing when the list is empty).
    """
    wanted = (
        conn.sync_connection.get_execution_options().get(_WANTED_OPTION) if conn.sync_connection else None
    )
    if wanted is not None and event_type not in wanted:
        return  # no endpoint subscribes (known since the endpoints were synchronised)
    if event_type == MESSAGE_STATUS:
        subjects = [s for s in subjects if s[1] in ANNOUNCED_STATUSES and s[1] != s[2]]
    if not subjects:
        return
    moment = literal(now, type_=webhook_outbox.c.occurred_at.type)
    chosen = select(
        webhook_endpoints.c.id, literal(event_type), bindparam("subject_id"), bindparam("status"),
        bindparam("from_status"), moment, literal(OutboxState.PENDING.value), literal(0), moment,
    ).where(webhook_endpoints.c.active.is_(True), _WANTS[event_type].is_(True))  # fmt: skip
    statement = insert(webhook_outbox).from_select(
        ["endpoint_id", "event_type", "subject_id", "status", "from_status", "occurred_at", "state",
         "attempts", "next_attempt_at"],
        chosen,
    )  # fmt: skip
    await conn.execute(
        statement, [{"subject_id": s[0], "status": s[1], "from_status": s[2]} for s in subjects]
    )


def _earlier_name(
    hook: WebhookConfig, rows: Sequence[Any], known: dict[str, int], configured: set[str]
) -> str | None:
    """Return the stored name ``hook`` had before, if it is new and an unclaimed endpoint has its URL."""
    if hook.name in known:
        return None
    return next(
        (row.name for row in rows
         if row.url == hook.url and row.name in known and row.name not in configured),
        None,
    )  # fmt: skip


class OutboxRepository(Repository):
    """Endpoints, due events, the delivery log, and pruning."""

    async def sync_endpoints(self, hooks: Sequence[WebhookConfig], *, now: datetime) -> dict[str, int]:
        """Make the endpoints table what the configuration says; return endpoint ids by name.

        An endpoint no longer configured is deactivated and its pending events abandoned (kept,
        never sent); one configured again is reactivated with its history. A configured name not
        stored yet takes over, with its history and pending events, the stored endpoint of the same
        URL that no configured name claims: one named by its URL before endpoints had names, or one
        whose default name changed (core/webhook_names.py: another endpoint joined its host).
        """
        async with self._write() as conn:
            rows = list(await conn.execute(select(webhook_endpoints)))
            known = {row.name: row.id for row in rows}
            configured = {hook.name for hook in hooks}
            for hook in hooks:
                earlier = _earlier_name(hook, rows, known, configured)
                if earlier is not None:
                    known[hook.name] = known.pop(earlier)
                    await conn.execute(
                        update(webhook_endpoints)
                        .where(webhook_endpoints.c.id == known[hook.name])
                        .values(name=hook.name)
                    )
            ids: dict[str, int] = {}
            for hook in hooks:
                values: dict[str, Any] = {
                    "url": hook.url, "wants_inbound": INBOUND_RECEIVED in hook.events,
                    "wants_status": MESSAGE_STATUS in hook.events, "active": True, "updated_at": now,
                }  # fmt: skip
                if hook.name in known:
                    await conn.execute(
                        update(webhook_endpoints)
                        .where(webhook_endpoints.c.id == known[hook.name])
                        .values(values)
                    )
                    ids[hook.name] = known[hook.name]
                else:
                    new_id = await conn.scalar(
                        insert(webhook_endpoints)
                        .values(name=hook.name, **values)
                        .returning(webhook_endpoints.c.id)
                    )
                    ids[hook.name] = int(new_id)
            gone = [endpoint_id for name, endpoint_id in known.items() if name not in ids]
            if gone:
                await conn.execute(
                    update(webhook_endpoints)
                    .where(webhook_endpoints.c.id.in_(gone))
                    .values(active=False, updated_at=now)
                )
                await conn.execute(
                    update(webhook_outbox)
                    .where(
                        webhook_outbox.c.endpoint_id.in_(gone),
                        webhook_outbox.c.state == OutboxState.PENDING.value,
                    )
                    .values(state=OutboxState.ABANDONED.value)
                )
        wanted = {event for hook in hooks for event in hook.events}
        self._db.write.sync_engine.update_execution_options(**{_WANTED_OPTION: frozenset(wanted)})
        return ids

    async def due(
        self, *, now: datetime, limit: int, skip_endpoints: Sequence[int] = (), skip_ids: Sequence[int] = ()
    ) -> list[OutboxEntry]:
        """Return pending rows due by ``now``, oldest first, without paused endpoints and rows in flight."""
        query = select(
            webhook_outbox.c.id, webhook_outbox.c.endpoint_id, webhook_outbox.c.event_type,
            webhook_outbox.c.subject_id, webhook_outbox.c.status, webhook_outbox.c.from_status,
            webhook_outbox.c.occurred_at, webhook_outbox.c.attempts,
        ).where(
            webhook_outbox.c.state == OutboxState.PENDING.value, webhook_outbox.c.next_attempt_at <= now
        )  # fmt: skip
        if skip_endpoints:
            query = query.where(webhook_outbox.c.endpoint_id.not_in(list(skip_endpoints)))
        if skip_ids:
            query = query.where(webhook_outbox.c.id.not_in(list(skip_ids)))
        async with self._read() as conn:
            rows = (await conn.execute(query.order_by(webhook_outbox.c.id).limit(limit))).all()
        return [OutboxEntry(**row._asdict()) for row in rows]

    async def next_due_at(self, *, skip_endpoints: Sequence[int] = ()) -> datetime | None:
        """When the next pending row falls due (None: nothing pending)."""
        query = select(func.min(webhook_outbox.c.next_attempt_at)).where(
            webhook_outbox.c.state == OutboxState.PENDING.value
        )
        if skip_endpoints:
            query = query.where(webhook_outbox.c.endpoint_id.not_in(list(skip_endpoints)))
        async with self._read() as conn:
            found: datetime | None = await conn.scalar(query)
        return found

    async def record_attempt(
        self,
        entry_id: int,
        *,
        at: datetime,
        duration_ms: int,
        http_status: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
        give_up: bool,
    ) -> None:
        """Log one call and move the row on: delivered (no error), retried later, or failed for good."""
        if error is None:
            changes: dict[str, Any] = {
                "state": OutboxState.DELIVERED.value,
                "delivered_at": at,
                "last_error": None,
            }
        elif give_up or next_attempt_at is None:
            changes = {"state": OutboxState.FAILED.value, "last_error": error[:_ERROR_CHARS]}
        else:
            changes = {"next_attempt_at": next_attempt_at, "last_error": error[:_ERROR_CHARS]}
        async with self._write() as conn:
            await conn.execute(
                insert(webhook_attempts).values(
                    outbox_id=entry_id, at=at, http_status=http_status,
                    error=error[:_ERROR_CHARS] if error else None, duration_ms=duration_ms,
                )
            )  # fmt: skip
            await conn.execute(
                update(webhook_outbox)
                .where(webhook_outbox.c.id == entry_id, webhook_outbox.c.state == OutboxState.PENDING.value)
                .values(attempts=webhook_outbox.c.attempts + 1, **changes)
            )

    async def counts(self) -> dict[str, int]:
        """Outbox rows by state (for operators and tests)."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(webhook_outbox.c.state, func.count()).group_by(webhook_outbox.c.state)
            )
            return {row[0]: int(row[1]) for row in rows}

    async def prune(self, *, before: datetime) -> int:
        """Delete delivered, failed and abandoned rows (and their attempt log) older than ``before``."""
        done = [s.value for s in (OutboxState.DELIVERED, OutboxState.FAILED, OutboxState.ABANDONED)]
        async with self._write() as conn:
            old = select(webhook_outbox.c.id).where(
                and_(webhook_outbox.c.state.in_(done), webhook_outbox.c.occurred_at < before)
            )
            await conn.execute(delete(webhook_attempts).where(webhook_attempts.c.outbox_id.in_(old)))
            result = await conn.execute(delete(webhook_outbox).where(webhook_outbox.c.id.in_(old)))
        return int(result.rowcount or 0)
