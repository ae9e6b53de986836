"""The PDU adapter: numbers, alphabets, concatenation, validity, SRR, and decoding errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gsmmodem import pdu as gsmpdu

from gsmgateway.core.errors import InvalidNumberError, PduError
from gsmgateway.core.models import ReportOutcome
from gsmgateway.modem.pdu import (
    decode_deliver,
    decode_status_report,
    encode_sms,
    pdu_address,
    with_smsc_field,
)
from gsmgateway.modem.sms import Encoding

NUMBER = "+255700000001"


def submit_fields(pdu_hex: str) -> dict[str, object]:
    fields: dict[str, object] = gsmpdu.decodeSmsPdu(pdu_hex)
    return fields


@pytest.mark.parametrize(
    "bad", ["255700000001", "+44 7700 900123", "+4477009OO123", "+123", "", "+" + "1" * 16]
)
def test_numbers_must_be_plus_digits(bad: str) -> None:
    with pytest.raises(InvalidNumberError):
        pdu_address(bad)
    with pytest.raises(InvalidNumberError):
        encode_sms(bad, "hi")


def test_number_whitespace_around_is_ignored() -> None:
    assert pdu_address(" +255700000001\n") == NUMBER


def test_single_gsm7_part_has_srr_validity_and_zero_mr() -> None:
    (part,) = encode_sms(NUMBER, "Hello [world] €5", validity=timedelta(hours=24))
    assert part.encoding is Encoding.GSM7
    assert part.concat_ref is None
    raw = bytes.fromhex(part.pdu_hex)
    assert raw[0] == 0x00  # SMSC from +CSCA
    assert part.tpdu_length == len(raw) - 1
    first = raw[1]
    assert first & 0x03 == 0x01  # SMS-SUBMIT
    assert first & 0x20  # status report requested
    assert first & 0x18 == 0x10  # relative validity present
    assert raw[2] == 0x00  # TP-MR left to the modem
    fields = submit_fields(part.pdu_hex)
    assert fields["number"] == NUMBER
    assert fields["text"] == "Hello [world] €5"
    assert fields["validity"] == timedelta(hours=24)


def test_multipart_gsm7_shares_our_reference_and_every_part_requests_a_report() -> None:
    text = "x" * 150 + "[" * 8
    parts = encode_sms(NUMBER, text, concat_ref=0x42)
    assert [p.seq for p in parts] == [1, 2]
    assert all(p.total == 2 and p.concat_ref == 0x42 for p in parts)
    decoded = [submit_fields(p.pdu_hex) for p in parts]
    assert "".join(str(f["text"]) for f in decoded) == text
    for seq, fields in enumerate(decoded, start=1):
        (ie,) = fields["udh"]  # type: ignore[misc]
        assert (ie.reference, ie.parts, ie.number) == (0x42, 2, seq)
        assert bytes.fromhex(parts[seq - 1].pdu_hex)[1] & 0x60 == 0x60  # UDHI and SRR


def test_random_reference_when_none_given() -> None:
    refs = {encode_sms(NUMBER, "y" * 200)[0].concat_ref for _ in range(20)}
    assert len(refs) > 1


def test_ucs2_emoji_and_y_diaeresis_encode_as_utf16() -> None:
    text = "cafÿ 😀"
    (part,) = encode_sms(NUMBER, text)
    assert part.encoding is Encoding.UCS2
    raw = bytes.fromhex(part.pdu_hex)
    body = text.encode("utf-16-be")
    assert raw.endswith(body)
    assert raw[-len(body) - 1] == len(body)


def test_ucs2_multipart_keeps_surrogate_pairs_whole() -> None:
    text = "ж" * 66 + "😀" * 40
    parts = encode_sms(NUMBER, text, concat_ref=7)
    assert parts[0].text == "ж" * 66
    for part in parts:
        raw = bytes.fromhex(part.pdu_hex)
        udl = raw[-(len(part.text.encode("utf-16-be")) + 7)]
        assert udl == len(part.text.encode("utf-16-be")) + 6 <= 140
        assert raw[-(len(part.text.encode("utf-16-be")) + 6)] == 5  # UDHL
        assert raw.endswith(part.text.encode("utf-16-be"))
    assert "".join(p.text for p in parts) == text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"validity": timedelta(minutes=1)}, "validity"),
        ({"validity": timedelta(weeks=70)}, "validity"),
        ({"concat_ref": 256}, "reference"),
    ],
)
def test_out_of_range_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(PduError, match=match):
        encode_sms(NUMBER, "z" * 300, **kwargs)  # type: ignore[arg-type]


def test_lone_surrogate_and_too_many_parts_are_refused() -> None:
    with pytest.raises(PduError, match="surrogate"):
        encode_sms(NUMBER, "a\ud800b")
    with pytest.raises(PduError, match="255"):
        encode_sms(NUMBER, "a" * 153 * 256)


@pytest.mark.parametrize(
    ("pdu_hex", "mr", "recipient", "tp_st", "outcome"),
    [
        (
            "0006D60B911326880736F4111011719551401110117195714000",
            214,
            "+31628870634",
            0,
            ReportOutcome.DELIVERED,
        ),
        (
            "07914356060013F10659098136395339F6219011707193802190117071938030",
            89,
            "639335936",
            0x30,
            ReportOutcome.PENDING,
        ),
        (
            "079119890400202306400C91197909913764511090718384225110907183252200",
            64,
            "+919790197346",
            0,
            ReportOutcome.DELIVERED,
        ),
    ],
)
def test_status_reports_decode(
    pdu_hex: str, mr: int, recipient: str, tp_st: int, outcome: ReportOutcome
) -> None:
    report = decode_status_report(pdu_hex, modem_id="m1")
    assert (report.modem_id, report.mr, report.recipient, report.tp_st, report.outcome) == (
        "m1",
        mr,
        recipient,
        tp_st,
        outcome,
    )
    assert report.scts is not None
    assert report.scts.tzinfo is not None


def test_report_without_smsc_field_uses_the_length() -> None:
    tpdu = "06D60B911326880736F4111011719551401110117195714000"
    assert with_smsc_field(tpdu, len(tpdu) // 2) == "00" + tpdu
    assert decode_status_report(tpdu, tpdu_length=len(tpdu) // 2).mr == 214


@pytest.mark.parametrize(
    "bad",
    [
        "0006D60B911326880736F41110117195514011101171957140",  # truncated: no TP-ST
        "0006D60B911326880736F4000000000000000000000000000000",  # all-zero date
        "zz",
        "0",
        "",
    ],
)
def test_every_decoding_failure_is_a_pdu_error(bad: str) -> None:
    with pytest.raises(PduError):
        decode_status_report(bad)
    with pytest.raises(PduError):
        decode_deliver(bad)


def test_wrong_type_is_a_pdu_error() -> None:
    (part,) = encode_sms(NUMBER, "hi")
    with pytest.raises(PduError, match="STATUS-REPORT"):
        decode_status_report(part.pdu_hex)


def test_deliver_decodes() -> None:
    deliver = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
    sms = decode_deliver(deliver)
    assert sms.text == "hellohello"
    assert sms.sender
    assert sms.concat is None
