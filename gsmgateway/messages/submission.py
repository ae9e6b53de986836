"""Checking one submitted message before anything is stored: text, recipient, timing, keys.

Pure functions shared by ``POST /sms`` and ``/sms/batch`` (through the service); each problem is a
:class:`~gsmgateway.core.errors.ValidationError` naming the JSON field, so the API can answer precisely.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from gsmgateway.core.errors import ValidationError
from gsmgateway.core.records import RecipientKind
from gsmgateway.directory.service import check_entry_id

MAX_KEY_LENGTH = 200


def recipient_of(client_id: str | None, staff_id: str | None) -> tuple[RecipientKind, str]:
    """Return who the message is for; exactly one of the two ids must be given."""
    if (client_id is None) == (staff_id is None):
        raise ValidationError(
            "give exactly one of clientId and staffId", field="clientId", error_type="invalid_recipient"
        )
    if client_id is not None:
        return RecipientKind.CLIENT, check_entry_id(client_id, field="clientId")
    assert staff_id is not None  # noqa: S101 - guaranteed by the check above
    return RecipientKind.STAFF, check_entry_id(staff_id, field="staffId")


# Control characters (C0, DEL, C1) except newline, and lone surrogates from JSON "\ud800" escapes.
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters of the GSM 7-bit default alphabet that cost one septet and are ASCII: a text made only
# of these and at most 160 long is one part, without walking it character by character.
_GSM7_ASCII_SINGLE = re.compile("[A-Za-z0-9 \n!\"#$%&'()*+,./:;<=>?@_-]{0,160}")


def check_text(text: str, *, max_parts: int, count_parts: Callable[[str], int]) -> int:
    """Return the number of SMS parts ``text`` needs.

    :raises ValidationError: empty, control characters other than newline, lone surrogates, or
        more than ``max_parts`` parts.
    """
    if not text.strip():
        raise ValidationError("message is empty", field="message", error_type="empty_message")
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise ValidationError(
            f"message holds control character U+{ord(bad.group()):04X} at position {bad.start()}; "
            "only newline is allowed",
            field="message",
            error_type="invalid_characters",
        )
    parts = 1 if _GSM7_ASCII_SINGLE.fullmatch(text) else count_parts(text)
    if parts > max_parts:
        raise ValidationError(
            f"message needs {parts} SMS parts; at most {max_parts} are allowed",
            field="message",
            error_type="message_too_long",
        )
    return parts


def check_send_at(send_at: datetime | None, *, now: datetime, horizon: timedelta) -> datetime | None:
    """Return ``send_at`` if it has a time zone and is within ``horizon`` from ``now``."""
    if send_at is None:
        return None
    if send_at.tzinfo is None or send_at.utcoffset() is None:
        raise ValidationError(
            "sendAt must include a time zone", field="sendAt", error_type="invalid_datetime"
        )
    if send_at > now + horizon:
        raise ValidationError(
            f"sendAt is more than {horizon.days} days ahead", field="sendAt", error_type="out_of_range"
        )
    return send_at


def check_key(value: str | None, *, field: str) -> str | None:
    """Return an idempotency key or external id if it is 1-200 printable characters."""
    if value is None:
        return None
    if not value or len(value) > MAX_KEY_LENGTH or not value.isprintable():
        raise ValidationError(
            f"{field} must be 1-{MAX_KEY_LENGTH} printable characters", field=field, error_type="invalid_key"
        )
    return value


def fingerprint(
    text: str, kind: RecipientKind, entry_id: str, send_at: datetime | None, external_id: str | None
) -> str:
    """Return a hash of what makes two requests "the same" for idempotency."""
    body = [text, kind.value, entry_id, send_at.isoformat() if send_at else None, external_id]
    return hashlib.sha256(json.dumps(body, ensure_ascii=True).encode()).hexdigest()
