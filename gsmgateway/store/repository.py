"""The message repository: the single writer of message status, by compare-and-set.

``transition()`` is ``UPDATE messages … WHERE id = ? AND status = ?`` and refuses any move that is not
in :data:`gsmgateway.core.models.TRANSITIONS`; the event row of the audit trail is written in the same
transaction. A worker's claim is the same compare-and-set, so two workers never get one message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.errors import MessageNotFoundError, StaleTransitionError
from gsmgateway.core.models import MessageStatus, ReportOutcome, can_transition
from gsmgateway.core.records import ClaimedMessage
from gsmgateway.core.report_rollup import rollup
from gsmgateway.store.base import Repository
from gsmgateway.store.modems import add_to_counters
from gsmgateway.store.tables import message_events, message_parts, messages

_CLAIM_RETRIES = 20


@dataclass(frozen=True)
class ReportMatch:
    """Where a status report landed: the message, its part, and the status it moved to (if any)."""

    message_id: int
    part_no: int
    new_status: MessageStatus | None


class MessageRepository(Repository):
    """Status changes, claims, parts and report matching for messages."""

    async def transition(
        self,
        message_id: int,
        from_: MessageStatus,
        to: MessageStatus,
        *,
        now: datetime,
        reason: str | None = None,
        modem_id: str | None = None,
        error_code: int | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> int:
        """Move one message from ``from_`` to ``to`` and append the event; return its attempt count.

        :raises StaleTransitionError: the move is not allowed, or the message is not in ``from_``.
        :raises MessageNotFoundError: there is no such message.
        """
        async with self._write() as conn:
            return await self._transition(
                conn, message_id, from_, to, now=now, reason=reason, modem_id=modem_id,
                error_code=error_code, values=values,
            )  # fmt: skip

    async def mark_sent(self, message_id: int, *, modem_id: str, now: datetime) -> None:
        """Move ``sending → sent`` and count it for the modem, in one transaction (one fsync, not two).

        :raises StaleTransitionError: the message is no longer ``sending``.
        """
        async with self._write() as conn:
            await self._transition(
                conn, message_id, MessageStatus.SENDING, MessageStatus.SENT, now=now, reason="sent",
                modem_id=modem_id, values={"sent_at": now},
            )  # fmt: skip
            await add_to_counters(conn, modem_id, sent=1, now=now)

    async def _transition(
        self,
        conn: AsyncConnection,
        message_id: int,
        from_: MessageStatus,
        to: MessageStatus,
        *,
        now: datetime,
        reason: str | None = None,
        modem_id: str | None = None,
        error_code: int | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> int:
        if not can_transition(from_, to):
            raise StaleTransitionError(f"message {message_id}: {from_} → {to} is not allowed")
        changes: dict[str, Any] = {"status": to.value, "updated_at": now, **(values or {})}
        if reason is not None:
            changes["status_reason"] = reason
        if modem_id is not None:
            changes["modem_id"] = modem_id
        if error_code is not None:
            changes["last_error_code"] = error_code
        statement = (
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == from_.value)
            .values(changes)
            .returning(messages.c.attempts)
        )
        attempts = (await conn.execute(statement)).scalar_one_or_none()
        if attempts is None:
            current = await conn.scalar(select(messages.c.status).where(messages.c.id == message_id))
            if current is None:
                raise MessageNotFoundError(f"no message {message_id}")
            raise StaleTransitionError(f"message {message_id} is {current}, not {from_}")
        await conn.execute(
            insert(message_events).values(
                message_id=message_id, at=now, from_status=from_.value, to_status=to.value,
                reason=reason, modem_id=modem_id, error_code=error_code, attempt=attempts,
            )
        )  # fmt: skip
        return int(attempts)

    async def requeue(
        self,
        message_id: int,
        *,
        now: datetime,
        not_before: datetime,
        reason: str,
        modem_id: str | None = None,
        error_code: int | None = None,
        refund_attempt: bool = False,
    ) -> int:
        """Move a ``sending`` message back to ``queued`` until ``not_before``.

        ``refund_attempt`` gives the attempt back when nothing left the port (modem unavailable), so
        an unplugged modem cannot use up a message's retries.
        """
        values: dict[str, Any] = {"not_before": not_before}
        if refund_attempt:
            values["attempts"] = messages.c.attempts - 1
        return await self.transition(
            message_id, MessageStatus.SENDING, MessageStatus.QUEUED, now=now, reason=reason,
            modem_id=modem_id, error_code=error_code, values=values,
        )  # fmt: skip

    async def claim_next(self, modem_id: str, now: datetime) -> ClaimedMessage | None:
        """Move the oldest due ``queued`` message to ``sending`` for ``modem_id`` and return it.

        Returns None when nothing is due. A lost race (another worker took the row between our
        SELECT and UPDATE) just means trying the next oldest.
        """
        async with self._write() as conn:
            for _ in range(_CLAIM_RETRIES):
                row = (
                    await conn.execute(
                        select(messages.c.id)
                        .where(
                            messages.c.status == MessageStatus.QUEUED.value,
                            messages.c.not_before <= now,
                            messages.c.expires_at > now,
                        )
                        .order_by(messages.c.not_before, messages.c.id)
                        .limit(1)
                    )
                ).first()
                if row is None:
                    return None
                claimed = (
                    await conn.execute(
                        update(messages)
                        .where(messages.c.id == row.id, messages.c.status == MessageStatus.QUEUED.value)
                        .values(
                            status=MessageStatus.SENDING.value, modem_id=modem_id, updated_at=now,
                            attempts=messages.c.attempts + 1,
                        )
                        .returning(messages.c.id, messages.c.number, messages.c.text,
                                   messages.c.attempts, messages.c.parts_total)
                    )
                ).first()  # fmt: skip
                if claimed is None:
                    continue
                await conn.execute(
                    insert(message_events).values(
                        message_id=claimed.id, at=now, from_status=MessageStatus.QUEUED.value,
                        to_status=MessageStatus.SENDING.value, reason="claimed", modem_id=modem_id,
                        attempt=claimed.attempts,
                    )
                )  # fmt: skip
                return ClaimedMessage(
                    id=claimed.id, number=claimed.number, text=claimed.text or "",
                    attempt=claimed.attempts, parts_total=claimed.parts_total,
                )  # fmt: skip
        return None

    async def record_part(
        self, message_id: int, part_no: int, *, modem_id: str, mr: int, number: str, sent_at: datetime
    ) -> None:
        """Store one part the modem accepted (``+CMGS: <mr>``) so its status report can find it."""
        async with self._write() as conn:
            await conn.execute(
                insert(message_parts).values(
                    message_id=message_id, part_no=part_no, modem_id=modem_id, mr=mr,
                    number=number, sent_at=sent_at,
                )
            )  # fmt: skip

    async def match_report(
        self,
        *,
        modem_id: str,
        mr: int,
        number: str,
        outcome: ReportOutcome,
        tp_st: int | None,
        at: datetime,
        window: timedelta,
        detail: str | None = None,
    ) -> ReportMatch | None:
        """Record a status report on the most recent open part it matches, then roll up the message.

        A part matches on (modem, MR, normalised number) and was sent within ``window`` before ``at``;
        "open" means it has no final report yet. Returns None when nothing matches. ``detail`` (what
        the report said, e.g. its TP-ST meaning) goes into the reason if the message's status moves.
        """
        async with self._write() as conn:
            part = (
                await conn.execute(
                    select(message_parts.c.id, message_parts.c.message_id, message_parts.c.part_no)
                    .where(
                        message_parts.c.modem_id == modem_id,
                        message_parts.c.mr == mr,
                        message_parts.c.number == number,
                        message_parts.c.sent_at >= at - window,
                        message_parts.c.sent_at <= at + timedelta(minutes=5),  # modem clocks drift
                        (message_parts.c.report_outcome.is_(None))
                        | (message_parts.c.report_outcome == ReportOutcome.PENDING.value),
                    )
                    .order_by(message_parts.c.sent_at.desc(), message_parts.c.id.desc())
                    .limit(1)
                )
            ).first()
            if part is not None:
                await conn.execute(
                    update(message_parts)
                    .where(message_parts.c.id == part.id)
                    .values(report_outcome=outcome.value, tp_st=tp_st, report_at=at)
                )
                message_id, part_no = part.message_id, part.part_no
            else:
                found = await self._adopt_unknown_part(
                    conn, modem_id=modem_id, mr=mr, number=number, outcome=outcome, tp_st=tp_st, at=at,
                    window=window,
                )  # fmt: skip
                if found is None:
                    return None
                message_id, part_no = found
            new_status = await self._rollup(conn, message_id, at, modem_id, tp_st, detail)
            return ReportMatch(message_id, part_no, new_status)

    async def _adopt_unknown_part(
        self,
        conn: AsyncConnection,
        *,
        modem_id: str,
        mr: int,
        number: str,
        outcome: ReportOutcome,
        tp_st: int | None,
        at: datetime,
        window: timedelta,
    ) -> tuple[int, int] | None:
        """Give a report to the part whose ``+CMGS`` answer never came, if there is exactly that case.

        A crash or timeout after the PDU left leaves the message ``unknown`` with no MR for the part
        in flight (parts go out in order, so it is the lowest part without a row). A report from the
        same modem for the same number within the window is the network telling us that part left:
        record it under the MR the report carries. The most recent such message wins.
        """
        recorded = (
            select(func.count())
            .select_from(message_parts)
            .where(message_parts.c.message_id == messages.c.id)
            .scalar_subquery()
        )
        candidate = (
            await conn.execute(
                select(messages.c.id, recorded.label("recorded"))
                .where(
                    messages.c.status == MessageStatus.UNKNOWN.value,
                    messages.c.modem_id == modem_id,
                    messages.c.number == number,
                    messages.c.updated_at >= at - window,
                    recorded < messages.c.parts_total,
                )
                .order_by(messages.c.updated_at.desc(), messages.c.id.desc())
                .limit(1)
            )
        ).first()
        if candidate is None:
            return None
        part_no = int(candidate.recorded) + 1
        await conn.execute(
            insert(message_parts).values(
                message_id=candidate.id, part_no=part_no, modem_id=modem_id, mr=mr, number=number,
                sent_at=at, report_outcome=outcome.value, tp_st=tp_st, report_at=at,
            )
        )  # fmt: skip
        return candidate.id, part_no

    async def _rollup(
        self,
        conn: AsyncConnection,
        message_id: int,
        now: datetime,
        modem_id: str,
        tp_st: int | None,
        detail: str | None,
    ) -> MessageStatus | None:
        message = (
            await conn.execute(
                select(messages.c.status, messages.c.parts_total).where(messages.c.id == message_id)
            )
        ).one()
        outcomes = (
            await conn.scalars(
                select(message_parts.c.report_outcome).where(message_parts.c.message_id == message_id)
            )
        ).all()
        target = rollup(message.parts_total, [ReportOutcome(o) if o else None for o in outcomes])
        current = MessageStatus(message.status)
        if target is None and current is MessageStatus.UNKNOWN and len(outcomes) == message.parts_total:
            # Every part is now known to have left (each has a row); wait for the final reports. With a
            # part still missing the message stays unknown: nobody knows whether the rest went out.
            target = MessageStatus.SENT
        if target is None or target == current or not can_transition(current, target):
            return None
        reason = "report" if current is MessageStatus.SENT else f"late report ({current})"
        reason = f"{reason}: {detail}"[:200] if detail else reason
        values = {"sent_at": now} if target is MessageStatus.SENT else None
        await self._transition(
            conn, message_id, current, target, now=now, reason=reason, modem_id=modem_id, error_code=tp_st,
            values=values,
        )  # fmt: skip
        return target

    async def next_due_at(self, now: datetime) -> datetime | None:
        """When the earliest claimable queued message becomes due (None: nothing can be claimed).

        Same predicate as :meth:`claim_next`: a message past its validity waits for the expiry job,
        and must not wake the workers every second until then.
        """
        async with self._read() as conn:
            value: datetime | None = await conn.scalar(
                select(func.min(messages.c.not_before)).where(
                    messages.c.status == MessageStatus.QUEUED.value,
                    messages.c.expires_at > now,
                )
            )
        return value
