"""Incoming SMS: SMS-DELIVER PDUs stored with ``+CMTI`` or shown directly with ``+CMT``.

An :class:`IncomingSms` says what the network delivers: GSM-7 (with the extension table), UCS-2
(emoji as surrogate pairs) or 8-bit data; from an international, national or alphanumeric sender;
with the service-centre time stamp the SMSC gave it; and, for a long message, with an 8- or 16-bit
concatenation reference, its parts in any order, some of them never. Each part is stored or shown
on its own, exactly as a network delivers them; with no service the message waits at the SMSC, and
a full memory refuses a part until a delete makes room (:mod:`simulator.network.delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from simulator.network.clock import text_mode_time
from simulator.network.delivery import expect_ack, store
from simulator.network.handset import Handset
from simulator.pdu.encode import (
    CONCAT_8BIT_OCTETS,
    CONCAT_16BIT_OCTETS,
    DCS_8BIT,
    DCS_UCS2,
    deliver,
    split_data,
    split_text,
)
from simulator.pdu.fields import Alphabet, encode_address, is_digits
from simulator.state.storage import Stat, StoredMessage


class Encoding(StrEnum):
    """How the text is carried: ``auto`` is GSM-7 when every character fits, else UCS-2."""

    AUTO = "auto"
    GSM7 = "gsm7"
    UCS2 = "ucs2"
    DATA = "8bit"  # the bytes of ``data``, DCS 0x04


@dataclass(frozen=True)
class IncomingSms:
    """One message the network delivers to the modem.

    ``sent`` is the TP-SCTS (None: the SMSC's clock when it took the message). ``reference`` is the
    concatenation reference (None: the SMSC's next), ``reference_bits`` 8 or 16. ``parts`` lists
    which parts arrive and in what order (None: all, in order), ``part_interval`` the seconds
    between two of them. ``national`` marks a digits-only sender as a national number (TOA 0xA1).
    ``direct`` shows it with ``+CMT`` whatever ``+CNMI`` says.

    :raises ValueError: for a sender no PDU can carry, text GSM-7 cannot carry when asked for,
        data without the 8-bit encoding, or parts that do not exist or repeat.
    """

    sender: str
    text: str = ""
    data: bytes | None = None
    encoding: Encoding = Encoding.AUTO
    sent: datetime | None = None
    reference: int | None = None
    reference_bits: int = 8
    parts: tuple[int, ...] | None = None
    part_interval: float = 0.0
    national: bool = False
    direct: bool = False

    def __post_init__(self) -> None:
        """Check everything a delivery would trip over, so a bad request changes nothing."""
        encode_address(self.sender)
        if self.national and not is_digits(self.sender):
            raise ValueError("only a sender of digits can be a national number")
        if (self.data is not None) != (self.encoding is Encoding.DATA):
            raise ValueError("8-bit data goes with encoding '8bit', and only there")
        if self.reference_bits not in (8, 16):
            raise ValueError("a concatenation reference has 8 or 16 bits")
        if self.reference is not None and not 0 <= self.reference < 1 << self.reference_bits:
            raise ValueError(f"reference {self.reference} does not fit in {self.reference_bits} bits")
        if self.sent is not None and self.sent.utcoffset() is None:
            raise ValueError("the SMSC time stamp needs a UTC offset")
        if self.part_interval < 0:
            raise ValueError("part_interval cannot be negative")
        total = len(self.pieces()[1])
        order = self.parts or ()
        if len(set(order)) != len(order) or not all(1 <= seq <= total for seq in order):
            raise ValueError(f"parts {list(order)}: each of 1-{total} at most once")

    def pieces(self) -> tuple[int, list[str] | list[bytes]]:
        """Return the DCS and the user data of each part (text, or bytes for 8-bit data)."""
        header = CONCAT_16BIT_OCTETS if self.reference_bits == 16 else CONCAT_8BIT_OCTETS
        if self.data is not None:
            return DCS_8BIT, split_data(self.data, header)
        alphabet = {Encoding.GSM7: Alphabet.GSM7, Encoding.UCS2: Alphabet.UCS2}.get(self.encoding)
        return split_text(self.text, alphabet, header)


def deliver_incoming(modem: Handset, sms: IncomingSms, now: float) -> None:
    """Deliver ``sms``: at once, or when the modem registers again if it has no service now."""
    dcs, pieces = sms.pieces()
    deliver_now = partial(_deliver, modem, sms, dcs, pieces, now)
    if not modem.state.registered:  # waits at the SMSC until the modem has service again
        modem.network.hold(deliver_now)
        return
    deliver_now(now)


def _deliver(
    modem: Handset, sms: IncomingSms, dcs: int, pieces: list[str] | list[bytes], taken_at: float, now: float
) -> None:
    total = len(pieces)
    reference = sms.reference
    if reference is None and total > 1:
        reference = modem.network.next_concat_reference(sms.reference_bits)
    sent = sms.sent or modem.network.clock.at(taken_at)  # the SMSC's stamp: when it took the message
    for position, seq in enumerate(sms.parts or range(1, total + 1)):
        piece = pieces[seq - 1]
        concat = (reference or 0, total, seq) if total > 1 else None
        pdu = deliver(
            smsc=modem.profile.smsc,
            sender=sms.sender,
            text=piece if isinstance(piece, str) else "",
            data=piece if isinstance(piece, bytes) else None,
            dcs=dcs,
            sent=sent,
            concat=concat,
            sixteen_bit=sms.reference_bits == 16,
            national=sms.national,
        )
        body = piece if isinstance(piece, str) else piece.hex().upper()
        header = f'"{sms.sender}",,"{text_mode_time(sent)}"'
        message = StoredMessage(Stat.REC_UNREAD, pdu.hex, pdu.tpdu_length, header, body)
        arrive = partial(_arrive_part, modem, message, dcs, sms.direct)
        if sms.part_interval and position:
            modem.schedule_event(now + position * sms.part_interval, arrive)
        else:
            arrive(now)
    modem.counters["incoming"] += 1


def _arrive_part(modem: Handset, message: StoredMessage, dcs: int, direct: bool, now: float) -> None:
    if not modem.state.registered:
        modem.network.hold(partial(_arrive_part, modem, message, dcs, direct))
        return
    if direct or modem.state.cnmi[1] in (2, 3):
        _show_directly(modem, message, dcs, now)
        return
    memory = modem.state.memories[2]
    where = store(modem, memory, message, partial(_arrive_part, modem, message, dcs, direct), now)
    if where is not None and modem.state.cnmi[1] == 1:
        stored_in, index = where
        modem.emit_urc(f'+CMTI: "{stored_in}",{index}', now)


def _show_directly(modem: Handset, message: StoredMessage, dcs: int, now: float) -> None:
    if modem.state.text_mode:
        body = message.text_body.encode("utf-16-be").hex().upper() if dcs == DCS_UCS2 else message.text_body
        modem.emit_urc(f"+CMT: {message.text_header}\r\n{body}", now)
    else:
        modem.emit_urc(f"+CMT: ,{message.tpdu_length}\r\n{message.pdu_hex}", now)
    expect_ack(modem, now)
