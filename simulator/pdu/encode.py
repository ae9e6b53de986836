"""Encoders for what the network sends to the modem: SMS-DELIVER and SMS-STATUS-REPORT PDUs.

Both start with the service-centre address, as modems list them in ``+CMGR``/``+CMGL``/``+CMT``
/``+CDS`` (TS 27.005 §3.1 <pdu>); ``<length>`` counts the TPDU without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from simulator.pdu import gsm7
from simulator.pdu.fields import Alphabet, concat_udh, encode_address, encode_sca, encode_timestamp

FO_DELIVER: Final = 0x04  # MTI=00, TP-MMS=1 (no more messages)
FO_STATUS_REPORT: Final = 0x06  # MTI=10, TP-MMS=1, TP-SRQ=0 (report on an SMS-SUBMIT)
UDHI: Final = 0x40
DCS_GSM7: Final = 0x00
DCS_8BIT: Final = 0x04
DCS_UCS2: Final = 0x08
USER_DATA_OCTETS: Final = 140
SINGLE_SEPTETS: Final = 160
SINGLE_UCS2_UNITS: Final = 70
#: A concatenation header: 6 octets with an 8-bit reference, 7 with a 16-bit one.
CONCAT_8BIT_OCTETS: Final = 6
CONCAT_16BIT_OCTETS: Final = 7


@dataclass(frozen=True)
class BuiltPdu:
    """A PDU as hex, with the ``<length>`` a modem prints in front of it."""

    hex: str
    tpdu_length: int


def _finish(smsc: str, tpdu: bytes) -> BuiltPdu:
    return BuiltPdu((encode_sca(smsc) + tpdu).hex().upper(), len(tpdu))


def status_report(
    *, smsc: str, mr: int, recipient: str, submitted: datetime, discharged: datetime, tp_st: int
) -> BuiltPdu:
    """Build an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) with no optional parameters."""
    tpdu = (
        bytes([FO_STATUS_REPORT, mr & 0xFF])
        + encode_address(recipient)
        + encode_timestamp(submitted)
        + encode_timestamp(discharged)
        + bytes([tp_st])
    )
    return _finish(smsc, tpdu)


def split_text(
    text: str, alphabet: Alphabet | None = None, header_octets: int = CONCAT_8BIT_OCTETS
) -> tuple[int, list[str]]:
    """Cut ``text`` into parts in ``alphabet``; return ``(dcs, parts)``.

    ``alphabet`` None means GSM-7 when every character fits, else UCS-2.

    ``header_octets`` is the concatenation header each part of a long message carries. Escape
    pairs and UTF-16 surrogate pairs are never split across parts.

    :raises ValueError: GSM-7 asked for a text it cannot carry.
    """
    septets = gsm7.septets_needed(text)
    if alphabet is Alphabet.GSM7 and septets is None:
        raise ValueError("the text has characters outside the GSM 7-bit alphabet")
    if septets is not None and alphabet in (None, Alphabet.GSM7):
        if septets <= SINGLE_SEPTETS:
            return DCS_GSM7, [text]
        per_part = (USER_DATA_OCTETS - header_octets) * 8 // 7
        return DCS_GSM7, _cut(text, per_part, lambda ch: 2 if gsm7.septets_needed(ch) == 2 else 1)
    units = len(text.encode("utf-16-be")) // 2
    if units <= SINGLE_UCS2_UNITS:
        return DCS_UCS2, [text]
    per_part = (USER_DATA_OCTETS - header_octets) // 2
    return DCS_UCS2, _cut(text, per_part, lambda ch: 2 if ord(ch) > 0xFFFF else 1)


def split_data(data: bytes, header_octets: int = CONCAT_8BIT_OCTETS) -> list[bytes]:
    """Cut 8-bit user data into parts (140 octets alone, less the header when concatenated)."""
    if len(data) <= USER_DATA_OCTETS:
        return [data]
    size = USER_DATA_OCTETS - header_octets
    return [data[i : i + size] for i in range(0, len(data), size)]


def _cut(text: str, limit: int, cost: Callable[[str], int]) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        size = cost(char)
        if used + size > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return parts


def deliver(
    *,
    smsc: str,
    sender: str,
    text: str = "",
    data: bytes | None = None,
    dcs: int,
    sent: datetime,
    concat: tuple[int, int, int] | None = None,
    sixteen_bit: bool | None = None,
    national: bool = False,
) -> BuiltPdu:
    """Build one SMS-DELIVER (TS 23.040 §9.2.2.1) carrying ``text`` (or 8-bit ``data``) per ``dcs``."""
    udh = concat_udh(*concat, sixteen_bit=sixteen_bit) if concat is not None else b""
    if data is not None:
        user_data = udh + data
        udl = len(user_data)
    elif dcs == DCS_GSM7:
        septets = gsm7.encode(text)
        user_data = gsm7.pack(septets, udh)
        udl = gsm7.header_septets(len(udh)) + len(septets)
    else:
        user_data = udh + text.encode("utf-16-be")
        udl = len(user_data)
    first = FO_DELIVER | (UDHI if udh else 0)
    tpdu = (
        bytes([first])
        + encode_address(sender, national=national)
        + bytes([0x00, dcs])
        + encode_timestamp(sent)
        + bytes([udl])
        + user_data
    )
    return _finish(smsc, tpdu)
