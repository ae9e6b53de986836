"""The AT codec: framing, classification, late second lines and garbage bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmgateway.modem.codec import (
    AtCodec,
    FinalKind,
    FinalResult,
    Prompt,
    ResponseLine,
    Urc,
    classify_final,
    encode_command,
    encode_pdu,
)

CDS_PDU = "0006D60B911326880736F4111011719551401110117195714000"


def feed_all(chunks: list[bytes]) -> list[object]:
    codec = AtCodec()
    events: list[object] = []
    for chunk in chunks:
        events.extend(codec.feed(chunk))
    return events


def test_response_and_ok() -> None:
    assert feed_all([b"\r\n+CSQ: 17,99\r\n\r\nOK\r\n"]) == [
        ResponseLine("+CSQ: 17,99"),
        FinalResult("OK", FinalKind.OK),
    ]


def test_bytes_split_anywhere_give_the_same_events() -> None:
    data = b'\r\n+CSQ: 17,99\r\n\r\n+CMTI: "SM",3\r\n\r\nOK\r\n'
    whole = feed_all([data])
    assert feed_all([bytes([b]) for b in data]) == whole
    assert Urc('+CMTI: "SM",3') in whole


@pytest.mark.parametrize(
    ("line", "kind", "code"),
    [
        ("OK", FinalKind.OK, None),
        ("ERROR", FinalKind.ERROR, None),
        ("COMMAND NOT SUPPORT", FinalKind.ERROR, None),
        ("+CME ERROR: 14", FinalKind.CME, 14),
        ("+CMS ERROR: 515", FinalKind.CMS, 515),
        ("+CME ERROR: SIM busy", FinalKind.CME, None),
    ],
)
def test_final_results(line: str, kind: FinalKind, code: int | None) -> None:
    assert classify_final(line) == FinalResult(line, kind, code)


def test_not_final() -> None:
    assert classify_final("+CMGS: 5") is None
    assert classify_final("OKAY") is None


def test_prompt_without_line_end() -> None:
    assert feed_all([b"\r\n> "]) == [Prompt()]
    assert feed_all([b'\r\n+ZPASR: "UMTS"\r\n', b"> "]) == [Urc('+ZPASR: "UMTS"'), Prompt()]


def test_late_second_line_of_cds() -> None:
    codec = AtCodec()
    assert codec.feed(b"\r\n+CDS: 25\r\n") == []
    assert codec.feed(b"\r\n+CSQ: 10,99\r\n") == [Urc("+CDS: 25", None), ResponseLine("+CSQ: 10,99")]
    assert codec.feed(b"\r\n+CDS: 25\r\n") == []
    assert codec.feed(CDS_PDU.encode() + b"\r\n") == [Urc("+CDS: 25", CDS_PDU)]


def test_cds_then_ok_gives_pduless_urc_and_the_ok() -> None:
    assert feed_all([b"+CDS: 25\r\nOK\r\n"]) == [Urc("+CDS: 25", None), FinalResult("OK", FinalKind.OK)]


def test_echo_is_dropped_and_huawei_line_ends_are_fine() -> None:
    assert feed_all([b"ATE0\r\r\nOK\r\n"]) == [FinalResult("OK", FinalKind.OK)]
    assert feed_all([b"+CLAC\r\r\n^CVOICE\r\r\nOK\r\r\n"])[-1] == FinalResult("OK", FinalKind.OK)


def test_non_utf8_byte_is_just_a_character() -> None:
    events = feed_all([b"\r\n\xe9\xff junk\r\n+CSQ: 3,99\r\nOK\r\n"])
    assert events[0] == ResponseLine("\xe9\xff junk")
    assert events[-1] == FinalResult("OK", FinalKind.OK)


def test_a_superscript_digit_in_an_error_code_is_no_code() -> None:
    """Latin-1 0xB2 is "²", a digit to ``str.isdigit`` that ``int`` refuses: the line is still an error."""
    (result,) = feed_all([b"\r\n+CMS ERROR: \xb2\r\n"])
    assert result == FinalResult("+CMS ERROR: \xb2", FinalKind.CMS, None)


def test_urc_name_and_args() -> None:
    urc = Urc('+CDSI: "SR",4')
    assert (urc.name, urc.args) == ("+CDSI", '"SR",4')
    assert (Urc("RING").name, Urc("RING").args) == ("RING", "")


def test_endless_line_is_flushed() -> None:
    events = feed_all([b"x" * 10000])
    assert events == [ResponseLine("x" * 10000)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=20))
def test_any_bytes_are_safe(chunks: list[bytes]) -> None:
    codec = AtCodec()
    for chunk in chunks:
        codec.feed(chunk)
    assert codec.feed(b"\r\nOK\r\n")[-1] == FinalResult("OK", FinalKind.OK)


def test_encoders_refuse_what_would_desynchronise() -> None:
    assert encode_command("AT+CSQ") == b"AT+CSQ\r"
    assert encode_pdu("00AB") == b"00AB\x1a"
    with pytest.raises(ValueError, match="malformed"):
        encode_command("AT\r+CMGD=1")
    with pytest.raises(ValueError, match="hex"):
        encode_pdu("00\x1a11")
