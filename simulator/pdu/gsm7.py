"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), with packing.

Septets are packed least-significant bit first (TS 23.038 §6.1.2.1.1). When a User Data Header
precedes the text, the text starts on the next septet boundary; the bits in between are fill
bits (TS 23.040 §9.2.3.24), which :func:`pack` and :func:`unpack` handle through ``udh_octets``.
"""

from __future__ import annotations

from typing import Final

ESCAPE: Final = 0x1B

# fmt: off
DEFAULT_ALPHABET: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# fmt: on
EXTENSION: Final[dict[int, str]] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_TO_SEPTET: Final = {char: code for code, char in enumerate(DEFAULT_ALPHABET) if code != ESCAPE}
_TO_EXTENSION: Final = {char: code for code, char in EXTENSION.items()}

assert len(DEFAULT_ALPHABET) == 128  # noqa: S101 - guards the table above against typos


def septets_needed(text: str) -> int | None:
    """Return how many septets ``text`` takes in GSM-7 (escapes count 2), or None if it cannot."""
    count = 0
    for char in text:
        if char in _TO_SEPTET:
            count += 1
        elif char in _TO_EXTENSION:
            count += 2
        else:
            return None
    return count


def encode(text: str) -> list[int]:
    """Return the septets of ``text``.

    :raises ValueError: for a character outside the default alphabet and its extension.
    """
    septets: list[int] = []
    for char in text:
        if char in _TO_SEPTET:
            septets.append(_TO_SEPTET[char])
        elif char in _TO_EXTENSION:
            septets += [ESCAPE, _TO_EXTENSION[char]]
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit alphabet")
    return septets


def decode(septets: list[int]) -> str:
    """Return the text of ``septets``.

    An escape before an unknown code shows the default-alphabet character, and a trailing escape
    a space, as TS 23.038 §6.2.1.1 tells a receiver to do.
    """
    out: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            out.append(EXTENSION.get(septet, DEFAULT_ALPHABET[septet] if septet != ESCAPE else " "))
            escaped = False
        elif septet == ESCAPE:
            escaped = True
        else:
            out.append(DEFAULT_ALPHABET[septet])
    if escaped:
        out.append(" ")
    return "".join(out)


def header_septets(udh_octets: int) -> int:
    """Return how many septets a UDH of ``udh_octets`` (including UDHL) occupies with fill bits."""
    return (udh_octets * 8 + 6) // 7


def pack(septets: list[int], udh: bytes = b"") -> bytes:
    """Pack ``septets`` after an optional UDH (``udh`` includes its UDHL octet)."""
    offset = header_septets(len(udh))
    value = 0
    for index, septet in enumerate(septets):
        value |= (septet & 0x7F) << (7 * (index + offset))
    total_bits = 7 * (len(septets) + offset)
    packed = bytearray(value.to_bytes((total_bits + 7) // 8, "little"))
    packed[: len(udh)] = udh
    return bytes(packed)


def unpack(data: bytes, septet_count: int, udh_octets: int = 0) -> list[int]:
    """Unpack ``septet_count`` septets (the UDL, which counts the header too) and drop the header.

    :raises ValueError: when ``data`` is too short to hold ``septet_count`` septets.
    """
    if len(data) < (septet_count * 7 + 7) // 8:
        raise ValueError(f"{len(data)} octets cannot hold {septet_count} septets")
    value = int.from_bytes(data, "little")
    skip = header_septets(udh_octets)
    return [(value >> (7 * index)) & 0x7F for index in range(skip, septet_count)]
