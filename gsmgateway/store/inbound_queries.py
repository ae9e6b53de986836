"""The read side of received messages: one with its missing parts and keyword change, and keyset pages.

Pages are newest first on ``(received_at, id)`` with the same opaque cursor as ``GET /sms``
(``store/queries.py``); each filter has an index that ends with ``(received_at, id)``, and the
state condition is written so that it does not take their place (:func:`_state_filter`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, tuple_

from gsmgateway.core.errors import MessageNotFoundError
from gsmgateway.core.inbound import (
    DirectoryChange,
    InboundDetail,
    InboundPage,
    InboundQuery,
    InboundState,
    InboundView,
    Keyword,
    KeywordResult,
    MatchStatus,
    PayloadEncoding,
    SenderType,
)
from gsmgateway.core.records import RecipientKind
from gsmgateway.store.base import Repository
from gsmgateway.store.queries import decode_cursor, encode_cursor
from gsmgateway.store.tables import directory_events, inbound_messages, inbound_parts

_M = inbound_messages.c


def inbound_view(row: Any) -> InboundView:
    """Build the view of one ``inbound_messages`` row."""
    return InboundView(
        id=row.id, modem_id=row.modem_id, sender=row.sender, sender_type=SenderType(row.sender_type),
        state=InboundState(row.state), encoding=PayloadEncoding(row.encoding), text=row.text,
        data_hex=row.data_hex, parts_total=row.parts_total, parts_received=row.parts_received,
        sent_at=row.sent_at, received_at=row.received_at, completed_at=row.completed_at,
        match_status=MatchStatus(row.match_status),
        match_kind=RecipientKind(row.match_kind) if row.match_kind else None, match_id=row.match_id,
        match_source=row.match_source, candidates=row.candidates,
        keyword=Keyword(row.keyword) if row.keyword else None,
        keyword_result=KeywordResult(row.keyword_result) if row.keyword_result else None,
        reply_message_id=row.reply_message_id,
    )  # fmt: skip


def _state_filter(states: tuple[InboundState, ...]) -> ColumnElement[bool]:
    """Return the condition on ``state``, written so it never steers the choice of index.

    ``state IN ('complete', 'incomplete')`` (every list but an explicit ``state``) made SQLite walk
    ``ix_inbound_messages_open`` for the states and sort every received message: 55 ms at
    100,000 rows. ``NOT IN`` the other states says the same and leaves the ordering indexes to it
    (0.6 ms). One state asked for explicitly (``partial``: few rows) keeps the index on it.
    """
    others = [state.value for state in InboundState if state not in states]
    if len(states) == 1 or not others:
        return _M.state.in_([state.value for state in states])
    return _M.state.not_in(others)


class InboundQueries(Repository):
    """Reads of received messages for the API and the webhook payloads; never writes."""

    async def get(self, inbound_id: int) -> InboundView:
        """One received message. :raises MessageNotFoundError: no such message."""
        async with self._read() as conn:
            row = (await conn.execute(select(inbound_messages).where(_M.id == inbound_id))).first()
        if row is None:
            raise MessageNotFoundError(f"no received message {inbound_id}")
        return inbound_view(row)

    async def get_detail(self, inbound_id: int) -> InboundDetail:
        """One received message with its missing parts and the directory change its keyword made."""
        async with self._read() as conn:
            row = (await conn.execute(select(inbound_messages).where(_M.id == inbound_id))).first()
            if row is None:
                raise MessageNotFoundError(f"no received message {inbound_id}")
            seen = set(
                await conn.scalars(
                    select(inbound_parts.c.seq).where(inbound_parts.c.inbound_id == inbound_id)
                )
            )
            event = (
                await conn.execute(
                    select(directory_events).where(directory_events.c.inbound_id == inbound_id).limit(1)
                )
            ).first()
        change = (
            DirectoryChange(
                kind=RecipientKind(event.kind), entry_id=event.entry_id, change=event.change, at=event.at
            )
            if event is not None
            else None
        )
        missing = tuple(seq for seq in range(1, row.parts_total + 1) if seq not in seen)
        return InboundDetail(message=inbound_view(row), missing_parts=missing, change=change)

    async def list_page(self, query: InboundQuery) -> InboundPage:
        """One page, newest first, and the cursor of the next (None on the last)."""
        statement = select(inbound_messages).where(_state_filter(query.states))
        if query.client_id is not None:
            statement = statement.where(
                _M.match_kind == RecipientKind.CLIENT.value, _M.match_id == query.client_id
            )
        if query.staff_id is not None:
            statement = statement.where(
                _M.match_kind == RecipientKind.STAFF.value, _M.match_id == query.staff_id
            )
        if query.modem_id is not None:
            statement = statement.where(_M.modem_id == query.modem_id)
        if query.match_status is not None:
            statement = statement.where(_M.match_status == query.match_status.value)
        if query.received_from is not None:
            statement = statement.where(_M.received_at >= query.received_from)
        if query.received_to is not None:
            statement = statement.where(_M.received_at < query.received_to)
        if query.cursor is not None:
            received_at, last_id = decode_cursor(query.cursor)
            statement = statement.where(tuple_(_M.received_at, _M.id) < (received_at, last_id))
        statement = statement.order_by(_M.received_at.desc(), _M.id.desc()).limit(query.limit + 1)
        async with self._read() as conn:
            rows = (await conn.execute(statement)).all()
        items = tuple(inbound_view(r) for r in rows[: query.limit])
        cursor = encode_cursor(items[-1].received_at, items[-1].id) if len(rows) > query.limit else None
        return InboundPage(items=items, next_cursor=cursor)
