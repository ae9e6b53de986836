"""Storing received parts: exactly once, joined into messages, with keyword and webhook in one go.

:meth:`InboundRepository.record_parts` stores journaled parts, each like this (many in one
transaction; the steps of one part all happen in that transaction):

1. claim the journal entry (``store/inbox.settle_entry``): a second processor finds nothing to do;
2. look the part up by its key — modem, sender, TP-SCTS, concatenation reference and position,
   and a digest of its user data (so two different messages stamped in the same second stay two):
   found means the modem handed it over again (a kill between journal and ``AT+CMGD``, a direct
   ``+CMT`` delivered twice), and the entry is settled ``duplicate``;
3. otherwise add it to the open message of its concatenation group (same modem, sender, reference
   and part count, that position still missing, first part within :data:`JOIN_WINDOW`) or start one;
4. when the last part is in, join the payloads (the caller's ``assemble`` decodes them), and — the
   message now being received — apply an opt-out/opt-in keyword (``store/inbound_actions.py``) and
   queue the ``inbound.received`` webhook event (``store/outbox.py``).

Everything of a part commits together, so a crash anywhere leaves the entry pending and the next
pass does it all, once. :meth:`expire_partial` marks messages still missing parts after the
concatenation timeout as ``incomplete`` (text of the parts that came, a gap shown as ``…``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.inbound import (
    Candidate,
    InboundState,
    Keyword,
    KeywordResult,
    PayloadEncoding,
    SenderMatch,
    SenderType,
    keyword_of,
)
from gsmgateway.core.inbox import InboxOutcome
from gsmgateway.store.base import Repository
from gsmgateway.store.inbound_actions import ReplyPlan, apply_keyword
from gsmgateway.store.inbox import record_outcome, settle_entry
from gsmgateway.store.outbox import INBOUND_RECEIVED, announce
from gsmgateway.store.tables import inbound_messages, inbound_parts

#: How long after its first part an open message still takes parts (a reference reused later is a new one).
JOIN_WINDOW: Final = timedelta(hours=24)
#: ``assemble(parts)`` turns ``[(seq, encoding, payload)]`` of the parts present into ``(text, data_hex)``.
Assembler = Callable[[Sequence[tuple[int, PayloadEncoding, bytes]], int], tuple[str | None, str | None]]


@dataclass(frozen=True, kw_only=True)
class NewPart:
    """One decoded part to store (``concat_*`` are 0, 0, 1, 1 for a message of one part)."""

    entry_id: int
    modem_id: str
    sender: str
    sender_type: SenderType
    scts: datetime
    concat_ref: int
    concat_bits: int
    parts_total: int
    seq: int
    digest: str
    encoding: PayloadEncoding
    payload: bytes
    read_at: datetime


@dataclass(frozen=True, kw_only=True)
class KeywordPolicy:
    """The opt-out and opt-in words, and the reply to queue (None: no reply)."""

    opt_out: tuple[str, ...]
    opt_in: tuple[str, ...]
    replies: dict[Keyword, ReplyPlan] | None = None


@dataclass(frozen=True, kw_only=True)
class PartResult:
    """What storing one part did; ``received`` when its message became complete or incomplete now."""

    outcome: InboxOutcome | None  # None: another processor had settled the entry
    inbound_id: int | None = None
    received: bool = False
    changed: Candidate | None = None  # whose optedOut a keyword changed (the caller drops caches)
    reply_message_id: int | None = None


class InboundRepository(Repository):
    """Writes of received messages; reads are in ``store/inbound_queries.py``."""

    async def record_parts(
        self,
        parts: Sequence[tuple[NewPart, SenderMatch]],
        *,
        now: datetime,
        assemble: Assembler,
        policy: KeywordPolicy,
    ) -> list[PartResult]:
        """Store journaled parts (the module docstring gives the steps), all in one transaction.

        One transaction for a burst of parts rather than one each: on SQLite every transaction takes
        the one write lock, which the modem's journal wants at the same moment. A caller that gets
        a :class:`StoreError` can retry the parts one by one to find the one that fails.
        """
        async with self._write() as conn:
            return [
                await _record(conn, part, match, now=now, assemble=assemble, policy=policy)
                for part, match in parts
            ]

    async def expire_partial(
        self, *, older_than: datetime, now: datetime, assemble: Assembler, limit: int = 200
    ) -> list[int]:
        """Mark partial messages whose first part came before ``older_than`` incomplete; return their ids."""
        async with self._read() as conn:
            ids = (
                await conn.scalars(
                    select(inbound_messages.c.id)
                    .where(inbound_messages.c.state == InboundState.PARTIAL.value,
                           inbound_messages.c.received_at < older_than)
                    .order_by(inbound_messages.c.id)
                    .limit(limit)
                )
            ).all()  # fmt: skip
        expired: list[int] = []
        for inbound_id in ids:
            async with self._write() as conn:
                text, data_hex = assemble(await _payloads(conn, inbound_id), await _total(conn, inbound_id))
                moved = await conn.execute(
                    update(inbound_messages)
                    .where(inbound_messages.c.id == inbound_id,
                           inbound_messages.c.state == InboundState.PARTIAL.value)
                    .values(state=InboundState.INCOMPLETE.value, text=text, data_hex=data_hex, updated_at=now)
                )  # fmt: skip
                if moved.rowcount:
                    await announce(conn, INBOUND_RECEIVED, [(inbound_id, None, None)], now=now)
                    expired.append(inbound_id)
        return expired

    async def remove_text_before(self, cutoff: datetime) -> int:
        """Remove text and data of messages (and parts) received before ``cutoff``; return how many."""
        async with self._write() as conn:
            result = await conn.execute(
                update(inbound_messages)
                .where(inbound_messages.c.received_at < cutoff,
                       (inbound_messages.c.text.is_not(None)) | (inbound_messages.c.data_hex.is_not(None)))
                .values(text=None, data_hex=None)
            )  # fmt: skip
            await conn.execute(
                update(inbound_parts)
                .where(inbound_parts.c.read_at < cutoff, inbound_parts.c.payload.is_not(None))
                .values(payload=None)
            )
        return int(result.rowcount or 0)


async def _record(
    conn: AsyncConnection,
    part: NewPart,
    match: SenderMatch,
    *,
    now: datetime,
    assemble: Assembler,
    policy: KeywordPolicy,
) -> PartResult:
    """Store one part inside the caller's transaction."""
    if not await settle_entry(conn, part.entry_id, outcome=None, now=now):
        return PartResult(outcome=None)
    if await _known(conn, part):
        await record_outcome(conn, part.entry_id, InboxOutcome.DUPLICATE)
        return PartResult(outcome=InboxOutcome.DUPLICATE)
    inbound_id = await _open_message(conn, part, now=now) if part.parts_total > 1 else None
    if inbound_id is None:
        inbound_id = await _new_message(conn, part, match, now=now)
    await conn.execute(insert(inbound_parts).values(inbound_id=inbound_id, **_part_row(part)))
    received, text = await _after_part(conn, inbound_id, now=now, assemble=assemble)
    await record_outcome(conn, part.entry_id, InboxOutcome.APPLIED)
    if not received:
        return PartResult(outcome=InboxOutcome.APPLIED, inbound_id=inbound_id, received=False)
    return await _on_received(conn, inbound_id, match, text, now=now, policy=policy)


