"""An incoming SMS as JSON (``POST /sms``): every kind the network delivers, read strictly.

::

    {"sender": "+255700000001", "text": "Habari", "direct": false}
    {"sender": "MyBank", "text": "€10 {paid}", "encoding": "gsm7", "sent": "2026-01-31T09:30:00+03:00"}
    {"sender": "0712345678", "national": true, "data_hex": "c0ffee", "encoding": "8bit"}
    {"sender": "+255700000001", "text": "…400 characters…", "reference": 4660,
     "reference_bits": 16, "parts": [3, 1], "part_interval": 2.0}

Only ``sender`` is required. ``parts`` lists which parts arrive and in what order (a part left out
never comes); ``sent`` is the TP-SCTS, with a UTC offset.
"""

from __future__ import annotations

from typing import Any, Final

from simulator.jsonread import ProblemsError, Reader, is_int
from simulator.network.incoming import Encoding, IncomingSms

_FIELDS: Final = (
    "sender",
    "text",
    "data_hex",
    "encoding",
    "sent",
    "reference",
    "reference_bits",
    "parts",
    "part_interval",
    "national",
    "direct",
)
#: Seconds between parts at most (an hour is already "never" for a test).
MAX_PART_INTERVAL: Final = 3600.0


class IncomingSmsError(ProblemsError):
    """An incoming SMS that cannot be delivered as sent; ``problems`` lists every one of them."""

    what = "incoming SMS"


def _any(value: str) -> str | None:
    return None


def _hex(value: str) -> str | None:
    try:
        bytes.fromhex(value)
    except ValueError:
        return "must be hex, like 'c0ffee'"
    return None


def _parts(read: Reader, body: dict[str, Any]) -> tuple[int, ...] | None:
    if body.get("parts") is None:
        return None
    items = read.array(body, "parts", "")
    if not items:
        read.problem("parts", "must list at least one part number (leave it out for all parts)")
    numbers: list[int] = []
    for where, item in items:
        if not is_int(item) or item < 1:
            read.problem(where, "must be a part number from 1")
        else:
            numbers.append(item)
    return tuple(numbers)


def incoming_sms_from_json(value: object) -> IncomingSms:
    """Build the :class:`IncomingSms` a decoded JSON value describes.

    :raises IncomingSmsError: listing every unknown field, wrong type, bad value, and what
        :class:`IncomingSms` itself refuses (a part that does not exist, a sender no PDU carries).
    """
    read = Reader()
    body = read.object(value, "", _FIELDS)
    if isinstance(value, dict) and "sender" not in body:
        read.problem("sender", "is required")
    if isinstance(value, dict) and "text" not in body and "data_hex" not in body:
        read.problem("text", 'is required (or data_hex for 8-bit data); an empty SMS is ""')
    data = read.text(body, "data_hex", "", _hex)
    fields: dict[str, Any] = {
        "sender": read.text(body, "sender", "", _any) or "",
        "text": read.text(body, "text", "", _any) or "",
        "data": None if data is None else bytes.fromhex(data),
        "encoding": read.choice(body, "encoding", "", Encoding.DATA if data is not None else Encoding.AUTO),
        "sent": read.moment(body, "sent", ""),
        "reference": read.whole(body, "reference", "", None, low=0, high=0xFFFF),
        "reference_bits": read.whole(body, "reference_bits", "", 8, low=8, high=16) or 8,
        "parts": _parts(read, body),
        "part_interval": read.seconds(body, "part_interval", "", MAX_PART_INTERVAL),
        "national": read.flag(body, "national", ""),
        "direct": read.flag(body, "direct", ""),
    }
    if read.problems:
        raise IncomingSmsError(read.problems)
    try:
        return IncomingSms(**fields)
    except ValueError as exc:
        raise IncomingSmsError([str(exc)]) from None
