"""The simulator's own SMS-SUBMIT decoder (TS 23.040 §9.2.2.2) and the record of each submit.

Deliberately independent of the gateway's encoder: if both shared code, a bug in it would be
invisible to every test. The decoder is strict where a real modem or SMSC would reject the PDU
(length differing from ``AT+CMGS=<length>``, a truncated field, user data longer than 140 octets,
trailing octets, an inconsistent concatenation element) so that an encoder bug shows up as
``+CMS ERROR: 304`` in a test instead of as a garbled SMS on a customer's phone.
"""

from __future__ import annotations

import binascii
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from simulator.pdu import gsm7
from simulator.pdu.fields import (
    Alphabet,
    PduFormatError,
    Reader,
    alphabet_of,
    decode_timestamp,
    enhanced_validity,
    parse_udh,
    read_address,
    read_sca,
    relative_validity,
)

MTI_SUBMIT = 0b01
MAX_USER_DATA_OCTETS = 140
MAX_SEPTETS = 160


@dataclass(frozen=True)
class Submit:
    """One accepted SMS-SUBMIT as the network saw it.

    ``mr`` is the TP-MR the modem answered with (``+CMGS: <mr>``), not the one in the PDU
    (``pdu_mr``). ``text`` is the whole message once every part is in (empty until then);
    ``part_text`` is this part alone. ``scts`` is when the service centre took it: the TP-SCTS
    every status report on this submit carries.
    """

    recipient: str
    part_text: str
    mr: int
    concat: tuple[int, int, int] | None
    dcs: int
    status_report_requested: bool
    validity: timedelta | datetime | None
    tpdu_length: int
    raw_pdu: str
    text: str = ""
    pdu_mr: int = 0
    smsc: str | None = None
    alphabet: Alphabet = Alphabet.GSM7
    #: Septets (GSM-7) or octets (UCS-2, 8-bit) of this part's text, for reassembly across parts.
    payload: tuple[int, ...] = field(default=(), repr=False)
    scts: datetime | None = None


class CompleteMessage(NamedTuple):
    """A message whose parts have all been submitted, put back together.

    A named tuple so that ``for recipient, text in modem.complete_messages()`` reads naturally.
    """

    recipient: str
    text: str


def decode_submit(pdu_hex: str, announced_length: int, *, mr: int = 0) -> Submit:
    """Decode an SMS-SUBMIT typed after ``AT+CMGS=<announced_length>``.

    :raises PduFormatError: for anything a modem would answer with ``+CMS ERROR: 304``.
    """
    text = "".join(pdu_hex.split())
    try:
        data = binascii.unhexlify(text)
    except (binascii.Error, ValueError) as exc:
        raise PduFormatError("PDU is not an even number of hex digits") from exc
    reader = Reader(data)
    smsc = read_sca(reader)
    tpdu_length = len(data) - reader.pos
    if tpdu_length != announced_length:
        raise PduFormatError(f"TPDU has {tpdu_length} octets, AT+CMGS announced {announced_length}")
    first = reader.octet()
    if first & 0x03 != MTI_SUBMIT:
        raise PduFormatError(f"message type {first & 0x03} is not SMS-SUBMIT")
    pdu_mr = reader.octet()
    recipient = read_address(reader)
    reader.octet()  # TP-PID: passed through untouched
    dcs = reader.octet()
    validity = _read_validity(reader, (first >> 3) & 0x03)
    alphabet, payload, concat = _read_user_data(reader, dcs, udhi=bool(first & 0x40))
    if reader.pos != len(data):
        raise PduFormatError(f"{len(data) - reader.pos} octets after the user data")
    return Submit(
        recipient=recipient,
        part_text=_payload_text(alphabet, payload),
        mr=mr,
        concat=concat,
        dcs=dcs,
        status_report_requested=bool(first & 0x20),
        validity=validity,
        tpdu_length=tpdu_length,
        raw_pdu=text.upper(),
        pdu_mr=pdu_mr,
        smsc=smsc,
        alphabet=alphabet,
        payload=tuple(payload),
    )


def _read_validity(reader: Reader, vpf: int) -> timedelta | datetime | None:
    if vpf == 0b00:
        return None
    if vpf == 0b10:
        return relative_validity(reader.octet())
    raw = reader.take(7)
    return decode_timestamp(raw) if vpf == 0b11 else enhanced_validity(raw)


