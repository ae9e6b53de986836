"""What a received keyword does, inside the transaction that stores the message.

An opt-out (or opt-in) word from a sender whose number names exactly one directory entry sets that
entry's ``opted_out`` and writes a ``directory_events`` row naming the received message. A sender
matched only in Fineract gets a local entry carrying the opt-out (local entries win over Fineract,
docs/interfaces.md §4). Several candidates, or none: nothing changes, and the message says why.
When replies are configured, the confirmation is queued here too, as an ordinary ``queued``
message to that entry — in the same transaction, so it is queued exactly once, and also after an
opt-out (the one message an opted-out person still gets is the confirmation they asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.inbound import Candidate, Keyword, KeywordResult, SenderMatch
from gsmgateway.core.models import MessageStatus
from gsmgateway.store.tables import directory_entries, directory_events, messages

_CHANGE = {Keyword.OPT_OUT: "opted_out", Keyword.OPT_IN: "opted_in"}


@dataclass(frozen=True, kw_only=True)
class ReplyPlan:
    """The confirmation to queue for a keyword: its text, already counted in parts, and its validity."""

    text: str
    parts_total: int
    validity: timedelta


async def apply_keyword(
    conn: AsyncConnection,
    inbound_id: int,
    keyword: Keyword,
    match: SenderMatch,
    *,
    now: datetime,
    reply: ReplyPlan | None,
) -> tuple[KeywordResult, int | None]:
    """Apply ``keyword`` for the matched sender; return what it did and the id of a queued reply."""
    candidate = match.matched
    if candidate is None:
        return (KeywordResult.AMBIGUOUS if match.candidates else KeywordResult.UNMATCHED), None
    opted_out = keyword is Keyword.OPT_OUT
    key = (
        directory_entries.c.kind == candidate.kind.value,
        directory_entries.c.entry_id == candidate.entry_id,
    )
    current = (await conn.execute(select(directory_entries.c.opted_out).where(*key))).first()
    if current is None:  # known from Fineract only: the local table carries the choice from now on
        await conn.execute(
            insert(directory_entries).values(
                kind=candidate.kind.value, entry_id=candidate.entry_id, mobile=candidate.mobile,
                opted_out=opted_out, name=None, updated_at=now,
            )
        )  # fmt: skip
    elif bool(current.opted_out) != opted_out:
        await conn.execute(update(directory_entries).where(*key).values(opted_out=opted_out, updated_at=now))
    result = (
        KeywordResult.APPLIED
        if current is None or bool(current.opted_out) != opted_out
        else KeywordResult.UNCHANGED
    )
    if result is KeywordResult.APPLIED:
        await conn.execute(
            insert(directory_events).values(
                kind=candidate.kind.value, entry_id=candidate.entry_id, at=now, change=_CHANGE[keyword],
                inbound_id=inbound_id, reason=f"keyword from received message {inbound_id}",
            )
        )  # fmt: skip
    reply_id = await _queue_reply(conn, inbound_id, candidate, reply, now=now) if reply is not None else None
    return result, reply_id


async def _queue_reply(
    conn: AsyncConnection, inbound_id: int, candidate: Candidate, reply: ReplyPlan, *, now: datetime
) -> int:
    """Queue the confirmation as a normal message (no API key: the gateway itself asked).

    This is the one insert into ``messages`` outside ``store/bulk.py``, on purpose: the reply must
    exist exactly when the keyword was applied, so it is written in the keyword's own transaction
    (a crash leaves both or neither), not handed to the group-commit writer of API submits.
    """
    new_id = await conn.scalar(
        insert(messages)
        .values(
            status=MessageStatus.QUEUED.value, recipient_kind=candidate.kind.value,
            recipient_id=candidate.entry_id, number=candidate.mobile, text=reply.text,
            parts_total=reply.parts_total, attempts=0, not_before=now, send_at=None,
            expires_at=now + reply.validity, created_at=now, updated_at=now, api_key_id=None,
            idempotency_key=None, fingerprint=None, external_id=f"gsmgateway-reply-{inbound_id}",
        )
        .returning(messages.c.id)
    )  # fmt: skip
    return int(new_id)
