"""The API key table: names, scopes and the SHA-256 of each key (never the key itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from gsmgateway.store.base import Repository
from gsmgateway.store.tables import api_keys


@dataclass(frozen=True)
class StoredKey:
    """An API key row: only the hash of the key is ever stored."""

    id: int
    name: str
    key_hash: str
    scopes: frozenset[str]
    revoked: bool


def stored_scopes(text: str) -> frozenset[str]:
    """Return the scopes of a key as the ``scopes`` column holds them (comma-separated, sorted)."""
    return frozenset(scope for scope in text.split(",") if scope)


class ApiKeyRepository(Repository):
    """Creating and finding API keys by hash."""

    async def create(self, *, name: str, key_hash: str, scopes: frozenset[str], now: datetime) -> int:
        """Store a new key's hash and scopes; return its id."""
        async with self._write() as conn:
            result = await conn.execute(
                insert(api_keys)
                .values(name=name, key_hash=key_hash, scopes=",".join(sorted(scopes)), created_at=now)
                .returning(api_keys.c.id)
            )
            return int(result.scalar_one())

    async def find(self, key_hash: str) -> StoredKey | None:
        """Return the key with this hash, or None."""
        async with self._read() as conn:
            row = (await conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash))).first()
        if row is None:
            return None
        return _stored_key(row)

    async def list_keys(self) -> list[StoredKey]:
        """Return every key, active and revoked, oldest first (hashes only: keys are never stored)."""
        async with self._read() as conn:
            rows = (await conn.execute(select(api_keys).order_by(api_keys.c.id))).all()
        return [_stored_key(row) for row in rows]

    async def revoke(self, key_id: int, *, now: datetime) -> bool:
        """Mark a key revoked; return whether it existed and was active."""
        async with self._write() as conn:
            result = await conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return bool(result.rowcount)


def _stored_key(row: Row[Any]) -> StoredKey:
    return StoredKey(row.id, row.name, row.key_hash, stored_scopes(row.scopes), row.revoked_at is not None)
