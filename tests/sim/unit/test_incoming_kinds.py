"""Incoming SMS of every kind a network delivers, read back with the test's own SMS-DELIVER decoder.

Issue 11 needs them all: GSM-7 with the extension table, UCS-2 with emoji, 8-bit data; senders that
are international, national or alphanumeric; a chosen SMSC time stamp; long messages with 8- and
16-bit concatenation references, parts out of order, parts that never come, parts spread in time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from simulator.network.incoming import Encoding, IncomingSms

from .oracle import Deliver, decode_deliver
from .talk import Terminal

SENDER = "+255711000001"
LONG = "Malipo yako ya mkopo yamepokelewa, asante kwa kuweka akiba. " * 6  # 366 GSM-7 characters


def _receive(sms: IncomingSms, *, advance: float = 0.0) -> tuple[list[str], list[Deliver]]:
    """Inject into a fresh modem with +CMTI on; return the URCs and every stored message, in index order."""
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    term.modem.inject(sms, now=0.0)
    output = term.advance(advance)
    urcs = re.findall(r'\+CMTI: "SM",\d+', output)
    lines = term.lines("AT+CMGL=4")
    return urcs, [decode_deliver(line) for line in lines if re.fullmatch(r"[0-9A-F]{20,}", line)]


def test_gsm7_with_the_extension_table() -> None:
    text = "Deni: €10 {kodi} [ada] ~ ^ | \\ sawa"
    _, [message] = _receive(IncomingSms(SENDER, text))
    assert (message.dcs, message.text) == (0x00, text)


def test_ucs2_with_emoji_as_surrogate_pairs() -> None:
    text = "Asante 😀👍🏾 Ж"
    _, [message] = _receive(IncomingSms(SENDER, text))
    assert (message.dcs, message.text) == (0x08, text)


def test_ucs2_can_be_asked_for_even_when_gsm7_would_do() -> None:
    _, [message] = _receive(IncomingSms(SENDER, "plain", encoding=Encoding.UCS2))
    assert (message.dcs, message.text) == (0x08, "plain")


def test_eight_bit_data() -> None:
    data = bytes(range(0, 256, 7))
    _, [message] = _receive(IncomingSms(SENDER, data=data, encoding=Encoding.DATA))
    assert (message.dcs, message.text) == (0x04, data.hex())


def test_long_eight_bit_data_is_cut_into_134_octet_parts() -> None:
    data = bytes(300)
    _, parts = _receive(IncomingSms(SENDER, data=data, encoding=Encoding.DATA, reference=9))
    assert [len(bytes.fromhex(p.text)) for p in parts] == [134, 134, 32]
    assert [p.concat for p in parts] == [(9, 3, 1), (9, 3, 2), (9, 3, 3)]


@pytest.mark.parametrize(
    ("sender", "national", "toa"),
    [
        ("+255711000001", False, 0x91),
        ("0711000001", True, 0xA1),
        ("0711000001", False, 0x81),
        ("M-PESA", False, 0xD0),
    ],
)
def test_senders_of_every_type(sender: str, national: bool, toa: int) -> None:
    _, [message] = _receive(IncomingSms(sender, "hi", national=national))
    assert (message.sender, message.toa) == (sender, toa)


def test_a_chosen_smsc_time_stamp() -> None:
    sent = datetime(2025, 12, 31, 23, 59, 58, tzinfo=timezone(timedelta(hours=3)))
    _, [message] = _receive(IncomingSms(SENDER, "late", sent=sent))
    assert message.scts == "25123123595812"  # 23.040 §9.2.3.11: +03:00 is 12 quarters


def test_an_8_bit_reference_and_all_parts_in_order() -> None:
    urcs, parts = _receive(IncomingSms(SENDER, LONG, reference=200))
    assert urcs == ['+CMTI: "SM",1', '+CMTI: "SM",2', '+CMTI: "SM",3']
    assert [(p.concat, p.reference_bits) for p in parts] == [((200, 3, n), 8) for n in (1, 2, 3)]
    assert "".join(p.text for p in parts) == LONG


def test_a_16_bit_reference_leaves_152_septets_a_part() -> None:
    _, parts = _receive(IncomingSms(SENDER, LONG, reference=0x1234, reference_bits=16))
    assert [(p.concat, p.reference_bits) for p in parts] == [((0x1234, 3, n), 16) for n in (1, 2, 3)]
    assert [len(p.text) for p in parts[:2]] == [152, 152]
    assert "".join(p.text for p in parts) == LONG
    _, parts = _receive(IncomingSms(SENDER, LONG, reference=5, reference_bits=16))
    assert {(p.concat[0] if p.concat else None, p.reference_bits) for p in parts} == {(5, 16)}


def test_parts_out_of_order_are_stored_as_they_come() -> None:
    _, parts = _receive(IncomingSms(SENDER, LONG, parts=(3, 1, 2)))
    assert [p.concat[2] if p.concat else None for p in parts] == [3, 1, 2]
    assert "".join(p.text for p in sorted(parts, key=lambda p: p.concat or ())) == LONG


def test_a_missing_part_never_comes_but_the_others_say_there_are_three() -> None:
    _, parts = _receive(IncomingSms(SENDER, LONG, parts=(1, 3)))
    assert [p.concat[1:] if p.concat else None for p in parts] == [(3, 1), (3, 3)]


def test_parts_spread_in_time() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    term.modem.inject(IncomingSms(SENDER, LONG, part_interval=30.0), now=0.0)
    assert term.advance(0.0) == '\r\n+CMTI: "SM",1\r\n'
    assert term.advance(29.0) == ""
    assert term.advance(1.0) == '\r\n+CMTI: "SM",2\r\n'
    assert term.advance(30.0) == '\r\n+CMTI: "SM",3\r\n'


def test_the_smsc_numbers_long_messages_itself_when_no_reference_is_given() -> None:
    term = Terminal()
    for _ in range(2):
        term.modem.inject(IncomingSms(SENDER, LONG), now=0.0)
    references = {decode_deliver(line).concat[0] for line in term.lines("AT+CMGL=4") if len(line) > 40}  # type: ignore[index]
    assert references == {1, 2}


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"sender": ""}, "neither a number"),
        ({"sender": SENDER, "text": "Ж", "encoding": Encoding.GSM7}, "GSM 7-bit"),
        ({"sender": SENDER, "data": b"\x00"}, "8-bit data goes with"),
        ({"sender": SENDER, "text": LONG, "parts": (1, 4)}, "each of 1-3"),
        ({"sender": SENDER, "text": LONG, "parts": (2, 2)}, "each of 1-3"),
        ({"sender": SENDER, "reference": 256}, "does not fit in 8 bits"),
        ({"sender": "M-PESA", "national": True}, "only a sender of digits"),
        ({"sender": SENDER, "sent": datetime(2026, 1, 1)}, "UTC offset"),
    ],
)
def test_what_no_network_could_deliver_is_refused_before_anything_changes(
    kwargs: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        IncomingSms(**kwargs)  # type: ignore[arg-type]
