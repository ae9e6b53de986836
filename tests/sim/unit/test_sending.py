"""AT+CMGS end to end: prompt, PDU, decode, TP-MR, records of single, multipart and Unicode SMS."""

from __future__ import annotations

import pytest

from simulator.pdu.fields import Alphabet
from simulator.profiles import Memory

from .oracle import Pdu, submit
from .talk import Terminal

NUMBER = "+255700000001"


def test_single_pdu_send_is_recorded_with_recipient_text_and_mr() -> None:
    term = Terminal()
    assert term.send_pdu(submit(NUMBER, "Loan repayment due 5 May")) == "\r\n+CMGS: 0\r\n\r\nOK\r\n"
    [record] = term.modem.submits
    assert record.recipient == NUMBER
    assert record.text == record.part_text == "Loan repayment due 5 May"
    assert record.mr == 0
    assert record.status_report_requested
    assert term.modem.counters["submits"] == 1
    assert [tuple(m) for m in term.modem.complete_messages()] == [(NUMBER, "Loan repayment due 5 May")]


def test_multipart_gsm7_message_is_reassembled_by_concat_ref() -> None:
    term = Terminal()
    text = "Habari! " * 25  # 200 characters: two parts
    first, second = text[:153], text[153:]
    assert "+CMGS: 0" in term.send_pdu(submit(NUMBER, first, concat=(0x42, 2, 1)))
    assert term.modem.complete_messages() == []
    assert term.modem.submits[0].text == ""  # not complete yet
    assert "+CMGS: 1" in term.send_pdu(submit(NUMBER, second, concat=(0x42, 2, 2)))
    assert [tuple(m) for m in term.modem.complete_messages()] == [(NUMBER, text)]
    assert [s.text for s in term.modem.submits] == [text, text]
    assert [s.concat for s in term.modem.submits] == [(0x42, 2, 1), (0x42, 2, 2)]


def test_unicode_message_with_emoji_split_over_parts_is_reassembled() -> None:
    term = Terminal()
    text = "Asante 😀 " * 12  # 10 UTF-16 units each: 120 units, two UCS-2 parts
    encoded = text.encode("utf-16-be")
    # 66 units fit next to a 16-bit concat header (7 + 132 <= 140); never split a surrogate pair
    cut = 66 * 2 if not 0xD8 <= encoded[65 * 2] <= 0xDB else 65 * 2
    first, second = encoded[:cut].decode("utf-16-be"), encoded[cut:].decode("utf-16-be")
    assert "+CMGS: 0" in term.send_pdu(
        submit(NUMBER, second, ucs2=True, concat=(0x0123, 2, 2), concat16=True)
    )
    assert "+CMGS: 1" in term.send_pdu(submit(NUMBER, first, ucs2=True, concat=(0x0123, 2, 1), concat16=True))
    [message] = term.modem.complete_messages()
    assert message.text == text
    assert term.modem.submits[0].alphabet is Alphabet.UCS2


def test_ucs2_part_over_140_octets_is_refused() -> None:
    term = Terminal()
    too_long = submit(NUMBER, "x" * 67, ucs2=True, concat=(0x0123, 2, 1), concat16=True)  # 7 + 134 octets
    assert term.send_pdu(too_long) == "\r\n+CMS ERROR: 304\r\n"


def test_gsmmodem_encoder_as_an_independent_oracle() -> None:
    from gsmmodem.pdu import encodeSmsSubmitPdu

    term = Terminal()
    text = "Mkopo wako umeidhinishwa. " * 8  # 208 characters, two parts
    for part in encodeSmsSubmitPdu(NUMBER, text, reference=7, requestStatusReport=True):
        assert "+CMGS:" in term.send_pdu(Pdu(bytes(part.data).hex().upper(), part.tpduLength))
    [message] = term.modem.complete_messages()
    assert message == (NUMBER, text)


def test_tp_mr_comes_from_a_sim_counter_that_wraps() -> None:
    term = Terminal()
    term.modem.network.set_last_mr(254)
    mrs = [term.send_pdu(submit(NUMBER, f"m{i}", mr=99)).split()[1] for i in range(3)]
    assert mrs == ["255", "0", "1"]
    assert [s.pdu_mr for s in term.modem.submits] == [99, 99, 99]


def test_pdu_with_full_smsc_address_counts_only_the_tpdu() -> None:
    term = Terminal()
    pdu = submit(NUMBER, "hello", smsc="+255780000004")
    assert "+CMGS:" in term.send_pdu(pdu)
    assert term.modem.submits[0].smsc == "+255780000004"


@pytest.mark.parametrize("delta", [-1, 1])
def test_length_mismatch_is_cms_304_and_nothing_is_sent(delta: int) -> None:
    term = Terminal()
    pdu = submit(NUMBER, "hello")
    term.cmd(f"AT+CMGS={pdu.length + delta}")
    assert term.raw(pdu.hex.encode() + b"\x1a") == b"\r\n+CMS ERROR: 304\r\n"
    assert term.modem.submits == []
    assert term.modem.counters["errors"] == 1


