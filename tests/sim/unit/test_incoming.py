"""Incoming SMS injection: +CMTI (stored) and +CMT (direct), single and concatenated, GSM-7 and UCS-2."""

from __future__ import annotations

import re

import pytest

from simulator.faults import FaultPlan
from simulator.profiles import Memory

from .oracle import pack7, septets, text7
from .talk import Terminal

SENDER = "+255711000001"


def _deliver_text(pdu_hex: str) -> tuple[str, tuple[int, int, int] | None, str]:
    """Decode an SMS-DELIVER by hand: sender, concat, text (the oracle side of the test)."""
    data = bytes.fromhex(pdu_hex)
    pos = data[0] + 1
    first = data[pos]
    assert first & 0x03 == 0
    oa_len, toa = data[pos + 1], data[pos + 2]
    oa_octets = (oa_len + 1) // 2
    digits = "".join(f"{b & 0xF:X}{b >> 4:X}" for b in data[pos + 3 : pos + 3 + oa_octets])[:oa_len]
    sender = ("+" if toa == 0x91 else "") + digits
    pos += 3 + oa_octets
    dcs = data[pos + 1]
    udl = data[pos + 9]
    ud = data[pos + 10 :]
    concat = None
    header = 0
    if first & 0x40:
        header = ud[0] + 1
        concat = (ud[3], ud[4], ud[5])
    if dcs == 0x08:
        return sender, concat, ud[header:].decode("utf-16-be")
    bits = int.from_bytes(ud, "little")
    skip = (header * 8 + 6) // 7
    values = [(bits >> (7 * i)) & 0x7F for i in range(skip, udl)]
    return sender, concat, text7(values)


def test_stored_sms_is_announced_with_cmti_and_read_with_cmgr() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    term.modem.inject_sms(SENDER, "Habari yako", now=0.0)
    assert term.advance(0.0) == '\r\n+CMTI: "SM",1\r\n'
    header, pdu, ok = term.lines("AT+CMGR=1")
    assert header == f"+CMGR: 0,,{len(bytes.fromhex(pdu)) - 8}"
    assert _deliver_text(pdu) == (SENDER, None, "Habari yako")
    assert ok == "OK"
    assert term.lines("AT+CMGR=1")[0].startswith("+CMGR: 1,,")  # read now
    assert term.modem.counters["incoming"] == 1


def test_cnmi_mt0_stores_silently() -> None:
    term = Terminal()
    term.modem.inject_sms(SENDER, "quiet", now=0.0)
    assert term.advance(0.0) == ""
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "SM",1,30,"SM",1,30,"SM",1,30'


def test_receive_memory_follows_cpms_mem3() -> None:
    term = Terminal()
    term.cmd('AT+CNMI=2,1,0,0,0;+CPMS="SM","SM","ME"')
    term.modem.inject_sms(SENDER, "to ME", now=0.0)
    assert term.advance(0.0) == '\r\n+CMTI: "ME",1\r\n'


def test_direct_delivery_is_a_two_line_cmt() -> None:
    term = Terminal()
    term.modem.inject_sms(SENDER, "direct", direct=True, now=0.0)
    out = term.advance(0.0)
    match = re.fullmatch(r"\r\n\+CMT: ,(\d+)\r\n([0-9A-F]+)\r\n", out)
    assert match is not None
    assert _deliver_text(match.group(2)) == (SENDER, None, "direct")
    assert term.modem.storage.used(Memory.SM) == 0


def test_cnmi_mt2_routes_directly_and_csms1_expects_cnma() -> None:
    term = Terminal()
    term.cmd("AT+CSMS=1;+CNMI=2,2,0,0,0")
    term.modem.inject_sms(SENDER, "ack me", now=0.0)
    assert term.advance(0.0).startswith("\r\n+CMT: ,")
    assert term.lines("AT+CNMA=0") == ["OK"]


def test_long_message_arrives_in_concatenated_parts() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    text = "Malipo yako ya mkopo yamepokelewa. " * 6  # 210 characters: two parts
    term.modem.inject_sms(SENDER, text, now=0.0)
    assert term.advance(0.0) == '\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    lines = term.lines("AT+CMGL=4")
    parts = [_deliver_text(lines[i]) for i in (1, 3)]
    assert [p[1] for p in parts] == [(1, 2, 1), (1, 2, 2)]
    assert "".join(p[2] for p in parts) == text


