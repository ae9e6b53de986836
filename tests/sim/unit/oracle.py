"""Independent PDU code for the tests: an SMS-SUBMIT encoder and an SMS-STATUS-REPORT decoder.

Written from TS 23.040/23.038 without importing the simulator's PDU modules, so the tests check
the simulator against a second reading of the standard rather than against itself.
"""

from __future__ import annotations

from dataclasses import dataclass

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}


def septets(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        if ch in EXTENDED:
            out += [0x1B, EXTENDED[ch]]
        else:
            out.append(BASIC.index(ch))
    return out


def pack7(values: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets LSB first after ``fill_bits`` zero bits, the textbook bit-stream way."""
    bits = [0] * fill_bits
    for value in values:
        bits += [(value >> i) & 1 for i in range(7)]
    while len(bits) % 8:
        bits.append(0)
    return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


def semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex("".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2)))


def address(number: str) -> bytes:
    digits = number.lstrip("+")
    return bytes([len(digits), 0x91 if number.startswith("+") else 0x81]) + semi_octets(digits)


@dataclass(frozen=True)
class Pdu:
    hex: str
    length: int  # TPDU octets: the AT+CMGS argument


def submit(
    number: str,
    text: str,
    *,
    ucs2: bool = False,
    srr: bool = True,
    concat: tuple[int, int, int] | None = None,
    concat16: bool = False,
    smsc: str | None = None,
    vp: int | None = 0xA7,
    mr: int = 0,
) -> Pdu:
    """Build an SMS-SUBMIT by hand (TS 23.040 §9.2.2.2)."""
    udh = b""
    if concat is not None:
        ref, total, seq = concat
        if concat16:
            udh = bytes([6, 0x08, 4, ref >> 8, ref & 0xFF, total, seq])
        else:
            udh = bytes([5, 0x00, 3, ref, total, seq])
    if ucs2:
        user_data = udh + text.encode("utf-16-be")
        udl = len(user_data)
        dcs = 0x08
    else:
        header_septets = (len(udh) * 8 + 6) // 7
        fill = header_septets * 7 - len(udh) * 8
        body = pack7(septets(text), fill)
        user_data = udh + body
        udl = header_septets + len(septets(text))
        dcs = 0x00
    first = 0x01 | (0x20 if srr else 0) | (0x40 if udh else 0) | (0x10 if vp is not None else 0)
    tpdu = bytes([first, mr]) + address(number) + bytes([0x00, dcs])
    tpdu += bytes([vp]) if vp is not None else b""
    tpdu += bytes([udl]) + user_data
    sca = (
        b"\x00"
        if smsc is None
        else bytes([len(semi_octets(smsc.lstrip("+"))) + 1, 0x91]) + semi_octets(smsc.lstrip("+"))
    )
    return Pdu((sca + tpdu).hex().upper(), len(tpdu))


@dataclass(frozen=True)
class Report:
    mr: int
    recipient: str
    scts: str
    dt: str
    st: int


def _swapped(data: bytes) -> str:
    return "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in data)


def decode_report(pdu_hex: str) -> Report:
    """Decode an SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) into raw fields."""
    data = bytes.fromhex(pdu_hex)
    pos = data[0] + 1
    first = data[pos]
    assert first & 0x03 == 0b10, f"not a status report: FO {first:#04x}"
    mr = data[pos + 1]
    ra_len, toa = data[pos + 2], data[pos + 3]
    ra_octets = (ra_len + 1) // 2
    digits = _swapped(data[pos + 4 : pos + 4 + ra_octets])[:ra_len]
    recipient = ("+" if (toa >> 4) & 7 == 1 else "") + digits
    pos += 4 + ra_octets
    scts, dt, st = _swapped(data[pos : pos + 7]), _swapped(data[pos + 7 : pos + 14]), data[pos + 14]
    return Report(mr, recipient, scts, dt, st)


def text7(values: list[int]) -> str:
    """Decode septets with the default alphabet and extension table."""
    reverse = {code: ch for ch, code in EXTENDED.items()}
    out: list[str] = []
    escaped = False
    for value in values:
        if escaped:
            out.append(reverse.get(value, BASIC[value]))
            escaped = False
        elif value == 0x1B:
            escaped = True
        else:
            out.append(BASIC[value])
    return "".join(out)


@dataclass(frozen=True)
class Deliver:
    sender: str
    toa: int
    dcs: int
    scts: str
    concat: tuple[int, int, int] | None  # (reference, total, part)
    reference_bits: int | None
    text: str  # GSM-7 or UCS-2 text; hex for 8-bit data


def _header(user_data: bytes) -> tuple[int, tuple[int, int, int] | None, int | None]:
    """Return the header length (with UDHL) and the concatenation element of a UDH."""
    length = user_data[0] + 1
    pos = 1
    while pos < length:
        iei, size = user_data[pos], user_data[pos + 1]
        value = user_data[pos + 2 : pos + 2 + size]
        if iei == 0x00:
            return length, (value[0], value[1], value[2]), 8
        if iei == 0x08:
            return length, (value[0] << 8 | value[1], value[2], value[3]), 16
        pos += 2 + size
    return length, None, None


def decode_deliver(pdu_hex: str) -> Deliver:
    """Decode an SMS-DELIVER (TS 23.040 §9.2.2.1) with its SMSC field, the textbook way."""
    data = bytes.fromhex(pdu_hex)
    pos = data[0] + 1
    first = data[pos]
    assert first & 0x03 == 0, f"not an SMS-DELIVER: FO {first:#04x}"
    oa_len, toa = data[pos + 1], data[pos + 2]
    oa = data[pos + 3 : pos + 3 + (oa_len + 1) // 2]
    if toa & 0x70 == 0x50:  # alphanumeric: GSM-7 packed
        bits = int.from_bytes(oa, "little")
        sender = text7([(bits >> (7 * i)) & 0x7F for i in range(oa_len * 4 // 7)])
    else:
        sender = ("+" if toa & 0x70 == 0x10 else "") + _swapped(oa)[:oa_len]
    pos += 3 + len(oa)
    dcs = data[pos + 1]
    scts = _swapped(data[pos + 2 : pos + 9])
    udl, user_data = data[pos + 9], data[pos + 10 :]
    header, concat, bits_ref = (0, None, None)
    if first & 0x40:
        header, concat, bits_ref = _header(user_data)
    if dcs == 0x08:
        text = user_data[header:].decode("utf-16-be")
    elif dcs == 0x04:
        text = user_data[header:].hex()
    else:
        stream = int.from_bytes(user_data, "little")
        skip = (header * 8 + 6) // 7
        text = text7([(stream >> (7 * i)) & 0x7F for i in range(skip, udl)])
    return Deliver(sender, toa, dcs, scts, concat, bits_ref, text)
