"""API keys and modem state rows: the small tables the operators and the workers look after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from gsmgateway.store.base import Repository
from gsmgateway.store.schema import api_keys, modems
from gsmgateway.views import ModemStatusView


@dataclass(frozen=True)
class StoredKey:
    """An API key row: only the hash of the key is ever stored."""

    id: int
    name: str
    key_hash: str
    scopes: frozenset[str]
    revoked: bool


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
        scopes = frozenset(s for s in row.scopes.split(",") if s)
        return StoredKey(row.id, row.name, row.key_hash, scopes, row.revoked_at is not None)

    async def list_keys(self) -> list[StoredKey]:
        """Return every key, active and revoked, oldest first (hashes only: keys are never stored)."""
        async with self._read() as conn:
            rows = (await conn.execute(select(api_keys).order_by(api_keys.c.id))).all()
        return [
            StoredKey(row.id, row.name, row.key_hash, frozenset(s for s in row.scopes.split(",") if s),
                      row.revoked_at is not None)
            for row in rows
        ]  # fmt: skip

    async def revoke(self, key_id: int, *, now: datetime) -> bool:
        """Mark a key revoked; return whether it existed and was active."""
        async with self._write() as conn:
            result = await conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return bool(result.rowcount)


class ModemRepository(Repository):
    """One row per modem: last known state, radio figures and counters (``GET /modems``)."""

    async def save_state(
        self,
        modem_id: str,
        *,
        state: str,
        now: datetime,
        signal: int | None = None,
        operator: str | None = None,
        last_error: str | None = None,
    ) -> None:
        """Record the modem's current state; None figures keep what was known before."""
        changes: dict[str, object] = {"state": state, "updated_at": now}
        for column, value in (("signal", signal), ("operator", operator), ("last_error", last_error)):
            if value is not None:
                changes[column] = value
        async with self._write() as conn:
            result = await conn.execute(update(modems).where(modems.c.modem_id == modem_id).values(changes))
            if not result.rowcount:
                await conn.execute(
                    insert(modems).values(modem_id=modem_id, sent_count=0, failed_count=0, **changes)
                )

    async def count(self, modem_id: str, *, sent: int = 0, failed: int = 0, now: datetime) -> None:
        """Add to a modem's sent/failed counters (a row is created if the modem is new)."""
        async with self._write() as conn:
            result = await conn.execute(
                update(modems)
                .where(modems.c.modem_id == modem_id)
                .values(sent_count=modems.c.sent_count + sent, failed_count=modems.c.failed_count + failed)
            )
            if not result.rowcount:
                await conn.execute(
                    insert(modems).values(
                        modem_id=modem_id, state="disconnected", sent_count=sent, failed_count=failed,
                        updated_at=now,
                    )
                )  # fmt: skip

    async def list(self) -> list[ModemStatusView]:
        """Every modem the gateway has seen, by id."""
        async with self._read() as conn:
            rows = (await conn.execute(select(modems).order_by(modems.c.modem_id))).all()
        return [
            ModemStatusView(
                modem_id=r.modem_id, state=r.state, signal=r.signal, operator=r.operator,
                last_error=r.last_error, sent_count=r.sent_count, failed_count=r.failed_count,
                updated_at=r.updated_at,
            )
            for r in rows
        ]  # fmt: skip
