"""Who is calling: an API key presented to the API, the console or the Fineract contract → a caller.

Keys are stored hashed (``core/credentials.py``); a busy caller must not cost a database lookup per
request, so a known key is cached for a minute. A revocation through the console bites at once
(:meth:`KeyAuthenticator.forget_key`); SIGHUP drops the whole cache (:meth:`forget_keys`), so a key
revoked from the CLI stops working then, or within the minute at the latest.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gsmgateway.core.credentials import hash_key, is_well_formed_key, same_hash
from gsmgateway.core.errors import AuthError
from gsmgateway.store.api_keys import ApiKeyRepository

_CACHE_SECONDS = 60.0
_CACHE_MAX_KEYS = 10_000


@dataclass(frozen=True)
class Caller:
    """Who asked: an API key's id, name and scopes (``sms:send``, ``sms:read``, …)."""

    key_id: int
    name: str
    scopes: frozenset[str]


#: What the API, the console and the Fineract contract are given to check a key with.
Authenticate = Callable[[str], Awaitable[Caller]]


class KeyAuthenticator:
    """Turn a presented API key into its :class:`Caller`, with a short cache of known keys."""

    def __init__(self, keys: ApiKeyRepository, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._keys = keys
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Caller]] = {}

    async def authenticate(self, presented_key: str) -> Caller:
        """Return the caller that ``presented_key`` belongs to.

        Known keys are cached for a minute (a revoked key stops working within that time).

        :raises AuthError: no key, an unknown key or a revoked one.
        """
        if not is_well_formed_key(presented_key):
            raise AuthError("missing or invalid API key")
        digest = hash_key(presented_key)
        cached = self._cache.get(digest)
        now = self._monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        stored = await self._keys.find(digest)
        if stored is None or stored.revoked or not same_hash(stored.key_hash, digest):
            raise AuthError("missing or invalid API key")
        caller = Caller(key_id=stored.id, name=stored.name, scopes=stored.scopes)
        if len(self._cache) > _CACHE_MAX_KEYS:
            self._cache.clear()
        self._cache[digest] = (now + _CACHE_SECONDS, caller)
        return caller

    def forget_key(self, key_id: int) -> None:
        """Drop a key from the cache, so a revocation bites now, not within a minute."""
        for digest, (_, caller) in list(self._cache.items()):
            if caller.key_id == key_id:
                del self._cache[digest]

    def forget_keys(self) -> None:
        """Drop the cache of known keys (SIGHUP): a key revoked meanwhile is refused from now on."""
        self._cache.clear()
