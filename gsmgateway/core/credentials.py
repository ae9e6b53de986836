"""API keys: generated with 256 bits of randomness, shown once, stored only as a SHA-256 hash.

A slow password hash buys nothing for a random 256-bit key, and SHA-256 lets the gateway find a
key by an index lookup on every request; the final comparison is constant-time anyway.

A presented key longer than :data:`MAX_KEY_LENGTH` is refused before it is hashed, by the API and by
the service alike. 200 rather than the 512 the API once allowed: our keys are 47 characters, the
service already refused anything over 200 (so nothing that worked stops working), and a bound near
the real length keeps a hostile header cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from gsmgateway.core.errors import ValidationError

KEY_PREFIX: Final = "gsk_"
MAX_KEY_LENGTH: Final = 200
KNOWN_SCOPES: Final = frozenset(
    {
        "sms:send",
        "sms:read",
        "sms:read-numbers",
        "directory:write",
        "inbound:read",
        "metrics:read",
        "admin",
        "platform",
        "console",
    }
)


def generate_key() -> str:
    """Return a new random API key (``gsk_`` + 43 URL-safe characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def is_well_formed_key(key: str) -> bool:
    """Whether ``key`` could be an API key at all: 1-200 printable ASCII characters."""
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


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
