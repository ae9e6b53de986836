"""The console's sessions: the SHA-256 of each session id, whose key it is, its CSRF token and times.

The cookie carries a random session id; only its hash is stored, so a copy of the database does not
let anyone into the console. Looking a session up joins its API key, so revoking the key (or taking
away its scope) ends the session at the next page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update

from gsmgateway.store.api_keys import stored_scopes
from gsmgateway.store.base import Repository
from gsmgateway.store.tables import api_keys, console_sessions


@dataclass(frozen=True, kw_only=True)
class StoredSession:
    """A session row with the name, scopes and state of the API key it was opened with."""

    token_hash: str
    api_key_id: int
    key_name: str
    scopes: frozenset[str]
    key_revoked: bool
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class ConsoleSessionRepository(Repository):
    """Create, find, touch and end console sessions."""

    async def create(
        self, *, token_hash: str, api_key_id: int, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new session."""
        async with self._write() as conn:
            await conn.execute(
                insert(console_sessions).values(
                    token_hash=token_hash, api_key_id=api_key_id, csrf_token=csrf_token, created_at=now,
                    last_seen_at=now, expires_at=expires_at,
                )
            )  # fmt: skip

    async def find(self, token_hash: str) -> StoredSession | None:
        """Return the session with this hash and its key, or None."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(console_sessions, api_keys.c.name, api_keys.c.scopes, api_keys.c.revoked_at)
                    .join(api_keys, api_keys.c.id == console_sessions.c.api_key_id)
                    .where(console_sessions.c.token_hash == token_hash)
                )
            ).first()
        if row is None:
            return None
        return StoredSession(
            token_hash=row.token_hash, api_key_id=row.api_key_id, key_name=row.name,
            scopes=stored_scopes(row.scopes), key_revoked=row.revoked_at is not None,
            csrf_token=row.csrf_token, created_at=row.created_at, last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
        )  # fmt: skip

    async def touch(self, token_hash: str, now: datetime) -> None:
        """Record activity (the idle timer starts again)."""
        async with self._write() as conn:
            await conn.execute(
                update(console_sessions)
                .where(console_sessions.c.token_hash == token_hash)
                .values(last_seen_at=now)
            )

    async def delete(self, token_hash: str) -> bool:
        """End one session; return whether it existed."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(console_sessions).where(console_sessions.c.token_hash == token_hash)
            )
            return bool(result.rowcount)

    async def delete_for_key(self, api_key_id: int) -> int:
        """End every session opened with one API key (it was revoked); return how many."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(console_sessions).where(console_sessions.c.api_key_id == api_key_id)
            )
            return int(result.rowcount)

    async def delete_stale(self, *, now: datetime, idle_since: datetime) -> int:
        """End every session past its absolute end or idle since before ``idle_since``."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(console_sessions).where(
                    or_(console_sessions.c.expires_at <= now, console_sessions.c.last_seen_at < idle_since)
                )
            )
            return int(result.rowcount)
