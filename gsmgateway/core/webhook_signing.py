"""How a webhook call is signed, so a receiver can prove it came from this gateway, unchanged.

The body is signed with HMAC-SHA256 under the endpoint's secret, over ``<timestamp>.<body>``
(the Stripe convention: the timestamp inside the signature stops a recorded call from being
replayed later). The header is ``X-Gsmgateway-Signature: t=<unix seconds>,v1=<hex digest>``; a
receiver recomputes the digest over the raw body it got, compares in constant time, and refuses a
timestamp more than a few minutes old. The README has a receiver's snippet.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

SIGNATURE_HEADER: Final = "X-Gsmgateway-Signature"
EVENT_HEADER: Final = "X-Gsmgateway-Event"  # the event type, e.g. inbound.received
DELIVERY_HEADER: Final = "X-Gsmgateway-Delivery"  # the event's id: the same on every retry
SCHEME: Final = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """Return the value of :data:`SIGNATURE_HEADER` for one call."""
    return f"t={timestamp},{SCHEME}={sign(secret, timestamp, body)}"
