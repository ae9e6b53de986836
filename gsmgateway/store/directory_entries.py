"""The local directory table: clients and staff with their normalised numbers and opt-out flags.

A write that changes an entry's opt-out (or creates one opted out) records a ``directory_events``
row in the same transaction, naming who made it; ``store/inbound_actions.py`` does the same for a
received STOP or START.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gsmgateway.core.records import DirectoryEntry, DirectoryEvent, OptedOutEntry, RecipientKind
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import directory_entries, directory_events

_KEY = tuple_(directory_entries.c.kind, directory_entries.c.entry_id)


class DirectoryRepository(Repository):
    """Read and write directory entries; writes are upserts keyed on (kind, id)."""

    async def get(self, kind: RecipientKind, entry_id: str) -> DirectoryEntry | None:
        """Return the entry, or None when the local table does not know it."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(directory_entries).where(
                        directory_entries.c.kind == kind.value, directory_entries.c.entry_id == entry_id
                    )
                )
            ).first()
        return _entry(row) if row is not None else None

    async def get_many(
        self, keys: Sequence[tuple[RecipientKind, str]]
    ) -> dict[tuple[RecipientKind, str], DirectoryEntry]:
        """Return the local entries among ``keys`` (absent keys are simply missing from the result)."""
        found: dict[tuple[RecipientKind, str], DirectoryEntry] = {}
        async with self._read() as conn:
            for start in range(0, len(keys), 500):
                chunk = [(kind.value, entry_id) for kind, entry_id in keys[start : start + 500]]
                rows = await conn.execute(select(directory_entries).where(_KEY.in_(chunk)))
                for row in rows:
                    entry = _entry(row)
                    found[(entry.kind, entry.entry_id)] = entry
        return found

    async def find_by_mobile(self, number: str) -> list[DirectoryEntry]:
        """Return every entry whose (normalised) number is ``number``: who sent a received SMS."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(directory_entries)
                .where(directory_entries.c.mobile == number)
                .order_by(directory_entries.c.kind, directory_entries.c.entry_id)
            )
            return [_entry(row) for row in rows]

    async def put_many(self, entries: Sequence[DirectoryEntry], *, changed_by: str) -> None:
        """Insert or replace every entry in one transaction (an import is all or nothing).

        Each entry whose opt-out changes (or that arrives opted out) gets an event whose reason is
        ``changed_by`` (who did it: "operator Amani (key 3) at the console", "API key crm sync (key 5)", …).
        """
        if not entries:
            return
        rows = [
            {"kind": e.kind.value, "entry_id": e.entry_id, "mobile": e.mobile, "opted_out": e.opted_out,
             "name": e.name, "updated_at": e.updated_at}
            for e in entries
        ]  # fmt: skip
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        statement: Any = dialect.insert(directory_entries)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "entry_id"],
            set_={c: statement.excluded[c] for c in ("mobile", "opted_out", "name", "updated_at")},
        )
        async with self._write() as conn:
            for start in range(0, len(rows), 1000):
                chunk = entries[start : start + 1000]
                before = await _opted_out_now(conn, chunk)
                await conn.execute(statement, rows[start : start + 1000])
                events = [
                    {"kind": e.kind.value, "entry_id": e.entry_id, "at": e.updated_at,
                     "change": "opted_out" if e.opted_out else "opted_in", "inbound_id": None,
                     "reason": changed_by[:200]}
                    for e in chunk
                    if before.get((e.kind.value, e.entry_id), False) != e.opted_out
                ]  # fmt: skip
                if events:
                    await conn.execute(insert(directory_events), events)

    async def delete(self, kind: RecipientKind, entry_id: str, *, changed_by: str, now: datetime) -> bool:
        """Remove an entry; return whether it existed.

        An entry opted out gets a ``deleted`` event, so its history ends instead of showing an
        opt-out that never stops (a later entry with the id starts a history of its own).
        """
        async with self._write() as conn:
            opted_out = await conn.scalar(
                delete(directory_entries)
                .where(directory_entries.c.kind == kind.value, directory_entries.c.entry_id == entry_id)
                .returning(directory_entries.c.opted_out)
            )
            if opted_out:
                await conn.execute(
                    insert(directory_events).values(
                        kind=kind.value, entry_id=entry_id, at=now, change="deleted", inbound_id=None,
                        reason=changed_by[:200],
                    )
                )  # fmt: skip
            return opted_out is not None

    async def opted_out_numbers(self) -> frozenset[str]:
        """Return every number an entry that opted out holds (opt-outs are few; read them all)."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(directory_entries.c.mobile).where(
                    directory_entries.c.opted_out.is_(True), directory_entries.c.mobile.is_not(None)
                )
            )
            return frozenset(rows.scalars())

    async def opted_out_entries(self, limit: int) -> list[OptedOutEntry]:
        """Return up to ``limit`` entries that are opted out now, most recently opted out first."""
        latest_opt_out = (
            select(directory_events.c.at)
            .where(
                directory_events.c.kind == directory_entries.c.kind,
                directory_events.c.entry_id == directory_entries.c.entry_id,
                directory_events.c.change == "opted_out",
            )
            .order_by(directory_events.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        since = func.coalesce(
            latest_opt_out, directory_entries.c.updated_at, type_=directory_entries.c.updated_at.type
        ).label("since")
        async with self._read() as conn:
            rows = await conn.execute(
                select(directory_entries, since)
                .where(directory_entries.c.opted_out.is_(True))
                .order_by(since.desc(), directory_entries.c.kind, directory_entries.c.entry_id)
                .limit(limit)
            )
            return [OptedOutEntry(_entry(row), row.since) for row in rows]

    async def events(self, limit: int, *, before_id: int | None = None) -> list[DirectoryEvent]:
        """Return up to ``limit`` opt-out and opt-in events, newest first (older than ``before_id``)."""
        statement = select(directory_events).order_by(directory_events.c.id.desc()).limit(limit)
        if before_id is not None:
            statement = statement.where(directory_events.c.id < before_id)
        async with self._read() as conn:
            return [
                DirectoryEvent(
                    id=row.id,
                    kind=RecipientKind(row.kind),
                    entry_id=row.entry_id,
                    at=row.at,
                    change=row.change,
                    inbound_id=row.inbound_id,
                    reason=row.reason,
                )
                for row in await conn.execute(statement)
            ]


async def _opted_out_now(
    conn: AsyncConnection, entries: Sequence[DirectoryEntry]
) -> dict[tuple[str, str], bool]:
    """Return the stored opt-out of those of ``entries`` that exist (500 keys per statement)."""
    found: dict[tuple[str, str], bool] = {}
    for start in range(0, len(entries), 500):
        keys = [(e.kind.value, e.entry_id) for e in entries[start : start + 500]]
        rows = await conn.execute(
            select(directory_entries.c.kind, directory_entries.c.entry_id, directory_entries.c.opted_out)
            .where(_KEY.in_(keys))
        )  # fmt: skip
        found.update({(row.kind, row.entry_id): bool(row.opted_out) for row in rows})
    return found


def _entry(row: Any) -> DirectoryEntry:
    return DirectoryEntry(
        kind=RecipientKind(row.kind),
        entry_id=row.entry_id,
        mobile=row.mobile,
        opted_out=bool(row.opted_out),
        name=row.name,
        updated_at=row.updated_at,
    )
