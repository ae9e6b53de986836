"""Received SMS-DELIVER decoding: PDUs from the simulator's own encoder and real captured ones.

The simulator's encoder (``simulator/pdu``) shares no code with the gateway, so a PDU it builds is
an independent statement of TS 23.040; the captured PDUs come from real networks (collected in
python-gsmmodem's test suite, babca/python-gsmmodem@5c816ba test/test_pdu.py, with the texts the
messages really carried). Each case here is one that ``gsmmodem.pdu.decodeSmsPdu`` gets wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gsmgateway.core.errors import PduError
from gsmgateway.core.inbound import PayloadEncoding, SenderType
from gsmgateway.modem.deliver import Concatenation, decode_received, encoding_of, payload_text
from gsmgateway.modem.pdu import decode_deliver
from simulator.pdu.encode import DCS_8BIT, DCS_GSM7, DCS_UCS2, deliver

SENT = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=3)))
SENDER = "+255700000001"


def build(text: str = "", *, dcs: int = DCS_GSM7, sender: str = SENDER, **extra: object) -> str:
    return deliver(smsc="+255000000001", sender=sender, text=text, dcs=dcs, sent=SENT, **extra).hex  # type: ignore[arg-type]


def text_of(pdu: str) -> str | None:
    part = decode_received(pdu)
    return payload_text(part.encoding, part.payload)


@pytest.mark.parametrize(
    "text",
    [
        "Hello",
        "1234567@",  # 8 septets: the '@' (septet 0) ends on an octet boundary; gsmmodem drops it
        "§ 5 paid",  # gsmmodem has '`' for '§'
        "a\fb",  # form feed from the extension table; gsmmodem drops it
        "[€]{}~|^\\",
        "@" * 160,
    ],
)
def test_gsm7_texts_come_back_exactly(text: str) -> None:
    assert text_of(build(text)) == text


@pytest.mark.parametrize("text", ["Hi 😀", "Привет", "😀" * 35, "👍🏽 ok"])
def test_ucs2_with_emoji_comes_back_as_real_characters(text: str) -> None:
    part = decode_received(build(text, dcs=DCS_UCS2))
    assert part.encoding is PayloadEncoding.UCS2
    assert payload_text(part.encoding, part.payload) == text


def test_8bit_data_is_kept_as_bytes_up_to_udl() -> None:
    data = bytes([0x00, 0x01, 0xFF, 0x80, 0x1B])
    part = decode_received(deliver(smsc="", sender=SENDER, data=data, dcs=DCS_8BIT, sent=SENT).hex + "FFFF")
    assert part.encoding is PayloadEncoding.DATA
    assert part.payload == data  # the two octets past TP-UDL are not the message's
    assert payload_text(part.encoding, part.payload) is None


@pytest.mark.parametrize("sixteen", [False, True])
def test_concatenated_parts_carry_reference_and_position(sixteen: bool) -> None:
    reference = 0x1234 if sixteen else 0x42
    pdu = build("part one text", concat=(reference, 3, 2), sixteen_bit=sixteen)
    part = decode_received(pdu)
    assert part.concat == Concatenation(reference, 16 if sixteen else 8, 3, 2)
    # after the 7-octet header of a 16-bit reference gsmmodem loses the first character
    assert payload_text(part.encoding, part.payload) == "part one text"


def test_concatenated_8bit_data_and_ucs2() -> None:
    data = decode_received(
        deliver(smsc="", sender=SENDER, data=b"\x01\x02", dcs=DCS_8BIT, sent=SENT, concat=(9, 2, 1)).hex
    )
    assert (data.payload, data.concat) == (b"\x01\x02", Concatenation(9, 8, 2, 1))
    ucs2 = decode_received(build("héllo 😀", dcs=DCS_UCS2, concat=(0xBEEF, 2, 2), sixteen_bit=True))
    assert payload_text(ucs2.encoding, ucs2.payload) == "héllo 😀"
    assert ucs2.concat == Concatenation(0xBEEF, 16, 2, 2)


def test_a_surrogate_pair_split_across_parts_joins() -> None:
    emoji = "😀".encode("utf-16-be")
    first = decode_received(build("ab", dcs=DCS_UCS2, concat=(1, 2, 1))).payload + emoji[:2]
    second = emoji[2:] + decode_received(build("cd", dcs=DCS_UCS2, concat=(1, 2, 2))).payload
    assert payload_text(PayloadEncoding.UCS2, first + second) == "ab😀cd"
    assert payload_text(PayloadEncoding.UCS2, first) == "ab\ufffd"  # alone: replaced, storable


@pytest.mark.parametrize(
    ("sender", "national", "expected", "kind"),
    [
        ("+255700000001", False, "+255700000001", SenderType.INTERNATIONAL),
        ("712345678", True, "712345678", SenderType.NATIONAL),
        ("0712345678", False, "0712345678", SenderType.UNKNOWN),
        ("Bank§@", False, "Bank§@", SenderType.ALPHANUMERIC),
        ("ABCDEFG@", False, "ABCDEFG@", SenderType.ALPHANUMERIC),  # gsmmodem drops the '@'
    ],
)
def test_senders(sender: str, national: bool, expected: str, kind: SenderType) -> None:
    part = decode_received(build("x", sender=sender, national=national))
    assert (part.sender, part.sender_type) == (expected, kind)


def test_time_stamp_keeps_its_zone() -> None:
    sent = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(-timedelta(hours=5, minutes=30)))
    part = decode_received(deliver(smsc="", sender=SENDER, text="x", dcs=DCS_GSM7, sent=sent).hex)
    assert part.scts == sent
    assert part.scts.utcoffset() == -timedelta(hours=5, minutes=30)


def _with_dcs(pdu: str, dcs: int) -> str:
    """Replace TP-DCS: after the SMSC field, first octet, TP-OA (length in semi-octets) and TP-PID."""
    raw = bytearray.fromhex(pdu)
    position = 1 + raw[0] + 1
    position += 2 + (raw[position] + 1) // 2 + 1
    raw[position] = dcs
    return raw.hex().upper()


@pytest.mark.parametrize(
    ("dcs", "encoding"),
    [
        (0xF4, PayloadEncoding.DATA),  # 8-bit data, class 0 (gsmmodem: GSM-7)
        (0xF6, PayloadEncoding.DATA),  # 8-bit data, class 2 (gsmmodem: GSM-7)
        (0x48, PayloadEncoding.UCS2),  # UCS-2 marked for automatic deletion (gsmmodem: GSM-7)
        (0xE0, PayloadEncoding.UCS2),  # UCS-2 with a voicemail-waiting indication (gsmmodem: GSM-7)
        (0x24, PayloadEncoding.DATA),  # compressed: kept as bytes
        (0x10, PayloadEncoding.GSM7),  # class 0 ("flash") GSM-7
        (0xF0, PayloadEncoding.GSM7),
        (0xD0, PayloadEncoding.GSM7),  # message waiting, store, GSM-7
        (0x0C, PayloadEncoding.GSM7),  # reserved alphabet: TS 23.038 says read it as GSM-7
    ],
)
def test_every_coding_group_names_its_alphabet(dcs: int, encoding: PayloadEncoding) -> None:
    assert encoding_of(dcs) is encoding
    source = {PayloadEncoding.DATA: DCS_8BIT, PayloadEncoding.UCS2: DCS_UCS2}.get(encoding, DCS_GSM7)
    if source == DCS_8BIT:
        pdu = deliver(smsc="", sender=SENDER, data=b"ABC", dcs=source, sent=SENT).hex
    else:
        pdu = build("ABC", dcs=source)
    part = decode_received(_with_dcs(pdu, dcs))
    assert part.encoding is encoding
    if encoding is PayloadEncoding.DATA:
        assert part.payload == b"ABC"
    else:
        assert payload_text(encoding, part.payload) == "ABC"


def test_escape_rules_of_23038() -> None:
    septets = bytes([0x41, 0x1B, 0x41, 0x1B])  # ESC + unmapped 'A' → 'A'; a lone ESC at the end → space
    assert payload_text(PayloadEncoding.GSM7, septets) == "AA "


# Real PDUs (python-gsmmodem's test suite; texts as the messages carried them).
CAPTURED = [
    (
        "06917228195339040B917228214365F700003130805120618005D4F29C2E03",
        "+27821234567", "Test2", datetime(2013, 3, 8, 13, 2, 16, tzinfo=UTC), None,
    ),
    (
        "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF2"
        "7C1E3E97E7207B3A0C0A5241E377BB1D7693E72E",
        "+85291234567", "It is easy to read text messages via AT commands.",
        datetime(2007, 4, 12, 15, 25, 42, tzinfo=UTC), None,
    ),
    (
        "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910",
        "+27821234567", "@{tést}!", None, None,
    ),
    (
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB06"
        "0319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B"
        "068BCD5C20",
        "2781188", "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ",
        None, Concatenation(0xC3, 8, 1, 1),
    ),
    (
        "07919762020033F1400DD0CDF2396C7EBB010008415072411084618C0500035602010053004D005300200063006F00640065"
        "003A00200034003800350036002C00200063006F006E006600690072006D006100740069006F006E0020006F006600200061"
        "00730073006F00630069006100740069006F006E0020006200650074007700650065006E0020006100630063006F0075006E"
        "007400200061006E00640020004D00650067",
        "Megafon", "SMS code: 4856, confirmation of association between account and Meg",
        datetime(2014, 5, 27, 10, 1, 48, tzinfo=UTC), Concatenation(0x56, 8, 2, 1),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("pdu", "sender", "text", "sent", "concat"), CAPTURED)
def test_captured_pdus(
    pdu: str, sender: str, text: str, sent: datetime | None, concat: Concatenation | None
) -> None:
    part = decode_received(pdu)
    assert (part.sender, payload_text(part.encoding, part.payload), part.concat) == (sender, text, concat)
    if sent is not None:
        assert part.scts == sent


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "zz",
        "0006D60B911326880736F4111011719551401110117195714000",  # a status report, not a DELIVER
        "00040B915752000000F100006210",  # truncated inside the time stamp
        "00040B915752000000F100006210101200000005C8",  # TP-UDL 5 septets, one octet of text
        "00440B915752000000F1000062101012000000050A0003",  # UDHI with a header running past the PDU
        "00040B915752000000F10000629999120000000141",  # month 99
        "000415915752000000000000000000000000000000000000000062101012000000000141",  # a 21-digit sender
    ],
)
def test_garbage_is_a_pdu_error(bad: str) -> None:
    with pytest.raises(PduError):
        decode_received(bad)


def test_an_element_with_zero_parts_is_ignored_as_23040_says() -> None:
    part = decode_received(build("x", concat=(7, 2, 1)).replace("0003070201", "0003070001"))
    assert part.concat is None


def test_the_collection_seam_classifies_through_the_guard() -> None:
    sms = decode_deliver(build("a\fb§", concat=(0x1234, 2, 1), sixteen_bit=True))
    assert (sms.text, sms.concat) == ("a\fb§", (0x1234, 2, 1))