def test_long_unicode_message_arrives_in_ucs2_parts_without_splitting_a_surrogate_pair() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    text = "Ж" * 66 + "😀" + "Ж" * 10  # the emoji (two UTF-16 units) would straddle the 67-unit cut
    term.modem.inject_sms(SENDER, text, now=0.0)
    assert term.advance(0.0) == '\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    lines = term.lines("AT+CMGL=4")
    parts = [_deliver_text(lines[i]) for i in (1, 3)]
    assert [(sender, concat) for sender, concat, _ in parts] == [(SENDER, (1, 2, 1)), (SENDER, (1, 2, 2))]
    assert [p[2] for p in parts] == ["Ж" * 66, "😀" + "Ж" * 10]


def test_unicode_message_is_ucs2_and_reads_back_in_text_mode() -> None:
    term = Terminal()
    term.modem.inject_sms(SENDER, "Karibu 😀", now=0.0)
    pdu = term.lines("AT+CMGR=1")[1]
    assert _deliver_text(pdu) == (SENDER, None, "Karibu 😀")
    term.cmd('AT+CMGF=1;+CSCS="UCS2"')
    header, body, _ = term.lines("AT+CMGR=1")
    assert header.startswith(f'+CMGR: "REC READ","{SENDER}",,"26/01/01,00:00:00+00"')
    assert bytes.fromhex(body).decode("utf-16-be") == "Karibu 😀"


def test_text_mode_listing_and_direct_cmt() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1")
    term.modem.inject_sms(SENDER, "plain text", now=0.0)
    assert term.lines('AT+CMGL="ALL"')[1:] == ["plain text", "OK"]
    assert term.lines('AT+CMGL="REC UNREAD"') == ["OK"]
    assert term.lines('AT+CMGL="BOGUS"') == ["+CMS ERROR: 305"]
    term.modem.inject_sms(SENDER, "shown", direct=True, now=0.0)
    assert term.advance(0.0) == f'\r\n+CMT: "{SENDER}",,"26/01/01,00:00:00+00"\r\nshown\r\n'


def test_alphanumeric_sender_and_bad_sender() -> None:
    term = Terminal()
    term.modem.inject_sms("MyBank", "hi", now=0.0)
    assert term.modem.storage.used(Memory.SM) == 1
    with pytest.raises(ValueError, match="neither a number"):
        term.modem.inject_sms("", "hi", now=0.0)


def test_cmgd_delete_flags() -> None:
    term = Terminal()
    for i in range(3):
        term.modem.inject_sms(SENDER, f"m{i}", now=0.0)
    term.lines("AT+CMGR=1")  # 1 read, 2 and 3 unread
    assert term.lines("AT+CMGD=?") == ["+CMGD: (1,2,3),(0-4)", "OK"]
    term.cmd("AT+CMGD=1,1")
    assert term.lines("AT+CMGD=?") == ["+CMGD: (2,3),(0-4)", "OK"]
    term.cmd("AT+CMGD=2")
    term.cmd("AT+CMGD=0,4")
    assert term.lines("AT+CPMS?")[0].startswith('+CPMS: "SM",0,30')


def test_a_full_memory_refuses_and_the_smsc_delivers_again_once_a_delete_makes_room() -> None:
    # 24.011: the MS answers "memory capacity exceeded", the SC keeps the message, and delivers it
    # again after the MS signals memory available (RP-SMMA) - nothing is lost, nothing is shown
    term = Terminal(faults=FaultPlan(storage_full=frozenset({Memory.SM})))
    term.cmd("AT+CNMI=2,1,0,0,0")
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "SM",30,30,"SM",30,30,"SM",30,30'
    term.modem.inject_sms(SENDER, "waits", now=0.0)
    assert term.advance(0.0) == ""
    assert term.modem.counters["memory_full_refusals"] == 1
    assert term.modem.network.held == 1
    assert term.lines("AT+CMGD=1") == ["OK"]
    assert term.advance(1.0) == '\r\n+CMTI: "SM",1\r\n'  # the SMSC's next attempt, after SMMA
    assert _deliver_text(term.lines("AT+CMGR=1")[1])[2] == "waits"
    assert term.modem.network.held == 0


def test_oracle_gsm7_packing_matches_the_deliver_user_data() -> None:
    term = Terminal()
    term.modem.inject_sms(SENDER, "hellohello", now=0.0)
    assert term.lines("AT+CMGR=1")[1].endswith(pack7(septets("hellohello")).hex().upper())
