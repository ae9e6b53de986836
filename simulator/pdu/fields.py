"""TPDU fields shared by the simulator's decoder and encoders (TS 23.040 §9.1.2, §9.2.3).

Addresses (semi-octet BCD or packed alphanumeric), service-centre time stamps, validity periods,
the data coding scheme and the concatenation information elements of a User Data Header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Final

from simulator.pdu import gsm7

TOA_INTERNATIONAL: Final = 0x91
TOA_NATIONAL: Final = 0xA1
TOA_UNKNOWN: Final = 0x81
TOA_ALPHANUMERIC: Final = 0xD0
IEI_CONCAT_8BIT: Final = 0x00
IEI_CONCAT_16BIT: Final = 0x08
_BCD_EXTRA: Final = "*#abc"  # semi-octets 0xA-0xE (TS 23.040 §9.1.2.3)


class PduFormatError(ValueError):
    """A PDU that does not follow TS 23.040; the modem answers ``+CMS ERROR: 304``."""


class Reader:
    """Reads a PDU front to back and turns running off the end into :class:`PduFormatError`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        """Return the next ``count`` octets."""
        if count < 0 or self.pos + count > len(self.data):
            raise PduFormatError(f"PDU ends early: wanted {count} octets at {self.pos} of {len(self.data)}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def octet(self) -> int:
        """Return the next octet."""
        return self.take(1)[0]


# --- addresses ------------------------------------------------------------------------------------


def is_digits(text: str) -> bool:
    """Return True for a non-empty run of ASCII digits.

    ``str.isdigit`` also accepts ``"²"`` (a latin-1 byte on the wire), which ``int`` refuses.
    """
    return text.isascii() and text.isdigit()


def decode_bcd(data: bytes, digits: int) -> str:
    """Decode ``digits`` semi-octets (low nibble first); a trailing ``F`` is filler."""
    nibbles = [n for octet in data for n in (octet & 0x0F, octet >> 4)][:digits]
    if nibbles and nibbles[-1] == 0xF and len(nibbles) == len(data) * 2:
        nibbles.pop()  # the filler of an odd-length number
    if 0xF in nibbles:
        raise PduFormatError("filler semi-octet inside an address")
    return "".join(str(n) if n <= 9 else _BCD_EXTRA[n - 10] for n in nibbles)


def encode_bcd(digits: str) -> bytes:
    """Encode a string of digits as semi-octets, padding an odd count with ``F``."""
    nibbles = [int(d) for d in digits] + ([0xF] if len(digits) % 2 else [])
    return bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, len(nibbles), 2))


