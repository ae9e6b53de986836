"""Moves of many messages at once: the start-up recovery, the expiry jobs and retention.

Each works in chunks of a few hundred rows, one transaction per chunk, so a large backlog never holds
SQLite's write lock for long; every moved message gets its event row, as a single transition would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from gsmgateway.core.errors import StaleTransitionError
from gsmgateway.core.models import FINAL_STATUSES, MessageStatus, can_transition
from gsmgateway.store.base import Repository
from gsmgateway.store.outbox import MESSAGE_STATUS, announce
from gsmgateway.store.reports import rollup_message
from gsmgateway.store.tables import message_events, message_parts, messages
from gsmgateway.store.transitions import transition

_BULK = 500
_OF_MESSAGE = message_parts.c.message_id == messages.c.id


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
                    changes = [(r.id, to.value, from_.value) for r in rows]
                    await announce(conn, MESSAGE_STATUS, changes, now=now)  # webhooks, same transaction
                moved.extend(r.id for r in rows)

    async def expire_sent_before(self, cutoff: datetime, *, now: datetime) -> list[int]:
        """``sent`` before ``cutoff`` and still without a final report → ``expired`` (no-report)."""
        return await self.bulk_transition(
            MessageStatus.SENT, MessageStatus.EXPIRED, now=now, reason="no-report",
            where=[messages.c.sent_at < cutoff],
        )  # fmt: skip

    async def settle_interrupted(
        self, *, now: datetime, requeue: bool, modem_ids: Collection[str] | None = None
    ) -> dict[MessageStatus, list[int]]:
        """Settle messages a crash left in ``sending``, each by what its parts prove; return ids by status.

        ``modem_ids`` limits this to the messages those modems were sending (PostgreSQL, where
        other processes may drive other modems on the same store); None settles every one.

        The PDU-written mark (a part row without MR) is recorded before a PDU's first byte, so:

        * no part on record: nothing was written → ``queued``, the attempt given back;
        * a part written without an answer: it may have left → ``unknown`` ("k of n parts sent,
          part k+1 may have left") — or ``queued`` with ``requeue`` (at-least-once) if no part was
          answered yet;
        * every part answered: it all left → ``sent`` (and on, by the reports already recorded);
        * some parts answered, the rest never written → ``failed`` ("k of n parts sent"): sending
          it again from part 1 would duplicate the parts that left.
        """
        settled: dict[MessageStatus, list[int]] = {}
        accepted = func.count(message_parts.c.mr)
        rows = await self._interrupted(accepted, modem_ids)
        for row in rows:
            target, reason, values = _after_interruption(row.parts_total, row.accepted, row.written, requeue)
            if target is MessageStatus.SENT:
                values = {"sent_at": now}
            async with self._write() as conn:
                await transition(
                    conn, row.id, MessageStatus.SENDING, target, now=now, reason=reason, values=values
                )
                if target is MessageStatus.SENT:
                    target = (
                        await rollup_message(
                            conn, row.id, now=now, modem_id=row.modem_id or "", error_code=None
                        )
                        or target
                    )
            settled.setdefault(target, []).append(row.id)
        return settled

    async def _interrupted(self, accepted: Any, modem_ids: Collection[str] | None) -> list[Any]:
        written = func.count(message_parts.c.id)
        mine = [] if modem_ids is None else [messages.c.modem_id.in_(list(modem_ids))]
        async with self._read() as conn:
            return list(
                (
                    await conn.execute(
                        select(messages.c.id, messages.c.parts_total, messages.c.modem_id,
                               accepted.label("accepted"), written.label("written"))
                        .select_from(messages.outerjoin(message_parts, _OF_MESSAGE))
                        .where(messages.c.status == MessageStatus.SENDING.value, *mine)
                        .group_by(messages.c.id, messages.c.parts_total, messages.c.modem_id)
                    )
                ).all()
            )  # fmt: skip

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


def _after_interruption(
    total: int, accepted: int, written: int, requeue: bool
) -> tuple[MessageStatus, str, dict[str, Any] | None]:
    """Where a message interrupted in ``sending`` goes, why, and what else changes (see above)."""
    unanswered = written - accepted
    if written == 0:
        return (
            MessageStatus.QUEUED,
            "restart: nothing had been written; requeued",
            {"attempts": messages.c.attempts - 1},
        )
    if unanswered and requeue and accepted == 0:
        return MessageStatus.QUEUED, "restart: requeued (at-least-once)", None
    if unanswered:
        which = "the SMS may have left"
        if total > 1:
            which = f"{accepted} of {total} parts sent, part {accepted + 1} may have left"
        return MessageStatus.UNKNOWN, f"restart: interrupted while sending; {which}", None
    if accepted >= total:
        return MessageStatus.SENT, "restart: every part had been sent", None
    return MessageStatus.FAILED, f"restart: {accepted} of {total} parts sent, the rest never left", None
