"""Signing in to the operator console: an API key is exchanged once for a session, which then expires.

The key is checked like any API request (:meth:`KeyAuthenticator.authenticate`) and must hold
``console`` or ``admin``; the browser then carries only a random session id in an ``HttpOnly``
cookie, never the key. A session ends at sign-out, after ``idle_minutes`` without a page view,
``absolute_hours`` after sign-in, or as soon as its key is revoked or loses the scope.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config_sections import ConsoleConfig
from gsmgateway.core.credentials import hash_key
from gsmgateway.core.errors import ForbiddenError, SessionEndedError
from gsmgateway.messages.authentication import Authenticate, Caller
from gsmgateway.store.console_sessions import ConsoleSessionRepository, StoredSession

#: Scopes that may sign in. ``console`` is the branch operator's; ``admin`` holds every scope.
SIGN_IN_SCOPES: Final = frozenset({"console", "admin"})
#: Activity is written at most this often per session, so reading pages does not write on every view.
TOUCH_EVERY: Final = timedelta(seconds=60)


@dataclass(frozen=True, kw_only=True)
class ConsoleSession:
    """A signed-in operator: who (the key's caller) and the token every form of theirs must carry."""

    caller: Caller
    csrf_token: str
    expires_at: datetime


class ConsoleSessions:
    """Sign in, resume on every page, sign out."""

    def __init__(
        self,
        *,
        repository: ConsoleSessionRepository,
        authenticate: Authenticate,
        config: ConsoleConfig,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repository = repository
        self._authenticate = authenticate
        self._idle = timedelta(minutes=config.idle_minutes)
        self._lifetime = timedelta(hours=config.absolute_hours)
        self._clock = clock

    async def sign_in(self, presented_key: str) -> tuple[str, ConsoleSession]:
        """Check ``presented_key`` and open a session; return its id (for the cookie) and the session.

        :raises AuthError: unknown or revoked key.
        :raises ForbiddenError: the key holds neither ``console`` nor ``admin``.
        """
        caller = await self._authenticate(presented_key)
        if not caller.scopes & SIGN_IN_SCOPES:
            raise ForbiddenError("this API key may not sign in to the console (it needs console or admin)")
        now = self._clock()
        await self._repository.delete_stale(now=now, idle_since=now - self._idle)
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        expires_at = now + self._lifetime
        await self._repository.create(
            token_hash=hash_key(session_id), api_key_id=caller.key_id, csrf_token=csrf_token, now=now,
            expires_at=expires_at,
        )  # fmt: skip
        return session_id, ConsoleSession(caller=caller, csrf_token=csrf_token, expires_at=expires_at)

    async def resume(self, session_id: str) -> ConsoleSession:
        """Return the live session behind a cookie, ending it if it has run out.

        :raises SessionEndedError: there is no live session for ``session_id``.
        """
        token_hash = hash_key(session_id)
        stored = await self._repository.find(token_hash)
        if stored is None:
            raise SessionEndedError("not signed in")
        now = self._clock()
        if self._ended(stored, now):
            await self._repository.delete(token_hash)
            raise SessionEndedError("the session has ended; sign in again")
        if now - stored.last_seen_at >= TOUCH_EVERY:
            await self._repository.touch(token_hash, now)
        caller = Caller(key_id=stored.api_key_id, name=stored.key_name, scopes=stored.scopes)
        return ConsoleSession(caller=caller, csrf_token=stored.csrf_token, expires_at=stored.expires_at)

    def _ended(self, stored: StoredSession, now: datetime) -> bool:
        return (
            stored.key_revoked
            or not stored.scopes & SIGN_IN_SCOPES
            or now >= stored.expires_at
            or now - stored.last_seen_at >= self._idle
        )

    async def sign_out(self, session_id: str) -> None:
        """End the session behind a cookie (nothing happens if it already ended)."""
        await self._repository.delete(hash_key(session_id))

    async def end_sessions_of(self, api_key_id: int) -> int:
        """End every session of a key (it was revoked); return how many."""
        return await self._repository.delete_for_key(api_key_id)
