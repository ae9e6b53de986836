"""The simulator's PDU code against known vectors and an independent encoder/decoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from simulator.pdu import gsm7
from simulator.pdu.encode import DCS_GSM7, DCS_UCS2, deliver, split_text, status_report
from simulator.pdu.fields import (
    Alphabet,
    PduFormatError,
    Reader,
    alphabet_of,
    decode_timestamp,
    encode_address,
    encode_timestamp,
    enhanced_validity,
    parse_udh,
    read_address,
    relative_validity,
)
from simulator.pdu.submit import decode_submit

from .oracle import decode_report, pack7, septets, submit

# Real SMS-STATUS-REPORT PDUs from reference gsm-at-and-pdu.md §3.2: (pdu, MR, TP-RA, TP-ST).
REFERENCE_REPORTS = [
    ("0006D60B911326880736F4111011719551401110117195714000", 214, "+31628870634", 0x00),
    ("07917248014000F506B70AA18092020000317071518590803170715185418000", 183, "0829200000", 0x00),
    ("0006230E9126983575169498610103409544C26101034095448200", 35, "+62895357614989", 0x00),
    ("079119890400202306400C91197909913764511090718384225110907183252200", 64, "+919790197346", 0x00),
    ("07914356060013F10659098136395339F6219011707193802190117071938030", 89, "639335936", 0x30),
    ("07915391131213F406030C91539133131316218030612015402180306120654000", 3, "+351933313161", 0x00),
    ("079189390500410006270C81891942345447228013023041812280130230718100", 39, "989124434574", 0x00),
    ("0891683108608805F906750D91683109731147F4313050913492003130509134430000", 117, "+8613903711744", 0x00),
]


def test_hellohello_packs_to_the_textbook_vector() -> None:
    assert gsm7.pack(gsm7.encode("hellohello")).hex().upper() == "E8329BFD4697D9EC37"
    assert gsm7.decode(gsm7.unpack(bytes.fromhex("E8329BFD4697D9EC37"), 10)) == "hellohello"


def test_escape_characters_take_two_septets_and_round_trip() -> None:
    text = "[]{}€~|^\\"
    assert gsm7.septets_needed(text) == 18
    assert gsm7.encode(text) == septets(text)
    assert gsm7.decode(gsm7.encode(text)) == text


def test_unknown_escape_and_trailing_escape_decode_as_the_standard_says() -> None:
    assert gsm7.decode([0x1B, 0x41]) == "A"
    assert gsm7.decode([0x41, 0x1B]) == "A "


def test_characters_outside_gsm7_are_refused() -> None:
    assert gsm7.septets_needed("héllo") == 5  # é is in the default alphabet
    assert gsm7.septets_needed("ĥ") is None
    with pytest.raises(ValueError, match="GSM 7-bit"):
        gsm7.encode("😀")


@pytest.mark.parametrize("udh_octets", [0, 6, 7])
def test_packing_with_a_header_matches_the_bit_stream_oracle(udh_octets: int) -> None:
    udh = bytes([udh_octets - 1]) + bytes(range(1, udh_octets)) if udh_octets else b""
    values = gsm7.encode("Fill bits after the header")
    packed = gsm7.pack(values, udh)
    header_septets = gsm7.header_septets(udh_octets)
    fill = header_septets * 7 - udh_octets * 8
    assert packed == udh + pack7(values, fill)
    assert gsm7.unpack(packed, header_septets + len(values), udh_octets) == values


def test_unpack_refuses_too_few_octets() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        gsm7.unpack(b"\x00", 5)


@pytest.mark.parametrize(("pdu", "mr", "recipient", "st"), REFERENCE_REPORTS)
def test_reference_status_reports_decode_with_the_oracle(pdu: str, mr: int, recipient: str, st: int) -> None:
    # The oracle decoder is validated on the real vectors first, so that it can judge our encoder.
    report = decode_report(pdu)
    assert (report.mr, report.recipient, report.st) == (mr, recipient, st)


@pytest.mark.parametrize(("pdu", "mr", "recipient", "st"), REFERENCE_REPORTS[:2])
def test_our_status_report_has_the_reference_layout(pdu: str, mr: int, recipient: str, st: int) -> None:
    reference = decode_report(pdu)
    scts = datetime(2011, 1, 11, 17, 59, 15, tzinfo=timezone(timedelta(hours=1)))
    built = status_report(smsc="", mr=mr, recipient=recipient, submitted=scts, discharged=scts, tp_st=st)
    ours = decode_report(built.hex)
    assert (ours.mr, ours.recipient, ours.st) == (reference.mr, reference.recipient, reference.st)
    # The first reference vector: same FO/MR/RA octets, 7-octet stamps, TP-ST last.
    if pdu.startswith("0006D6"):
        assert built.hex[:30] == pdu[:30]
        assert built.tpdu_length == len(bytes.fromhex(pdu)) - 1


def test_time_stamps_round_trip_with_negative_and_positive_zones() -> None:
    for hours in (-5, 0, 3):
        moment = datetime(2026, 2, 28, 23, 59, 58, tzinfo=timezone(timedelta(hours=hours)))
        assert decode_timestamp(encode_timestamp(moment)) == moment
    assert encode_timestamp(datetime(2011, 1, 11, 17, 59, 15, tzinfo=UTC)).hex() == "11101171955100"


def test_an_impossible_time_stamp_is_a_format_error() -> None:
    with pytest.raises(PduFormatError):
        decode_timestamp(bytes.fromhex("11311199999900"))


@pytest.mark.parametrize(
    ("octet", "expected"),
    [
        (0, timedelta(minutes=5)),
        (143, timedelta(hours=12)),
        (167, timedelta(hours=24)),
        (168, timedelta(days=2)),
        (196, timedelta(days=30)),
        (197, timedelta(weeks=5)),
        (255, timedelta(weeks=63)),
    ],
)
def test_relative_validity_table(octet: int, expected: timedelta) -> None:
    assert relative_validity(octet) == expected


def test_enhanced_validity_formats() -> None:
    assert enhanced_validity(bytes([0x00] + [0] * 6)) is None
    assert enhanced_validity(bytes([0x01, 167] + [0] * 5)) == timedelta(hours=24)
    assert enhanced_validity(bytes([0x02, 30] + [0] * 5)) == timedelta(seconds=30)
    assert enhanced_validity(bytes([0x03, 0x21, 0x03, 0x54] + [0] * 3)) == timedelta(
        hours=12, minutes=30, seconds=45
    )
    with pytest.raises(PduFormatError):
        enhanced_validity(bytes([0x05] + [0] * 6))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0B911326880736F4", "+31628870634"), ("0AA18092020000", "0829200000"), ("03A121F3", "123")],
)
def test_address_decoding(raw: str, expected: str) -> None:
    assert read_address(Reader(bytes.fromhex(raw))) == expected


def test_alphanumeric_address_round_trips() -> None:
    encoded = encode_address("MyBank")
    assert encoded[1] == 0xD0
    assert read_address(Reader(encoded)) == "MyBank"
    with pytest.raises(ValueError, match="neither a number"):
        encode_address("A much too long sender name")


@pytest.mark.parametrize(
    ("dcs", "alphabet"),
    [
        (0x00, Alphabet.GSM7),
        (0x04, Alphabet.EIGHT_BIT),
        (0x08, Alphabet.UCS2),
        (0x0C, Alphabet.GSM7),
        (0x18, Alphabet.UCS2),
        (0xF0, Alphabet.GSM7),
        (0xF4, Alphabet.EIGHT_BIT),
        (0xE0, Alphabet.UCS2),
        (0xC0, Alphabet.GSM7),
        (0x80, Alphabet.GSM7),
    ],
)
def test_data_coding_groups(dcs: int, alphabet: Alphabet) -> None:
    assert alphabet_of(dcs) is alphabet


def test_udh_concat_elements_8_and_16_bit() -> None:
    found = parse_udh(bytes([0x00, 3, 0x42, 2, 1]))
    assert found is not None
    assert (found.ref, found.total, found.seq) == (0x42, 2, 1)
    found = parse_udh(bytes([0x08, 4, 0x12, 0x34, 3, 3]))
    assert found is not None
    assert (found.ref, found.total, found.seq) == (0x1234, 3, 3)
    assert parse_udh(bytes([0x24, 1, 0x01])) is None  # national language shift: ignored
    for bad in (
        bytes([0x00, 2, 1, 2]),
        bytes([0x00, 3, 1, 2, 3]),
        bytes([0x00, 3, 1, 2, 0]),
        bytes([0x00, 9, 1]),
    ):
        with pytest.raises(PduFormatError):
            parse_udh(bad)


def test_submit_single_gsm7_with_srr_and_relative_validity() -> None:
    pdu = submit("+255700000001", "hellohello", vp=167)
    decoded = decode_submit(pdu.hex, pdu.length)
    assert decoded.recipient == "+255700000001"
    assert decoded.part_text == "hellohello"
    assert decoded.status_report_requested
    assert decoded.validity == timedelta(hours=24)
    assert decoded.concat is None
    assert decoded.smsc is None
    assert "E8329BFD4697D9EC37" in decoded.raw_pdu


def test_submit_with_full_smsc_address_and_national_number() -> None:
    pdu = submit("0712345678", "Hi", smsc="+255780000004", srr=False, vp=None)
    decoded = decode_submit(pdu.hex, pdu.length)
    assert decoded.smsc == "+255780000004"
    assert decoded.recipient == "0712345678"
    assert not decoded.status_report_requested
    assert decoded.validity is None


def test_submit_160_septets_fit_and_161_do_not() -> None:
    fits = submit("+2557", "a" * 160)
    assert decode_submit(fits.hex, fits.length).part_text == "a" * 160
    data = bytearray(bytes.fromhex(fits.hex))
    data[1 + 1 + 1 + 4 + 2 + 1] = 161  # UDL octet after SCA, FO, MR, DA(2+2), PID, DCS, VP
    with pytest.raises(PduFormatError, match="UDL"):
        decode_submit(data.hex(), fits.length)


def test_submit_concatenated_gsm7_and_ucs2_with_emoji() -> None:
    part = submit("+2557", "Part one ", concat=(0x42, 2, 1))
    decoded = decode_submit(part.hex, part.length)
    assert decoded.concat == (0x42, 2, 1)
    assert decoded.part_text == "Part one "
    wide = submit("+2557", "Jambo 😀", ucs2=True, concat=(0x1234, 3, 2), concat16=True)
    decoded = decode_submit(wide.hex, wide.length)
    assert decoded.concat == (0x1234, 3, 2)
    assert decoded.part_text == "Jambo 😀"
    assert decoded.alphabet is Alphabet.UCS2


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, n: (h[:-2], n - 1),  # truncated user data
        lambda h, n: (h + "00", n + 1),  # an octet after the user data
        lambda h, n: (h, n + 1),  # length differs from AT+CMGS
        lambda h, n: (h[:-1], n),  # odd number of hex digits
        lambda h, n: ("ZZ" + h[2:], n),  # not hex
        lambda h, n: ("0000", 1),  # a TPDU of one octet
        lambda h, n: ("00" + "00" + h[4:], n),  # MTI 00 = SMS-DELIVER, not a submit
    ],
)
def test_malformed_submits_are_format_errors(mutate: object) -> None:
    pdu = submit("+255700000001", "hello")
    assert callable(mutate)
    bad_hex, bad_length = mutate(pdu.hex, pdu.length)
    with pytest.raises(PduFormatError):
        decode_submit(bad_hex, bad_length)


def test_split_text_boundaries() -> None:
    assert split_text("a" * 160) == (DCS_GSM7, ["a" * 160])
    dcs, parts = split_text("a" * 161)
    assert dcs == DCS_GSM7
    assert [len(p) for p in parts] == [153, 8]
    dcs, parts = split_text("a" * 152 + "[" + "b" * 10)  # the escape pair would straddle 153
    assert parts == ["a" * 152, "[" + "b" * 10]
    assert split_text("😀" * 35) == (DCS_UCS2, ["😀" * 35])
    dcs, parts = split_text("😀" * 36)
    assert dcs == DCS_UCS2
    assert all(len(p.encode("utf-16-be")) <= 134 for p in parts)
    assert "".join(parts) == "😀" * 36


def test_deliver_pdu_carries_sender_text_and_concat() -> None:
    sent = datetime(2026, 1, 1, tzinfo=UTC)
    built = deliver(smsc="+255780000004", sender="+255711000001", text="Habari", dcs=DCS_GSM7, sent=sent)
    data = bytes.fromhex(built.hex)
    assert data[0] == 7
    assert data[8] == 0x04
    assert built.tpdu_length == len(data) - 8
    assert built.hex.endswith(pack7(septets("Habari")).hex().upper())
    wide = deliver(smsc="", sender="Bank", text="😀", dcs=DCS_UCS2, sent=sent, concat=(7, 2, 1))
    assert wide.hex.endswith("0500030702" + "01" + "D83DDE00")


def test_the_classic_hand_written_submit_vector() -> None:
    # The textbook SMS-SUBMIT (dreamfabric "SMS and the PDU format"): to +46708251358, VP 4 days,
    # no status report, "hellohello"; AT+CMGS=23.
    decoded = decode_submit("0011000B916407281553F80000AA0AE8329BFD4697D9EC37", 23)
    assert decoded.recipient == "+46708251358"
    assert decoded.part_text == "hellohello"
    assert decoded.validity == timedelta(days=4)
    assert not decoded.status_report_requested
    assert decoded.dcs == 0
    assert decoded.tpdu_length == 23
