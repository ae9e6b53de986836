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
from simulator.pdu.fields import concat_udh, encode_address, encode_sca, encode_timestamp

FO_DELIVER: Final = 0x04  # MTI=00, TP-MMS=1 (no more messages)
FO_STATUS_REPORT: Final = 0x06  # MTI=10, TP-MMS=1, TP-SRQ=0 (report on an SMS-SUBMIT)
UDHI: Final = 0x40
DCS_GSM7: Final = 0x00
DCS_UCS2: Final = 0x08
SINGLE_SEPTETS: Final = 160
PART_SEPTETS: Final = 153
SINGLE_UCS2_UNITS: Final = 70
PART_UCS2_UNITS: Final = 67


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


def split_text(text: str) -> tuple[int, list[str]]:
    """Choose GSM-7 or UCS-2 for ``text`` and cut it into parts; return ``(dcs, parts)``.

    Escape pairs and UTF-16 surrogate pairs are never split across parts.
    """
    septets = gsm7.septets_needed(text)
    if septets is not None:
        if septets <= SINGLE_SEPTETS:
            return DCS_GSM7, [text]
        return DCS_GSM7, _cut(text, PART_SEPTETS, lambda ch: 2 if gsm7.septets_needed(ch) == 2 else 1)
    units = len(text.encode("utf-16-be")) // 2
    if units <= SINGLE_UCS2_UNITS:
        return DCS_UCS2, [text]
    return DCS_UCS2, _cut(text, PART_UCS2_UNITS, lambda ch: 2 if ord(ch) > 0xFFFF else 1)


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
    *, smsc: str, sender: str, text: str, dcs: int, sent: datetime, concat: tuple[int, int, int] | None = None
) -> BuiltPdu:
    """Build one SMS-DELIVER (TS 23.040 §9.2.2.1) carrying ``text`` in the alphabet of ``dcs``."""
    udh = concat_udh(*concat) if concat is not None else b""
    if dcs == DCS_GSM7:
        septets = gsm7.encode(text)
        user_data = gsm7.pack(septets, udh)
        udl = gsm7.header_septets(len(udh)) + len(septets)
    else:
        user_data = udh + text.encode("utf-16-be")
        udl = len(user_data)
    first = FO_DELIVER | (UDHI if udh else 0)
    tpdu = (
        bytes([first])
        + encode_address(sender)
        + bytes([0x00, dcs])
        + encode_timestamp(sent)
        + bytes([udl])
        + user_data
    )
    return _finish(smsc, tpdu)