def test_garbage_pdu_is_cms_304() -> None:
    term = Terminal()
    term.cmd("AT+CMGS=5")
    assert term.raw(b"not hex at all\x1a") == b"\r\n+CMS ERROR: 304\r\n"
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_escape_at_the_prompt_cancels_without_sending() -> None:
    term = Terminal()
    pdu = submit(NUMBER, "hello")
    term.cmd(f"AT+CMGS={pdu.length}")
    assert term.raw(pdu.hex.encode()[:10] + b"\x1b") == b"\r\nOK\r\n"
    assert term.modem.submits == []
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_pdu_typed_in_pieces_with_echo_is_echoed_and_accepted() -> None:
    term = Terminal(echo=True)
    pdu = submit(NUMBER, "hello")
    out = term.raw(f"AT+CMGS={pdu.length}\r".encode())
    assert out.endswith(b"\r\n> ")
    echoed = b"".join(term.raw(pdu.hex.encode()[i : i + 3]) for i in range(0, len(pdu.hex), 3))
    assert echoed == pdu.hex.encode()
    assert term.raw(b"\x1a") == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"


def test_no_smsc_anywhere_is_cms_330() -> None:
    term = Terminal()
    term.cmd('AT+CSCA=""')
    assert term.send_pdu(submit(NUMBER, "hello")) == "\r\n+CMS ERROR: 330\r\n"
    assert "+CMGS" in term.send_pdu(submit(NUMBER, "hello", smsc="+255780000004"))


def test_radio_off_send_fails_with_331() -> None:
    term = Terminal()
    term.cmd("AT+CFUN=4")
    assert term.send_pdu(submit(NUMBER, "hello")) == "\r\n+CMS ERROR: 331\r\n"


def test_text_mode_send_uses_csmp_and_records_the_text() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1;+CSMP=49,167,0,0")
    assert term.cmd(f'AT+CMGS="{NUMBER}"') == "\r\n> "
    assert term.raw(b"Line one\r") == b"\r\n> "
    assert term.raw(b"line two\x1a") == b"\r\n+CMGS: 0\r\n\r\nOK\r\n"
    [record] = term.modem.submits
    assert record.recipient == NUMBER
    assert record.text == "Line one\nline two"
    assert record.status_report_requested


def test_text_mode_ucs2_charset_reads_hex() -> None:
    term = Terminal()
    term.cmd('AT+CMGF=1;+CSCS="UCS2";+CSMP=17,167,0,8')
    assert term.lines(f'AT+CMGS="{NUMBER}"') == ["+CMS ERROR: 305"]  # UCS2: the number is hex too
    assert term.cmd(f'AT+CMGS="{NUMBER.encode("utf-16-be").hex()}"') == "\r\n> "
    term.raw("Jambo 😀".encode("utf-16-be").hex().upper().encode() + b"\x1a")
    assert term.modem.submits[0].text == "Jambo 😀"
    assert term.modem.submits[0].recipient == NUMBER
    assert not term.modem.submits[0].status_report_requested


def test_text_mode_bad_destination_and_too_long_text() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1")
    assert term.lines('AT+CMGS="abc"') == ["+CMS ERROR: 305"]
    term.cmd(f'AT+CMGS="{NUMBER}"')
    assert term.raw(b"x" * 161 + b"\x1a") == b"\r\n+CMS ERROR: 305\r\n"


def test_urcs_wait_while_the_te_types_a_pdu() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,0,0")
    pdu = submit(NUMBER, "hello")
    term.cmd(f"AT+CMGS={pdu.length}")
    term.modem.inject_sms("+255711000001", "incoming", now=term.now)
    assert term.raw(pdu.hex.encode()) == b""  # the +CMTI is held back
    assert term.raw(b"\x1a") == b'\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: "SM",1\r\n'


def test_sim_locked_send_is_refused_before_the_prompt() -> None:
    term = Terminal()
    term.cmd("AT+CMEE=1")
    term.modem.state.sim = term.modem.state.sim.PIN
    assert term.lines("AT+CMGS=10") == ["+CMS ERROR: 311"]
    assert Memory.SM in term.modem.profile.capacities


def test_a_reused_reference_starts_a_new_message_once_the_first_is_complete() -> None:
    term = Terminal()
    for text in ("first ", "second"):
        term.send_pdu(submit(NUMBER, text, concat=(9, 2, 1)))
        term.send_pdu(submit(NUMBER, text.upper(), concat=(9, 2, 2)))
    assert [m.text for m in term.modem.complete_messages()] == ["first FIRST ", "secondSECOND"]
    assert [s.text for s in term.modem.submits] == ["first FIRST "] * 2 + ["secondSECOND"] * 2


def test_clearing_submits_mid_message_does_not_fill_in_the_wrong_parts() -> None:
    term = Terminal()
    term.send_pdu(submit(NUMBER, "lost ", concat=(3, 2, 1)))
    term.modem.submits.clear()
    term.send_pdu(submit(NUMBER, "part", concat=(3, 2, 2)))
    assert term.modem.submits[0].text == ""
    assert term.modem.complete_messages() == []


def test_non_ascii_digits_are_not_numbers() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1;+CSMP=49,167,0,0")
    assert term.raw('AT+CMGS="²"\r'.encode("latin-1")) == b"\r\n+CMS ERROR: 305\r\n"
    assert term.raw("AT+CMGR=²\r".encode("latin-1")) == b"\r\n+CMS ERROR: 305\r\n"
    assert term.raw('AT+CSCA="+²"\r'.encode("latin-1")) == b"\r\n+CMS ERROR: 305\r\n"
