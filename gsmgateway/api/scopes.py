"""The scopes an API key can hold, and the one rule for checking them (``admin`` holds them all)."""

from __future__ import annotations

from typing import Final

from gsmgateway.messages.authentication import Caller

SMS_SEND: Final = "sms:send"
SMS_READ: Final = "sms:read"
SMS_READ_NUMBERS: Final = "sms:read-numbers"
DIRECTORY_WRITE: Final = "directory:write"
INBOUND_READ: Final = "inbound:read"  # received SMS (GET /inbound); numbers need sms:read-numbers too
METRICS_READ: Final = "metrics:read"
PLATFORM: Final = "platform"
CONSOLE: Final = "console"  # sign in to the operator console (gsmgateway/api/console/)
ADMIN: Final = "admin"


def has_scope(caller: Caller, scopes: tuple[str, ...]) -> bool:
    """Return whether ``caller`` holds one of ``scopes`` (``admin`` holds them all)."""
    return ADMIN in caller.scopes or any(scope in caller.scopes for scope in scopes)