def read_address(reader: Reader) -> str:
    """Read TP-DA/TP-OA/TP-RA: length in semi-octets, type of address, value.

    International numbers come back as ``+digits``, others as digits, alphanumeric ones as text.
    """
    semi_octets = reader.octet()
    toa = reader.octet()
    if not toa & 0x80:
        raise PduFormatError(f"type-of-address {toa:#04x} lacks its high bit")
    value = reader.take((semi_octets + 1) // 2)
    number_type = (toa >> 4) & 0x07
    if number_type == 0b101:
        return gsm7.decode(gsm7.unpack(value, semi_octets * 4 // 7))
    digits = decode_bcd(value, semi_octets)
    return "+" + digits if number_type == 0b001 else digits


def encode_address(address: str, *, national: bool = False) -> bytes:
    """Encode an originating/recipient address: ``+digits``, ``digits`` or an alphanumeric name.

    Plain digits are of unknown type (TOA 0x81) unless ``national`` (TOA 0xA1, how a network hands
    over a sender it numbers nationally).

    :raises ValueError: for an empty address or a name that GSM-7 cannot carry in 11 characters.
    """
    if address.startswith("+") and is_digits(address[1:]):
        return bytes([len(address) - 1, TOA_INTERNATIONAL]) + encode_bcd(address[1:])
    if is_digits(address):
        return bytes([len(address), TOA_NATIONAL if national else TOA_UNKNOWN]) + encode_bcd(address)
    if not address or len(address) > 11:
        raise ValueError(f"address {address!r} is neither a number nor a name of 1-11 characters")
    packed = gsm7.pack(gsm7.encode(address))
    return bytes([len(packed) * 2, TOA_ALPHANUMERIC]) + packed


def read_sca(reader: Reader) -> str | None:
    """Read the service-centre address that precedes a TPDU (``00``: use the stored ``+CSCA``)."""
    length = reader.octet()
    if length == 0:
        return None
    toa = reader.octet()
    value = reader.take(length - 1)
    digits = decode_bcd(value, (length - 1) * 2)
    return "+" + digits if (toa >> 4) & 0x07 == 0b001 else digits


def encode_sca(number: str) -> bytes:
    """Encode a service-centre address field (length in octets); empty gives ``00``."""
    if not number:
        return b"\x00"
    international = number.startswith("+")
    digits = number.lstrip("+")
    body = bytes([TOA_INTERNATIONAL if international else TOA_UNKNOWN]) + encode_bcd(digits)
    return bytes([len(body)]) + body


# --- time stamps and validity ---------------------------------------------------------------------


def _swap(octet: int) -> int:
    return (octet & 0x0F) * 10 + (octet >> 4)


def decode_timestamp(raw: bytes) -> datetime:
    """Decode a 7-octet TP-SCTS-format time stamp (TS 23.040 §9.2.3.11)."""
    if len(raw) != 7:
        raise PduFormatError("a time stamp has 7 octets")
    try:
        year, month, day, hour, minute, second = (_swap(octet) for octet in raw[:6])
        quarters = (raw[6] & 0x07) * 10 + (raw[6] >> 4)
        offset = timedelta(minutes=15 * quarters) * (-1 if raw[6] & 0x08 else 1)
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError as exc:
        raise PduFormatError(f"invalid time stamp {raw.hex()}") from exc


def encode_timestamp(moment: datetime) -> bytes:
    """Encode ``moment`` (tz-aware) as a 7-octet time stamp."""
    offset = moment.utcoffset() or timedelta()
    quarters = int(abs(offset.total_seconds()) // 900)
    fields = [moment.year % 100, moment.month, moment.day, moment.hour, moment.minute, moment.second]
    swapped = [(value % 10) << 4 | value // 10 for value in fields]
    tz = (quarters % 10) << 4 | quarters // 10 | (0x08 if offset < timedelta() else 0)
    return bytes([*swapped, tz])


def relative_validity(value: int) -> timedelta:
    """Decode a relative TP-VP octet (TS 23.040 §9.2.3.12.1)."""
    if value <= 143:
        return timedelta(minutes=(value + 1) * 5)
    if value <= 167:
        return timedelta(hours=12, minutes=(value - 143) * 30)
    if value <= 196:
        return timedelta(days=value - 166)
    return timedelta(weeks=value - 192)


def enhanced_validity(raw: bytes) -> timedelta | None:
    """Decode an enhanced TP-VP (TS 23.040 §9.2.3.12.3); None means "no validity specified"."""
    indicator = raw[0]
    fmt = indicator & 0x07
    body = raw[2:] if indicator & 0x80 else raw[1:]  # an extension octet shifts the value
    if fmt == 0:
        return None
    if fmt == 1:
        return relative_validity(body[0])
    if fmt == 2:
        return timedelta(seconds=body[0])
    if fmt == 3:
        hours, minutes, seconds = (_swap(octet) for octet in body[:3])
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    raise PduFormatError(f"enhanced validity format {fmt} is reserved")


# --- data coding scheme and user data header -------------------------------------------------------


class Alphabet(Enum):
    """The character set a DCS selects (TS 23.038 §4)."""

    GSM7 = "gsm7"
    EIGHT_BIT = "8bit"
    UCS2 = "ucs2"


def alphabet_of(dcs: int) -> Alphabet:
    """Return the alphabet of a TP-DCS octet; reserved values count as GSM-7 as §4 says."""
    group = dcs >> 4
    if group <= 0x7:  # general data coding / automatic deletion: bits 3-2
        bits = (dcs >> 2) & 0x03
        return {0: Alphabet.GSM7, 1: Alphabet.EIGHT_BIT, 2: Alphabet.UCS2}.get(bits, Alphabet.GSM7)
    if group == 0xE:
        return Alphabet.UCS2
    if group == 0xF:
        return Alphabet.EIGHT_BIT if dcs & 0x04 else Alphabet.GSM7
    return Alphabet.GSM7


@dataclass(frozen=True)
class Concat:
    """A concatenation information element: reference, total parts, this part's number."""

    ref: int
    total: int
    seq: int


def parse_udh(udh: bytes) -> Concat | None:
    """Walk the information elements of a UDH (without its UDHL) and return the concatenation one.

    :raises PduFormatError: when an element runs past the header or a concatenation element is
        inconsistent (wrong length, part 0, part beyond the total).
    """
    reader = Reader(udh)
    concat: Concat | None = None
    while reader.pos < len(udh):
        iei = reader.octet()
        data = reader.take(reader.octet())
        if iei == IEI_CONCAT_8BIT:
            if len(data) != 3:
                raise PduFormatError("8-bit concatenation element must have 3 octets")
            concat = Concat(data[0], data[1], data[2])
        elif iei == IEI_CONCAT_16BIT:
            if len(data) != 4:
                raise PduFormatError("16-bit concatenation element must have 4 octets")
            concat = Concat(data[0] << 8 | data[1], data[2], data[3])
    if concat is not None and not 1 <= concat.seq <= concat.total:
        raise PduFormatError(f"concatenation part {concat.seq} of {concat.total}")
    return concat


def concat_udh(ref: int, total: int, seq: int, *, sixteen_bit: bool | None = None) -> bytes:
    """Build a UDH (with UDHL) holding one concatenation element (IEI 00, or 08 for 16-bit references).

    ``sixteen_bit=None`` picks the 16-bit element only when ``ref`` needs it.
    """
    if sixteen_bit or (sixteen_bit is None and ref > 0xFF):
        return bytes([6, IEI_CONCAT_16BIT, 4, ref >> 8 & 0xFF, ref & 0xFF, total, seq])
    return bytes([5, IEI_CONCAT_8BIT, 3, ref, total, seq])
