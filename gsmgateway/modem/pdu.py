"""PDU adapter: SMS-SUBMIT parts out, SMS-STATUS-REPORT and SMS-DELIVER in, over ``gsmmodem.pdu``.

``gsmmodem.pdu`` is right about the fiddly parts (septet packing, address and validity encoding,
status-report decoding) and wrong in a few known ways (reference §3), so this module uses its
primitives and never its text-level entry points:

* A destination must already be ``+digits`` (:func:`pdu_address`); ``encodeSmsSubmitPdu`` would
  silently turn ``"+44 7700 900123"`` into an alphanumeric address.
* Characters are mapped to septets with our own TS 23.038 table (:mod:`gsmgateway.modem.sms`):
  gsmmodem's table has ``'`'`` for ``'§'`` and crashes on ``'ÿ'``.
* UCS-2 is ours: UTF-16BE, counted in code units, surrogate pairs never split (gsmmodem crashes on
  emoji and would split pairs).
* Parts come from :func:`gsmgateway.modem.sms.segment`, the same rule the API uses to count them.
  The concatenation reference is ours (8-bit, random per message unless given), TP-MR is 0 (the
  modem assigns the real one and answers it in ``+CMGS``), TP-VP is always explicit and a status
  report is requested on every part.
* Every decoding failure (``StopIteration``, ``ValueError``, ``EncodingError`` …) becomes
  :class:`~gsmgateway.core.errors.PduError`.
* A received SMS-DELIVER is decoded by :mod:`gsmgateway.modem.deliver`, which lists what
  ``decodeSmsPdu`` gets wrong about one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from gsmmodem import pdu as gsmpdu

from gsmgateway.core.errors import InvalidNumberError, PduError
from gsmgateway.core.models import ReportOutcome
from gsmgateway.core.numbers import is_international_address
from gsmgateway.modem.deliver import decode_received, payload_text
from gsmgateway.modem.results import classify_tp_st
from gsmgateway.modem.sms import (
    GSM7_CODES,
    GSM7_ESCAPE,
    GSM7_EXTENSION,
    MAX_PARTS,
    Encoding,
    segment,
)

DEFAULT_VALIDITY: Final = timedelta(days=1)
MIN_VALIDITY: Final = timedelta(minutes=5)
MAX_VALIDITY: Final = timedelta(weeks=63)
# First octet of SMS-SUBMIT: MTI=01, TP-VPF=10 (relative), TP-SRR=1; TP-UDHI=1 when concatenated.
_FO_SUBMIT: Final = 0x01 | 0x10 | 0x20
_FO_UDHI: Final = 0x40
_DCS: Final = {Encoding.GSM7: 0x00, Encoding.UCS2: 0x08}


@dataclass(frozen=True, slots=True)
class SubmitPart:
    """One SMS-SUBMIT ready for ``AT+CMGS``: what the worker persists, then sends.

    ``pdu_hex`` includes the empty SMSC field (``00``: the modem's ``+CSCA`` is used);
    ``tpdu_length`` is the ``AT+CMGS=<length>`` argument (octets without the SMSC field).
    """

    number: str
    text: str
    seq: int
    total: int
    concat_ref: int | None
    encoding: Encoding
    pdu_hex: str
    tpdu_length: int


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A decoded SMS-STATUS-REPORT for one part, from ``+CDS``, ``+CDSI`` or an SR sweep.

    ``recipient`` is ``+digits`` for international numbers (the usual case: we only send to those);
    a national TP-RA stays as its digits. Match on (modem, mr, recipient), never on MR alone.
    """

    modem_id: str
    mr: int
    recipient: str
    tp_st: int
    outcome: ReportOutcome
    scts: datetime | None
    discharge: datetime | None


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """A received SMS-DELIVER. ``concat`` is ``(ref, total, seq)`` for one part of a long message."""

    sender: str
    text: str
    scts: datetime | None
    concat: tuple[int, int, int] | None


def pdu_address(number: str) -> str:
    """Return ``number`` (surrounding whitespace ignored) as the destination address of a PDU.

    No normalising here: numbers were normalised when they entered the gateway
    (:func:`gsmgateway.core.numbers.normalise_number`); this only refuses what is not already an
    international address, rather than guess a country.

    :raises InvalidNumberError: anything else: inner spaces, letters, no ``+``, too short or long.
    """
    candidate = number.strip()
    if not is_international_address(candidate):
        raise InvalidNumberError(f"not an international number (+ and 6-15 digits): {number!r}")
    return candidate


def encode_sms(
    number: str,
    text: str,
    *,
    concat_ref: int | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> list[SubmitPart]:
    """Encode ``text`` to ``number`` as the SMS-SUBMIT parts to send, in order.

    :param concat_ref: the 8-bit concatenation reference; random when None. Only used when the
        text needs more than one part.
    :param validity: relative TP-VP, between 5 minutes and 63 weeks.
    :raises InvalidNumberError: ``number`` is not ``+digits``.
    :raises PduError: the text cannot be sent (lone surrogate, more than 255 parts) or a
        parameter is out of range. Nothing is half-built: all parts or an error.
    """
    destination = pdu_address(number)
    if not MIN_VALIDITY <= validity <= MAX_VALIDITY:
        raise PduError(f"validity {validity} outside {MIN_VALIDITY}..{MAX_VALIDITY}")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise PduError("text contains a lone surrogate, which no SMS alphabet can carry")
    segmentation = segment(text)
    total = segmentation.part_count
    if total > MAX_PARTS:
        raise PduError(f"text needs {total} parts; at most {MAX_PARTS} can be concatenated")
    ref: int | None = None
    if total > 1:
        ref = secrets.randbelow(256) if concat_ref is None else concat_ref
        if not 0 <= ref <= 255:
            raise PduError(f"concatenation reference {ref} is not 0-255")
    header = _header(destination, segmentation.encoding, validity, concatenated=total > 1)
    parts = []
    for seq, part_text in enumerate(segmentation.parts, start=1):
        udh = bytes([0x00, 0x03, ref, total, seq]) if ref is not None else b""
        tpdu = header + _user_data(part_text, segmentation.encoding, udh)
        parts.append(
            SubmitPart(
                number=destination,
                text=part_text,
                seq=seq,
                total=total,
                concat_ref=ref,
                encoding=segmentation.encoding,
                pdu_hex="00" + tpdu.hex().upper(),
                tpdu_length=len(tpdu),
            )
        )
    return parts


def _header(number: str, encoding: Encoding, validity: timedelta, *, concatenated: bool) -> bytes:
    """Return the TPDU octets before TP-UDL: FO, MR, DA, PID, DCS, VP."""
    first = _FO_SUBMIT | (_FO_UDHI if concatenated else 0)
    address = bytes(gsmpdu._encodeAddressField(number))
    vp = gsmpdu._encodeRelativeValidityPeriod(validity)
    return bytes([first, 0x00]) + address + bytes([0x00, _DCS[encoding], vp])


def _user_data(text: str, encoding: Encoding, udh: bytes) -> bytes:
    """Return TP-UDL and TP-UD for one part (UDH first when there is one)."""
    header = bytes([len(udh)]) + udh if udh else b""
    if encoding is Encoding.UCS2:
        body = text.encode("utf-16-be")
        return bytes([len(header) + len(body)]) + header + body
    septets = bytearray()
    for ch in text:
        if ch in GSM7_EXTENSION:
            septets += bytes([GSM7_ESCAPE, GSM7_EXTENSION[ch]])
        else:
            septets.append(GSM7_CODES[ch])
    if not header:
        return bytes([len(septets)]) + bytes(gsmpdu.packSeptets(septets))
    # Fill bits make the UDH end on a septet boundary (TS 23.040 §9.2.3.24). gsmmodem's packer
    # takes the bits already used in the current septet (7 - fill), as its encodeSmsSubmitPdu does.
    used_bits = (len(header) * 8) % 7
    header_septets = (len(header) * 8 + 6) // 7
    packed = bytes(gsmpdu.packSeptets(septets, padBits=used_bits))
    return bytes([header_septets + len(septets)]) + header + packed


def with_smsc_field(pdu_hex: str, tpdu_length: int | None) -> str:
    """Return ``pdu_hex`` with an SMSC field in front when the modem sent a bare TPDU.

    ``+CDS``, ``+CMT``, ``+CMGR`` and ``+CMGL`` give the TPDU length; some modems (SIM800 for
    ``+CDS``) omit the SMSC address, which the decoder expects.
    """
    if tpdu_length is not None and len(pdu_hex) == 2 * tpdu_length:
        return "00" + pdu_hex
    return pdu_hex


def _decode(pdu_hex: str) -> dict[str, Any]:
    """Run gsmmodem's decoder with every failure turned into :class:`PduError`."""
    try:
        result: dict[str, Any] = gsmpdu.decodeSmsPdu(pdu_hex)
    except Exception as exc:  # gsmmodem raises StopIteration, ValueError, TypeError, EncodingError
        raise PduError(f"undecodable PDU {pdu_hex[:80]!r}: {exc!r}") from exc
    return result


def decode_status_report(pdu_hex: str, *, modem_id: str = "", tpdu_length: int | None = None) -> StatusReport:
    """Decode an SMS-STATUS-REPORT PDU.

    :raises PduError: not hex, truncated, or another PDU type.
    """
    fields = _decode(with_smsc_field(pdu_hex, tpdu_length))
    if fields.get("type") != "SMS-STATUS-REPORT":
        raise PduError(f"expected SMS-STATUS-REPORT, got {fields.get('type')}")
    status = int(fields["status"])
    return StatusReport(
        modem_id=modem_id,
        mr=int(fields["reference"]),
        recipient=str(fields["number"] or ""),
        tp_st=status,
        outcome=classify_tp_st(status),
        scts=fields.get("time"),
        discharge=fields.get("discharge"),
    )


def decode_deliver(pdu_hex: str, *, tpdu_length: int | None = None) -> IncomingSms:
    """Decode a received SMS-DELIVER PDU (through :mod:`gsmgateway.modem.deliver`'s guard).

    8-bit data has no text: ``text`` is its bytes as hex.

    :raises PduError: not hex, truncated, or another PDU type.
    """
    part = decode_received(with_smsc_field(pdu_hex, tpdu_length))
    concat = (part.concat.reference, part.concat.total, part.concat.seq) if part.concat else None
    text = payload_text(part.encoding, part.payload)
    return IncomingSms(
        sender=part.sender, text=part.payload.hex() if text is None else text, scts=part.scts, concat=concat
    )
