"""Moves of many messages at once: the start-up recovery, the expiry jobs and retention.

Each works in chunks of a few hundred rows, one transaction per chunk, so a large backlog never holds
SQLite's write lock for long; every moved message gets its event row, as a single transition would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update

from gsmgateway.core.errors import StaleTransitionError
from gsmgateway.core.models import FINAL_STATUSES, MessageStatus, can_transition
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import message_events, message_parts, messages

_BULK = 500


class MessageSweeps(Repository):
    """Bulk status moves and text removal for the maintenance jobs."""

    async def bulk_transition(
        self,
        from_: MessageStatus,
        to: MessageStatus,
        *,
        now: datetime,
        reason: str,
        where: Iterable[Any] = (),
        values: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """Move every message in ``from_`` matching ``where`` to ``to``, with an event each.

        Works in chunks of a few hundred so a large backlog never holds the write lock for long.
        Returns the ids moved. Used by the start-up recovery and the expiry jobs.
        """
        if not can_transition(from_, to):
            raise StaleTransitionError(f"{from_} → {to} is not allowed")
        conditions = [messages.c.status == from_.value, *where]
        moved: list[int] = []
        while True:
            async with self._write() as conn:
                ids = (await conn.scalars(select(messages.c.id).where(and_(*conditions)).limit(_BULK))).all()
                if not ids:
                    return moved
                rows = (
                    await conn.execute(
                        update(messages)
                        .where(messages.c.id.in_(ids), messages.c.status == from_.value)
                        .values(status=to.value, updated_at=now, status_reason=reason, **(values or {}))
                        .returning(messages.c.id, messages.c.attempts, messages.c.modem_id)
                    )
                ).all()
                if rows:
                    await conn.execute(
                        insert(message_events),
                        [
                            {"message_id": r.id, "at": now, "from_status": from_.value,
                             "to_status": to.value, "reason": reason, "modem_id": r.modem_id,
                             "error_code": None, "attempt": r.attempts}
                            for r in rows
                        ],
                    )  # fmt: skip
                moved.extend(r.id for r in rows)

    async def expire_sent_before(self, cutoff: datetime, *, now: datetime) -> list[int]:
        """``sent`` before ``cutoff`` and still without a final report → ``expired`` (no-report)."""
        return await self.bulk_transition(
            MessageStatus.SENT, MessageStatus.EXPIRED, now=now, reason="no-report",
            where=[messages.c.sent_at < cutoff],
        )  # fmt: skip

    async def settle_interrupted(
        self, *, now: datetime, requeue: bool, modem_ids: Collection[str] | None = None
    ) -> tuple[list[int], list[int]]:
        """Settle messages left in ``sending`` by a crash; return (requeued ids, unknown ids).

        ``modem_ids`` limits this to the messages those modems were sending (PostgreSQL, where
        other processes may drive other modems on the same store); None settles every one.

        With ``requeue`` (at-least-once) only messages with no part on record go back to the queue:
        one whose first parts left is half on the air, and sending it again from part 1 would clash
        with the parts recorded, so it becomes ``unknown`` like every message without ``requeue``.
        """
        mine = [] if modem_ids is None else [messages.c.modem_id.in_(list(modem_ids))]
        requeued: list[int] = []
        if requeue:
            no_part = ~select(message_parts.c.id).where(message_parts.c.message_id == messages.c.id).exists()
            requeued = await self.bulk_transition(
                MessageStatus.SENDING, MessageStatus.QUEUED, now=now,
                reason="restart: requeued (at-least-once)", where=[no_part, *mine],
            )  # fmt: skip
        unknown = await self.bulk_transition(
            MessageStatus.SENDING, MessageStatus.UNKNOWN, now=now,
            reason="restart: interrupted while sending", where=mine,
        )  # fmt: skip
        return requeued, unknown

    async def expire_past_validity(self, *, now: datetime) -> list[int]:
        """``queued`` whose validity ended by ``now`` → ``expired`` (validity)."""
        return await self.bulk_transition(
            MessageStatus.QUEUED, MessageStatus.EXPIRED, now=now, reason="validity",
            where=[messages.c.expires_at <= now],
        )  # fmt: skip

    async def remove_text_before(self, cutoff: datetime) -> int:
        """Retention: blank the text of messages created before ``cutoff`` that are done; keep metadata."""
        done = [s.value for s in (*FINAL_STATUSES, MessageStatus.UNKNOWN, MessageStatus.SENT)]
        removed = 0
        while True:
            async with self._write() as conn:
                ids = (
                    await conn.scalars(
                        select(messages.c.id)
                        .where(messages.c.created_at < cutoff, messages.c.text.is_not(None),
                               messages.c.status.in_(done))
                        .limit(_BULK * 4)
                    )
                ).all()  # fmt: skip
                if not ids:
                    return removed
                await conn.execute(update(messages).where(messages.c.id.in_(ids)).values(text=None))
                removed += len(ids)
