"""The local directory table: clients and staff with their normalised numbers and opt-out flags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from gsmgateway.core.records import DirectoryEntry, RecipientKind
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import directory_entries


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
        key_columns = tuple_(directory_entries.c.kind, directory_entries.c.entry_id)
        async with self._read() as conn:
            for start in range(0, len(keys), 500):
                chunk = [(kind.value, entry_id) for kind, entry_id in keys[start : start + 500]]
                rows = await conn.execute(select(directory_entries).where(key_columns.in_(chunk)))
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

    async def put_many(self, entries: Sequence[DirectoryEntry]) -> None:
        """Insert or replace every entry in one transaction (an import is all or nothing)."""
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
                await conn.execute(statement, rows[start : start + 1000])

    async def delete(self, kind: RecipientKind, entry_id: str) -> bool:
        """Remove an entry; return whether it existed."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(directory_entries).where(
                    directory_entries.c.kind == kind.value, directory_entries.c.entry_id == entry_id
                )
            )
            return bool(result.rowcount)

    async def opted_out_numbers(self) -> frozenset[str]:
        """Return every number an entry that opted out holds (opt-outs are few; read them all)."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(directory_entries.c.mobile).where(
                    directory_entries.c.opted_out.is_(True), directory_entries.c.mobile.is_not(None)
                )
            )
            return frozenset(rows.scalars())


def _entry(row: Any) -> DirectoryEntry:
    return DirectoryEntry(
        kind=RecipientKind(row.kind),
        entry_id=row.entry_id,
        mobile=row.mobile,
        opted_out=bool(row.opted_out),
        name=row.name,
        updated_at=row.updated_at,
    )
