"""Checking one submitted message before anything is stored: text, recipient, timing, keys.

Pure functions shared by ``POST /sms`` and ``/sms/batch`` (through the service); each problem is a
:class:`~gsmgateway.core.errors.ValidationError` naming the JSON field, so the API can answer precisely.
The API's request schema (``api/requests.py``) applies :func:`exactly_one_recipient` and
:data:`MAX_KEY_LENGTH` from here too, and the character rule of :mod:`gsmgateway.core.characters`,
so the two can never disagree about what a valid request is.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from gsmgateway.core.characters import first_forbidden_character
from gsmgateway.core.errors import ValidationError
from gsmgateway.core.records import RecipientKind
from gsmgateway.directory.service import check_entry_id

#: Most characters of an ``Idempotency-Key`` or an ``externalId`` (the stored column holds 200).
MAX_KEY_LENGTH: Final = 200
#: The JSON names of the two ways to name a recipient; a message gives exactly one.
RECIPIENT_FIELDS: Final = ("clientId", "staffId")


def exactly_one_recipient(client_id: str | None, staff_id: str | None) -> tuple[RecipientKind, str]:
    """Return who the message is for.

    :raises ValidationError: not exactly one of the two ids is given (``invalid_recipient``).
    """
    given = [value for value in (client_id, staff_id) if value is not None]
    if len(given) != 1:
        raise ValidationError(
            f"exactly one of {' or '.join(RECIPIENT_FIELDS)} is required, not {len(given)}",
            field=RECIPIENT_FIELDS[0],
            error_type="invalid_recipient",
        )
    if client_id is not None:
        return RecipientKind.CLIENT, client_id
    return RecipientKind.STAFF, given[0]


def check_recipient_fields(parsed: dict[str, Any]) -> None:
    """Apply :func:`exactly_one_recipient` to an object the request schema parsed (its ``rule``)."""
    exactly_one_recipient(parsed.get("client_id"), parsed.get("staff_id"))


def recipient_of(client_id: str | None, staff_id: str | None) -> tuple[RecipientKind, str]:
    """Return who the message is for: exactly one id, and one that can name a person."""
    kind, entry_id = exactly_one_recipient(client_id, staff_id)
    field = RECIPIENT_FIELDS[0] if kind is RecipientKind.CLIENT else RECIPIENT_FIELDS[1]
    return kind, check_entry_id(entry_id, field=field)


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
    bad = first_forbidden_character(text)
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


def check_list_filters(
    *,
    limit: int,
    max_limit: int,
    client_id: str | None,
    staff_id: str | None,
    window: dict[str, datetime | None],
) -> None:
    """Check what every list takes (``GET /sms``, ``GET /inbound``): page size, one person, zoned times.

    :raises ValidationError: a limit outside 1-``max_limit``, both a client and a staff id, or a
        time in ``window`` (its JSON name → value) without a time zone.
    """
    if not 1 <= limit <= max_limit:
        raise ValidationError(f"limit must be 1-{max_limit}", field="limit", error_type="out_of_range")
    if client_id is not None and staff_id is not None:
        raise ValidationError("filter by clientId or staffId, not both", field="clientId")
    for name, value in window.items():
        if value is not None and value.tzinfo is None:
            raise ValidationError(f"{name} must include a time zone", field=name)


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