async def _known(conn: AsyncConnection, part: NewPart) -> bool:
    """Whether this very part (its full key) is stored already."""
    c = inbound_parts.c
    found = await conn.scalar(
        select(c.id).where(
            c.modem_id == part.modem_id, c.sender == part.sender, c.scts == part.scts,
            c.concat_ref == part.concat_ref, c.concat_bits == part.concat_bits,
            c.parts_total == part.parts_total, c.seq == part.seq, c.digest == part.digest,
        )
    )  # fmt: skip
    return found is not None


async def _open_message(conn: AsyncConnection, part: NewPart, *, now: datetime) -> int | None:
    """Return the open message of this part's group that still lacks its position, if any."""
    m, p = inbound_messages.c, inbound_parts.c
    taken = exists().where(p.inbound_id == m.id, p.seq == part.seq)
    found = await conn.scalar(
        select(m.id)
        .where(
            m.state.in_([InboundState.PARTIAL.value, InboundState.INCOMPLETE.value]),
            m.modem_id == part.modem_id, m.sender == part.sender, m.concat_ref == part.concat_ref,
            m.concat_bits == part.concat_bits, m.parts_total == part.parts_total,
            m.received_at >= now - JOIN_WINDOW, ~taken,
        )
        .order_by(m.id)
        .limit(1)
    )  # fmt: skip
    return int(found) if found is not None else None