def _read_user_data(
    reader: Reader, dcs: int, *, udhi: bool
) -> tuple[Alphabet, list[int], tuple[int, int, int] | None]:
    alphabet = alphabet_of(dcs)
    udl = reader.octet()
    if alphabet is Alphabet.GSM7:
        if udl > MAX_SEPTETS:
            raise PduFormatError(f"UDL {udl} septets exceeds {MAX_SEPTETS}")
        user_data = reader.take((udl * 7 + 7) // 8)
    else:
        if udl > MAX_USER_DATA_OCTETS:
            raise PduFormatError(f"UDL {udl} octets exceeds {MAX_USER_DATA_OCTETS}")
        user_data = reader.take(udl)
    udh_octets = 0
    concat = None
    if udhi:
        if not user_data or user_data[0] + 1 > len(user_data):
            raise PduFormatError("user data header longer than the user data")
        udh_octets = user_data[0] + 1
        found = parse_udh(user_data[1:udh_octets])
        concat = (found.ref, found.total, found.seq) if found is not None else None
    if alphabet is Alphabet.GSM7:
        if udh_octets and gsm7.header_septets(udh_octets) > udl:
            raise PduFormatError("UDL smaller than the user data header")
        return alphabet, gsm7.unpack(user_data, udl, udh_octets), concat
    payload = list(user_data[udh_octets:])
    if alphabet is Alphabet.UCS2 and len(payload) % 2:
        raise PduFormatError("UCS-2 text with an odd number of octets")
    return alphabet, payload, concat


def _payload_text(alphabet: Alphabet, payload: list[int] | tuple[int, ...]) -> str:
    if alphabet is Alphabet.GSM7:
        return gsm7.decode(list(payload))
    if alphabet is Alphabet.UCS2:
        return bytes(payload).decode("utf-16-be", errors="replace")
    return bytes(payload).decode("latin-1")


def _groups(submits: list[Submit]) -> list[list[int]]:
    """Return the indices of each message in submission order, one list per message.

    Parts are grouped by (recipient, reference, total) while the group is open; once complete,
    the same reference starts a new message (8-bit references wrap after 256 messages). A part
    number seen twice in an open group replaces the earlier part (a resend after an error).
    """
    finished: list[tuple[int, list[int]]] = []
    open_groups: dict[tuple[str, int, int], dict[int, int]] = {}
    for index, submit in enumerate(submits):
        if submit.concat is None:
            finished.append((index, [index]))
            continue
        ref, total, seq = submit.concat
        key = (submit.recipient, ref, total)
        parts = open_groups.setdefault(key, {})
        parts[seq] = index
        if len(parts) == total:
            del open_groups[key]
            finished.append((index, [parts[n] for n in range(1, total + 1)]))
    return [indices for _, indices in sorted(finished)]


def _join(parts: list[Submit]) -> str:
    payload = tuple(unit for part in parts for unit in part.payload)
    return _payload_text(parts[0].alphabet, payload)


class SubmitLog:
    """Every accepted submit in order; a concatenated message gets its ``text`` when it completes.

    Open messages are tracked by (recipient, reference, total) so recording stays O(parts) even
    after tens of thousands of submits (benchmarks). If a test clears ``submits``, open messages
    that pointed into the old list are forgotten rather than filled in wrongly.
    """

    def __init__(self) -> None:
        self.submits: list[Submit] = []
        self._open: dict[tuple[str, int, int], dict[int, tuple[int, Submit]]] = {}

    def record(self, submit: Submit) -> None:
        """Append ``submit``; when it completes a message, fill in the ``text`` of all its parts."""
        if submit.concat is None:
            self.submits.append(dataclasses.replace(submit, text=submit.part_text))
            return
        ref, total, seq = submit.concat
        key = (submit.recipient, ref, total)
        self.submits.append(submit)
        parts = self._open.setdefault(key, {})
        parts[seq] = (len(self.submits) - 1, submit)  # a resent part replaces the earlier one
        if len(parts) < total:
            return
        del self._open[key]
        slots = [parts[n] for n in range(1, total + 1)]
        if not all(i < len(self.submits) and self.submits[i] is part for i, part in slots):
            return
        whole = _join([part for _, part in slots])
        for i, part in slots:
            self.submits[i] = dataclasses.replace(part, text=whole)


def reassemble(submits: list[Submit]) -> list[CompleteMessage]:
    """Return every complete message (single submits and fully received concatenations) in order."""
    messages: list[CompleteMessage] = []
    for indices in _groups(submits):
        parts = [submits[i] for i in indices]
        messages.append(CompleteMessage(parts[0].recipient, _join(parts)))
    return messages
