"""API keys: generated with 256 bits of randomness, shown once, stored only as a SHA-256 hash.

A slow password hash buys nothing for a random 256-bit key, and SHA-256 lets the gateway find a
key by an index lookup on every request; the final comparison is constant-time anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from gsmgateway.core.errors import ValidationError

KEY_PREFIX: Final = "gsk_"
KNOWN_SCOPES: Final = frozenset(
    {"sms:send", "sms:read", "sms:read-numbers", "directory:write", "admin", "platform"}
)


def generate_key() -> str:
    """Return a new random API key (``gsk_`` + 43 URL-safe characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of ``key``: what the store keeps and looks keys up by."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(stored: str, presented: str) -> bool:
    """Compare two key hashes in constant time."""
    return hmac.compare_digest(stored.encode(), presented.encode())


def parse_scopes(text: str) -> frozenset[str]:
    """Read ``sms:send,sms:read`` into a set of known scopes.

    :raises ValidationError: an empty list or an unknown scope (the known ones are listed).
    """
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(scopes - KNOWN_SCOPES)
    if not scopes or unknown:
        raise ValidationError(
            f"unknown or missing scopes {unknown}; known: {', '.join(sorted(KNOWN_SCOPES))}", field="scopes"
        )
    return scopes
