"""Decoding a received SMS-DELIVER (TS 23.040 §9.2.2.1): the PDU adapter's guard for inbound SMS.

``gsmmodem.pdu.decodeSmsPdu`` gets received messages wrong in ways that lose or change what the
sender wrote (each one reproduced on PDUs built by the simulator's independent encoder; the tests
in ``tests/modem/test_deliver.py`` keep the list honest):

* a GSM-7 text after a 16-bit concatenation header loses its first character (the fill bits are
  computed for the 6-octet header only);
* a septet 0 (``'@'``) that ends a text on an octet boundary is dropped, in texts and in
  alphanumeric sender names (it ignores TP-UDL and guesses from the bits left over);
* its GSM-7 table has ``'`'`` for ``'§'`` and its extension table never yields form feed; a lone
  ESC at the end raises ``StopIteration`` (which would journal a real SMS as undecodable);
* UCS-2 comes back as unpaired surrogates (an emoji is two broken characters);
* every TP-DCS outside the general group 00xx is read as GSM-7: 8-bit data with a message class
  (0xF4-0xF7), UCS-2 marked for automatic deletion (0x48) or with a message-waiting indication
  (0xE0) turn into garbage;
* 8-bit data is returned as text, read to the end of the PDU instead of TP-UDL.

So this module walks the TPDU itself and decodes the user data with the gateway's own TS 23.038
tables (:mod:`gsmgateway.modem.sms`); from ``gsmmodem.pdu`` it takes only the time-stamp decoder,
which is right (negative zones included). Every failure is a :class:`PduError`.

The user data of one part is kept as a *payload* that parts can be joined by before decoding:
GSM-7 as one septet value per byte (so an escape pair split across two parts still decodes),
UCS-2 as its UTF-16BE bytes (so a surrogate pair split across parts still decodes), 8-bit data as
its bytes. :func:`payload_text` turns a (joined) payload into text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from gsmmodem import pdu as gsmpdu

from gsmgateway.core.errors import PduError
from gsmgateway.core.inbound import PayloadEncoding, SenderType
from gsmgateway.modem.sms import GSM7_BASIC, GSM7_ESCAPE, GSM7_EXTENSION

_MTI_DELIVER: Final = 0x00
_UDHI: Final = 0x40
_IEI_CONCAT_8: Final = 0x00
_IEI_CONCAT_16: Final = 0x08
_EXTENSION_CHARS: Final = {code: char for char, code in GSM7_EXTENSION.items()}
_MAX_ADDRESS_DIGITS: Final = 20  # TP-OA is at most 12 octets: type of address and 10 of value
_BCD_EXTRA: Final = "*#abc"  # semi-octets 0xA-0xE (TS 23.040 §9.1.2.3); 0xF is filler
_TON: Final = {0b001: SenderType.INTERNATIONAL, 0b010: SenderType.NATIONAL, 0b101: SenderType.ALPHANUMERIC}


@dataclass(frozen=True, slots=True)
class Concatenation:
    """A concatenation information element: which part of which long message this is."""

    reference: int
    bits: int  # 8 or 16: the width of the reference (IEI 0x00 or 0x08)
    total: int
    seq: int


@dataclass(frozen=True, slots=True)
class ReceivedPart:
    """One received SMS-DELIVER, decoded.

    ``payload`` is the user data without its header, in the form described in the module
    docstring; ``concat`` is None for a message of one part (or an element that makes no sense:
    TS 23.040 §9.2.3.24.1 says to ignore a concatenation element with 0 parts or a bad number).
    """

    sender: str
    sender_type: SenderType
    scts: datetime
    pid: int
    dcs: int
    encoding: PayloadEncoding
    payload: bytes
    concat: Concatenation | None


class _Reader:
    """Reads octets front to back; running off the end is a :class:`PduError`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise PduError(f"SMS-DELIVER ends early: {count} octets wanted at {self.pos} of {len(self.data)}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def octet(self) -> int:
        return self.take(1)[0]


def decode_received(pdu_hex: str) -> ReceivedPart:
    """Decode a received SMS-DELIVER PDU (with its SMSC field, as the collection seam keeps it).

    :raises PduError: not hex, truncated, not an SMS-DELIVER, or an invalid time stamp.
    """
    try:
        reader = _Reader(bytes.fromhex(pdu_hex))
    except ValueError as exc:
        raise PduError(f"not a hex PDU: {pdu_hex[:80]!r}") from exc
    reader.take(reader.octet())  # the service centre's address: not needed
    first = reader.octet()
    if first & 0x03 != _MTI_DELIVER:
        raise PduError(f"expected SMS-DELIVER, got message type {first & 0x03}")
    sender, sender_type = _sender(reader)
    pid, dcs = reader.octet(), reader.octet()
    scts = _timestamp(reader.take(7))
    udl = reader.octet()
    encoding = encoding_of(dcs)
    user_data = reader.data[reader.pos :]
    header = b""
    if first & _UDHI:
        if not user_data:
            raise PduError("TP-UDHI is set but there is no user data")
        header = user_data[1 : 1 + user_data[0]]
        if len(header) != user_data[0]:
            raise PduError("the user data header runs past the PDU")
    if encoding is PayloadEncoding.GSM7:
        payload = _septets(user_data, udl, header_octets=len(header) + 1 if header else 0)
    else:
        if udl > len(user_data):
            raise PduError(f"TP-UDL says {udl} octets, the PDU has {len(user_data)}")
        payload = user_data[len(header) + 1 if header else 0 : udl]
    return ReceivedPart(
        sender=sender, sender_type=sender_type, scts=scts, pid=pid, dcs=dcs, encoding=encoding,
        payload=payload, concat=_concatenation(header),
    )  # fmt: skip


def encoding_of(dcs: int) -> PayloadEncoding:
    """Return the alphabet TP-DCS names (TS 23.038 §4); reserved codings are GSM-7, as it says."""
    group = dcs >> 4
    if group <= 0b0111:  # general data coding (00xx) and automatic deletion (01xx)
        if dcs & 0x20:
            return PayloadEncoding.DATA  # compressed: no decompressor, kept as bytes
        alphabet = (dcs >> 2) & 0x03  # 11 is reserved: GSM-7
        return {0b01: PayloadEncoding.DATA, 0b10: PayloadEncoding.UCS2}.get(alphabet, PayloadEncoding.GSM7)
    if group == 0b1110:  # message waiting indication, store, UCS-2
        return PayloadEncoding.UCS2
    if group == 0b1111:  # data coding / message class: bit 2 is 8-bit data
        return PayloadEncoding.DATA if dcs & 0x04 else PayloadEncoding.GSM7
    return PayloadEncoding.GSM7  # 1000-1011 reserved, 1100/1101 message waiting with GSM-7


def payload_text(encoding: PayloadEncoding, payload: bytes) -> str | None:
    """Return the text of a (possibly joined) payload; None for 8-bit data.

    GSM-7: an escape to a code the extension table lacks shows the default-alphabet character
    (TS 23.038 §6.2.1.1); a lone escape at the end shows a space. UCS-2: an unpaired surrogate or
    a dangling odd octet becomes U+FFFD (text must be storable as UTF-8).
    """
    if encoding is PayloadEncoding.DATA:
        return None
    if encoding is PayloadEncoding.UCS2:
        return payload.decode("utf-16-be", "replace")
    out: list[str] = []
    escaped = False
    for septet in payload:
        if escaped:
            out.append(_EXTENSION_CHARS.get(septet, " " if septet == GSM7_ESCAPE else GSM7_BASIC[septet]))
            escaped = False
        elif septet == GSM7_ESCAPE:
            escaped = True
        else:
            out.append(GSM7_BASIC[septet])
    if escaped:
        out.append(" ")
    return "".join(out)


def _sender(reader: _Reader) -> tuple[str, SenderType]:
    """Read TP-OA: ``+digits`` (international), digits, or an alphanumeric name."""
    semi_octets = reader.octet()
    if semi_octets > _MAX_ADDRESS_DIGITS:
        raise PduError(f"a sender of {semi_octets} semi-octets (TS 23.040 allows {_MAX_ADDRESS_DIGITS})")
    toa = reader.octet()
    raw = reader.take((semi_octets + 1) // 2)
    sender_type = _TON.get((toa >> 4) & 0x07, SenderType.UNKNOWN)
    if sender_type is SenderType.ALPHANUMERIC:
        septets = _unpack(raw, semi_octets * 4 // 7)
        return (payload_text(PayloadEncoding.GSM7, septets) or "").rstrip("\r"), sender_type
    nibbles = [n for octet in raw for n in (octet & 0x0F, octet >> 4)][:semi_octets]
    if 0x0F in nibbles:  # filler before the end: the number stops there (seen on some networks)
        nibbles = nibbles[: nibbles.index(0x0F)]
    digits = "".join(str(n) if n <= 9 else _BCD_EXTRA[n - 10] for n in nibbles)
    return ("+" + digits if sender_type is SenderType.INTERNATIONAL else digits), sender_type


def _timestamp(raw: bytes) -> datetime:
    try:
        moment: datetime = gsmpdu._decodeTimestamp(iter(raw))
    except (ValueError, TypeError, StopIteration) as exc:
        raise PduError(f"invalid service-centre time stamp {raw.hex()}") from exc
    return moment


def _unpack(data: bytes, count: int, *, skip: int = 0) -> bytes:
    """Return ``count`` septets packed LSB first in ``data``, after ``skip`` (TS 23.038 §6.1.2.1.1)."""
    bits = int.from_bytes(data, "little")
    return bytes((bits >> (7 * index)) & 0x7F for index in range(skip, skip + count))


def _septets(user_data: bytes, udl: int, *, header_octets: int) -> bytes:
    """Return the text septets of GSM-7 user data; TP-UDL counts septets, the header's included.

    The header (with its length octet) fills ``ceil(octets * 8 / 7)`` septets, fill bits included
    (TS 23.040 §9.2.3.24); the text starts on the next septet boundary.
    """
    if (udl * 7 + 7) // 8 > len(user_data):
        raise PduError(f"TP-UDL says {udl} septets, the PDU has {len(user_data)} octets")
    skip = (header_octets * 8 + 6) // 7
    if skip > udl:
        raise PduError("the user data header is longer than TP-UDL")
    return _unpack(user_data, udl - skip, skip=skip)


def _concatenation(header: bytes) -> Concatenation | None:
    """Return the concatenation element of a user data header, if it has a usable one."""
    found: Concatenation | None = None
    position = 0
    while position + 2 <= len(header):
        iei, length = header[position], header[position + 1]
        value = header[position + 2 : position + 2 + length]
        if len(value) != length:
            raise PduError("an information element runs past the user data header")
        if iei == _IEI_CONCAT_8 and length == 3:
            found = Concatenation(value[0], 8, value[1], value[2])
        elif iei == _IEI_CONCAT_16 and length == 4:
            found = Concatenation(value[0] << 8 | value[1], 16, value[2], value[3])
        position += 2 + length
    if found is None or found.total == 0 or not 1 <= found.seq <= found.total:
        return None
    return found