async def _new_message(conn: AsyncConnection, part: NewPart, match: SenderMatch, *, now: datetime) -> int:
    matched = match.matched
    values: dict[str, Any] = {
        "modem_id": part.modem_id, "sender": part.sender, "sender_type": part.sender_type.value,
        "number": match.number, "state": InboundState.PARTIAL.value, "encoding": part.encoding.value,
        "text": None, "data_hex": None,
        "concat_ref": part.concat_ref if part.parts_total > 1 else None,
        "concat_bits": part.concat_bits if part.parts_total > 1 else None,
        "parts_total": part.parts_total, "parts_received": 0, "sent_at": part.scts,
        "received_at": part.read_at, "completed_at": None, "match_status": match.status.value,
        "match_kind": matched.kind.value if matched else None,
        "match_id": matched.entry_id if matched else None,
        "match_source": matched.source if matched else None, "candidates": len(match.candidates),
        "updated_at": now,
    }  # fmt: skip
    new_id = await conn.scalar(insert(inbound_messages).values(values).returning(inbound_messages.c.id))
    return int(new_id)


def _part_row(part: NewPart) -> dict[str, Any]:
    return {
        "modem_id": part.modem_id, "sender": part.sender, "scts": part.scts, "concat_ref": part.concat_ref,
        "concat_bits": part.concat_bits, "parts_total": part.parts_total, "seq": part.seq,
        "digest": part.digest, "encoding": part.encoding.value, "payload": part.payload.hex(),
        "entry_id": part.entry_id, "read_at": part.read_at,
    }  # fmt: skip


async def _payloads(conn: AsyncConnection, inbound_id: int) -> list[tuple[int, PayloadEncoding, bytes]]:
    rows = await conn.execute(
        select(inbound_parts.c.seq, inbound_parts.c.encoding, inbound_parts.c.payload)
        .where(inbound_parts.c.inbound_id == inbound_id)
        .order_by(inbound_parts.c.seq)
    )
    return [(r.seq, PayloadEncoding(r.encoding), bytes.fromhex(r.payload or "")) for r in rows]


async def _total(conn: AsyncConnection, inbound_id: int) -> int:
    total = await conn.scalar(
        select(inbound_messages.c.parts_total).where(inbound_messages.c.id == inbound_id)
    )
    return int(total or 0)


async def _after_part(
    conn: AsyncConnection, inbound_id: int, *, now: datetime, assemble: Assembler
) -> tuple[bool, str | None]:
    """Count the new part; complete the message when it was the last. Returns (complete now, text)."""
    row = (
        await conn.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id == inbound_id)
            .values(parts_received=inbound_messages.c.parts_received + 1, updated_at=now)
            .returning(
                inbound_messages.c.parts_received, inbound_messages.c.parts_total, inbound_messages.c.state
            )
        )
    ).one()
    if row.parts_received < row.parts_total:
        return False, None
    text, data_hex = assemble(await _payloads(conn, inbound_id), row.parts_total)
    await conn.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == inbound_id)
        .values(state=InboundState.COMPLETE.value, text=text, data_hex=data_hex, completed_at=now)
    )
    return True, text


async def _on_received(
    conn: AsyncConnection,
    inbound_id: int,
    match: SenderMatch,
    text: str | None,
    *,
    now: datetime,
    policy: KeywordPolicy,
) -> PartResult:
    """Apply a complete message's keyword, if any, and announce it (same transaction)."""
    changed: Candidate | None = None
    reply_id: int | None = None
    keyword = keyword_of(text, opt_out=policy.opt_out, opt_in=policy.opt_in)
    if keyword is not None:
        reply = (policy.replies or {}).get(keyword)
        outcome, reply_id = await apply_keyword(conn, inbound_id, keyword, match, now=now, reply=reply)
        changed = match.matched if outcome is KeywordResult.APPLIED else None
        await conn.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id == inbound_id)
            .values(keyword=keyword.value, keyword_result=outcome.value, reply_message_id=reply_id)
        )
    await announce(conn, INBOUND_RECEIVED, [(inbound_id, None, None)], now=now)
    return PartResult(
        outcome=InboxOutcome.APPLIED, inbound_id=inbound_id, received=True, changed=changed,
        reply_message_id=reply_id,
    )  # fmt: skip


__all__ = ["JOIN_WINDOW", "InboundRepository", "KeywordPolicy", "NewPart", "PartResult", "ReplyPlan"]
