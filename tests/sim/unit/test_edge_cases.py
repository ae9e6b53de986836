"""Less travelled paths: optional PDU fields, wrong command forms, S-registers, overflowing input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.pdu.fields import Alphabet, PduFormatError, Reader, read_address, read_sca
from simulator.pdu.submit import decode_submit

from .oracle import address, pack7, septets, submit
from .talk import Terminal

NUMBER = "+255700000001"


def _tpdu(first: int, vp: bytes, dcs: int, udl: int, user_data: bytes) -> tuple[str, int]:
    tpdu = bytes([first, 0]) + address(NUMBER) + bytes([0, dcs]) + vp + bytes([udl]) + user_data
    return "00" + tpdu.hex(), len(tpdu)


def test_absolute_validity_is_a_date() -> None:
    stamp = bytes.fromhex("62103021000000")  # 2026-01-03 12:00:00 +00
    pdu, length = _tpdu(0x19, stamp, 0, 2, pack7(septets("hi")))
    assert decode_submit(pdu, length).validity == datetime(2026, 1, 3, 12, 0, tzinfo=UTC)


def test_enhanced_validity_is_a_period() -> None:
    pdu, length = _tpdu(0x09, bytes([0x02, 90, 0, 0, 0, 0, 0]), 0, 2, pack7(septets("hi")))
    assert decode_submit(pdu, length).validity == timedelta(seconds=90)


def test_eight_bit_data_is_kept_as_latin1_text() -> None:
    pdu, length = _tpdu(0x01, b"", 0x04, 3, b"\x00\xffA")
    decoded = decode_submit(pdu, length)
    assert decoded.alphabet is Alphabet.EIGHT_BIT
    assert decoded.part_text == "\x00ÿA"


@pytest.mark.parametrize(
    ("first", "dcs", "udl", "user_data", "problem"),
    [
        (0x41, 0x08, 2, bytes([5, 0]), "header longer"),
        (0x41, 0x00, 6, bytes([5, 0, 3, 1, 2, 1]), "smaller than the user data header"),
        (0x01, 0x08, 3, b"\x00\x41\x00", "odd number"),
        (0x41, 0x08, 8, bytes([6, 0x08, 3, 1, 2, 1, 0, 0x41]), "4 octets"),
        (0x01, 0x08, 141, bytes(141), "exceeds 140"),
    ],
)
def test_inconsistent_user_data_is_refused(
    first: int, dcs: int, udl: int, user_data: bytes, problem: str
) -> None:
    pdu, length = _tpdu(first, b"", dcs, udl, user_data)
    with pytest.raises(PduFormatError, match=problem):
        decode_submit(pdu, length)


def test_address_fields_edge_cases() -> None:
    with pytest.raises(PduFormatError, match="high bit"):
        read_address(Reader(bytes([2, 0x11, 0x21])))
    assert read_sca(Reader(bytes.fromhex("07915275080000F4"))) == "+25578000004"
    assert read_address(Reader(bytes([3, 0x81, 0xBA, 0xFC]))) == "*#a"


def test_odd_smsc_in_a_submit() -> None:
    term = Terminal()
    assert "+CMGS: 0" in term.send_pdu(submit(NUMBER, "hi", smsc="+25578000004"))
    assert term.modem.submits[0].smsc == "+25578000004"


@pytest.mark.parametrize(
    "line",
    [
        "AT+CFUN",
        "AT+CPIN",
        "AT+CREG",
        "AT+CSQ?",
        "AT+CSQ=1",
        "AT+COPS",
        "AT+CIMI?",
        "AT+CSMS",
        "AT+CPMS",
        "AT+CMGF",
        "AT+CSCA",
        "AT+CSMP",
        "AT+CSCS",
        "AT+CNMI",
        "AT+CMGL?",
        "AT+CMGR",
        "AT+CMGD",
        "AT+CNMA?",
        "AT+CGSN=1",
    ],
)
def test_forms_a_command_does_not_have_are_plain_errors(line: str) -> None:
    term = Terminal()
    term.cmd("AT+CMEE=1")
    assert term.lines(line) == ["ERROR"]


def test_s_registers_and_v250_settings() -> None:
    term = Terminal()
    assert term.lines("ATS0?") == ["000", "OK"]
    assert term.lines("ATS7=60") == ["OK"]
    assert term.lines("ATS99=1") == ["ERROR"]  # unknown register
    assert term.lines("ATV0") == ["ERROR"]  # numeric result codes are not simulated
    assert term.lines("ATQ1") == ["ERROR"]
    assert term.lines("AT&W;&C1;&D2") == ["OK"]


def test_an_overlong_pdu_is_refused() -> None:
    term = Terminal()
    term.cmd("AT+CMGS=20")
    assert term.raw(b"00" * 3000 + b"\x1a") == b"\r\n+CMS ERROR: 304\r\n"


def test_text_mode_cnma_test_form_and_cmgl_test_form() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1")
    assert term.lines("AT+CNMA=?") == ["OK"]
    assert term.lines("AT+CMGL=?") == ['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")', "OK"]


def test_reports_to_a_non_numeric_recipient_are_lost() -> None:
    term = Terminal()
    pdu, length = _tpdu(0x21, b"", 0, 2, pack7(septets("hi")))
    pdu = pdu.replace(address(NUMBER).hex(), "03A1BAFC")  # "*#a"
    length = len(bytes.fromhex(pdu)) - 1
    term.cmd(f"AT+CMGS={length}")
    assert "+CMGS: 0" in term.raw(pdu.encode() + b"\x1a").decode()
    assert term.modem.counters["reports_lost"] == 1


def test_a_reboot_restarts_the_periodic_rssi_instead_of_doubling_it() -> None:
    term = Terminal("huawei-e173")
    term.advance(5.0)
    term.modem.reboot()
    assert "^MODE" in term.advance(0.0)
    assert term.advance(10.0) == "\r\n^RSSI: 20\r\n"  # the old cycle (due at 10) is gone
    assert term.modem.next_deadline() == 25.0
