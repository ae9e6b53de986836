"""The message repository: claims, parts, and the end of a send, each a compare-and-set.

Every status move goes through :func:`gsmgateway.store.transitions.transition` (``UPDATE … WHERE id =
? AND status = ?``, refusing moves not in :data:`gsmgateway.core.models.TRANSITIONS`, with the
event row in the same transaction). A worker's claim is the same compare-and-set, so two workers
never get one message. Parts are recorded in two steps: :meth:`MessageRepository.mark_part_written`
before the PDU's first byte leaves the port, :meth:`MessageRepository.record_part` when ``+CMGS``
answers with the MR — so a part without an MR is one whose PDU left with the outcome unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import ClaimedMessage
from gsmgateway.store.base import Repository
from gsmgateway.store.modems import add_to_counters
from gsmgateway.store.reports import rollup_message
from gsmgateway.store.tables import message_events, message_parts, messages
from gsmgateway.store.transitions import transition

_CLAIM_RETRIES = 20


class MessageRepository(Repository):
    """Status changes, claims, and the parts of messages as they go out."""

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
        """:func:`gsmgateway.store.transitions.transition` in a transaction of its own."""
        async with self._write() as conn:
            return await transition(
                conn, message_id, from_, to, now=now, reason=reason, modem_id=modem_id,
                error_code=error_code, values=values,
            )  # fmt: skip

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

    async def mark_part_written(
        self, message_id: int, part_no: int, *, modem_id: str, number: str, written_at: datetime
    ) -> None:
        """Record that part ``part_no``'s PDU is about to be written (a row without MR).

        Called after the ``> `` prompt, before the PDU's first byte: if the process dies or the
        ``+CMGS`` answer never comes, this row is the evidence that the part may have left — and
        its absence the proof that it did not.
        """
        async with self._write() as conn:
            changed = await conn.execute(
                update(message_parts)
                .where(message_parts.c.message_id == message_id, message_parts.c.part_no == part_no)
                .values(modem_id=modem_id, number=number, written_at=written_at, mr=None, sent_at=None,
                        report_outcome=None, tp_st=None, report_at=None, scts=None)
            )  # fmt: skip
            if not changed.rowcount:
                await conn.execute(
                    insert(message_parts).values(
                        message_id=message_id, part_no=part_no, modem_id=modem_id, number=number,
                        written_at=written_at,
                    )
                )  # fmt: skip

    async def forget_part_written(self, message_id: int, part_no: int) -> None:
        """Remove the mark of a part the modem refused (``+CMS ERROR`` after the PDU): it did not leave."""
        async with self._write() as conn:
            await conn.execute(
                delete(message_parts).where(
                    message_parts.c.message_id == message_id, message_parts.c.part_no == part_no,
                    message_parts.c.mr.is_(None),
                )
            )  # fmt: skip

    async def record_part(
        self, message_id: int, part_no: int, *, modem_id: str, mr: int, number: str, sent_at: datetime
    ) -> None:
        """Store the MR the modem gave a part (``+CMGS: <mr>``) so its status report can find it."""
        async with self._write() as conn:
            changed = await conn.execute(
                update(message_parts)
                .where(message_parts.c.message_id == message_id, message_parts.c.part_no == part_no)
                .values(modem_id=modem_id, mr=mr, number=number, sent_at=sent_at)
            )
            if not changed.rowcount:
                await conn.execute(
                    insert(message_parts).values(
                        message_id=message_id, part_no=part_no, modem_id=modem_id, mr=mr,
                        number=number, sent_at=sent_at,
                    )
                )  # fmt: skip

    async def finish_sending(self, message_id: int, *, now: datetime, modem_id: str) -> MessageStatus:
        """Move ``sending → sent`` once every part left, then apply the reports that came meanwhile.

        A report may beat the worker here (fast networks answer within milliseconds); it was
        recorded on its part already, and the roll-up in this same transaction moves the message
        on (``sent → delivered``), so no report waits for a send and none is lost to the race.
        """
        async with self._write() as conn:
            await transition(
                conn, message_id, MessageStatus.SENDING, MessageStatus.SENT, now=now, reason="sent",
                modem_id=modem_id, values={"sent_at": now},
            )  # fmt: skip
            await add_to_counters(conn, modem_id, sent=1, now=now)  # one commit (one fsync), not two
            after = await rollup_message(conn, message_id, now=now, modem_id=modem_id, error_code=None)
        return after or MessageStatus.SENT

    async def settle_unknown(
        self, message_id: int, *, now: datetime, reason: str, modem_id: str, error_code: int | None
    ) -> MessageStatus:
        """Move ``sending → unknown``, then apply reports already recorded on its parts."""
        async with self._write() as conn:
            await transition(
                conn, message_id, MessageStatus.SENDING, MessageStatus.UNKNOWN, now=now, reason=reason,
                modem_id=modem_id, error_code=error_code,
            )  # fmt: skip
            after = await rollup_message(conn, message_id, now=now, modem_id=modem_id, error_code=None)
        return after or MessageStatus.UNKNOWN

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
