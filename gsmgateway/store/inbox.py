"""The modem inbox: the journal of every PDU read from a modem (``core/inbox.py`` says why).

One batch is one transaction, committed before the driver deletes anything from the modem. The
same PDU read twice (a crash between the journal and ``AT+CMGD`` leaves it on the modem, and the
next sweep reads it again) is journaled once: an entry whose (modem, PDU) is already in the table
is skipped. Processing marks an entry with :func:`settle_entry`, a compare-and-set on
``processed_at``, inside the transaction that acts on it — so an entry is acted on exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.inbox import CollectionSource, InboxEntry, InboxOutcome, NewInboxEntry, PduKind
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import modem_inbox

_COLUMNS = (
    modem_inbox.c.id,
    modem_inbox.c.modem_id,
    modem_inbox.c.kind,
    modem_inbox.c.source,
    modem_inbox.c.memory,
    modem_inbox.c.slot,
    modem_inbox.c.pdu,
    modem_inbox.c.read_at,
    modem_inbox.c.processed_at,
    modem_inbox.c.outcome,
    modem_inbox.c.message_id,
)


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(
        id=row.id, modem_id=row.modem_id, kind=PduKind(row.kind), source=CollectionSource(row.source),
        memory=row.memory, slot=row.slot, pdu=row.pdu, read_at=row.read_at, processed_at=row.processed_at,
        outcome=InboxOutcome(row.outcome) if row.outcome else None, message_id=row.message_id,
    )  # fmt: skip


async def settle_entry(
    conn: AsyncConnection,
    entry_id: int,
    *,
    outcome: InboxOutcome | None,
    now: datetime,
    message_id: int | None = None,
) -> bool:
    """Mark one pending entry processed inside the caller's transaction; False if it already was.

    The compare-and-set on ``processed_at IS NULL`` is what makes processing happen once: a second
    processor (or the same one after a crash it cannot know about) finds nothing to settle.
    ``outcome`` None claims the entry without saying how it ended yet (see :func:`release_entry`).
    """
    result = await conn.execute(
        update(modem_inbox)
        .where(modem_inbox.c.id == entry_id, modem_inbox.c.processed_at.is_(None))
        .values(processed_at=now, outcome=outcome.value if outcome else None, message_id=message_id)
    )
    return bool(result.rowcount)


async def record_outcome(
    conn: AsyncConnection, entry_id: int, outcome: InboxOutcome, *, message_id: int | None = None
) -> None:
    """Say how an entry claimed with ``settle_entry(outcome=None)`` in this transaction ended."""
    await conn.execute(
        update(modem_inbox)
        .where(modem_inbox.c.id == entry_id)
        .values(outcome=outcome.value, message_id=message_id)
    )


async def release_entry(conn: AsyncConnection, entry_id: int) -> None:
    """Undo a claim made in this transaction: the entry stays pending for a later attempt."""
    await conn.execute(
        update(modem_inbox).where(modem_inbox.c.id == entry_id).values(processed_at=None, outcome=None)
    )


class InboxRepository(Repository):
    """Journal PDUs read from modems, list the pending ones, and prune old processed ones."""

    async def add(self, entries: Sequence[NewInboxEntry], *, now: datetime) -> list[int]:
        """Journal ``entries`` in one transaction; return the ids of the rows written.

        An entry already journaled for its modem (same PDU) is not written again, so a batch read
        twice yields fewer (or no) ids. All entries of one call must come from one modem.
        """
        if not entries:
            return []
        modem_ids = {entry.modem_id for entry in entries}
        if len(modem_ids) != 1:
            raise ValueError("one journal batch comes from one modem")
        modem_id = modem_ids.pop()
        async with self._write() as conn:
            known = set(
                (
                    await conn.scalars(
                        select(modem_inbox.c.pdu).where(
                            modem_inbox.c.modem_id == modem_id,
                            modem_inbox.c.pdu.in_({entry.pdu for entry in entries}),
                        )
                    )
                ).all()
            )
            ids: list[int] = []
            for entry in entries:
                if entry.pdu in known:
                    continue
                known.add(entry.pdu)
                new_id = await conn.scalar(
                    insert(modem_inbox)
                    .values(
                        modem_id=entry.modem_id, kind=entry.kind.value, source=entry.source.value,
                        memory=entry.memory, slot=entry.slot, pdu=entry.pdu, read_at=now,
                    )
                    .returning(modem_inbox.c.id)
                )  # fmt: skip
                ids.append(int(new_id))
        return ids

    async def pending(
        self, kind: PduKind, *, modem_id: str | None = None, after_id: int = 0, limit: int = 500
    ) -> list[InboxEntry]:
        """Return the oldest unprocessed entries of ``kind`` (of one modem, or all) after ``after_id``."""
        query = select(*_COLUMNS).where(
            modem_inbox.c.kind == kind.value,
            modem_inbox.c.processed_at.is_(None),
            modem_inbox.c.id > after_id,
        )
        if modem_id is not None:
            query = query.where(modem_inbox.c.modem_id == modem_id)
        async with self._read() as conn:
            rows = (await conn.execute(query.order_by(modem_inbox.c.id).limit(limit))).all()
        return [_entry(row) for row in rows]

    async def get(self, entry_id: int) -> InboxEntry | None:
        """One entry by id, or None."""
        async with self._read() as conn:
            row = (await conn.execute(select(*_COLUMNS).where(modem_inbox.c.id == entry_id))).first()
        return _entry(row) if row is not None else None

    async def settle(
        self, entry_id: int, outcome: InboxOutcome, *, now: datetime, message_id: int | None = None
    ) -> bool:
        """:func:`settle_entry` in a transaction of its own."""
        async with self._write() as conn:
            return await settle_entry(conn, entry_id, outcome=outcome, now=now, message_id=message_id)

    async def prune(self, kinds: Sequence[PduKind], *, processed_before: datetime) -> int:
        """Delete processed entries of ``kinds`` processed before the cutoff; return how many."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(modem_inbox).where(
                    modem_inbox.c.kind.in_([kind.value for kind in kinds]),
                    modem_inbox.c.processed_at.is_not(None),
                    modem_inbox.c.processed_at < processed_before,
                )
            )
        return int(result.rowcount or 0)
