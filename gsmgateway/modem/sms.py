r"""Pure SMS text rules: which alphabet a text needs and how it splits into parts.

Shared by the API/store side (the "max parts" rule, cost estimates) and by the PDU adapter, so the
number of parts promised when a message is accepted is exactly the number the modem sends.

Rules (3GPP TS 23.038 §6.2.1, TS 23.040 §9.2.3.24.1):

* GSM-7 when every character is in the default alphabet or its extension table. A basic character
  costs one septet, an extension character (``^{}\[~]|€`` and form feed) two (ESC + code), and an
  escape pair is never split across parts. One part holds 160 septets; a concatenated part 153
  (the 6-octet concatenation header costs 7 septets).
* UCS-2 (really UTF-16BE) otherwise. Length is counted in UTF-16 code units, so a character
  outside the BMP (an emoji) costs two, and a surrogate pair is never split across parts. One part
  holds 70 units; a concatenated part 67.

The GSM-7 table here is our own copy of TS 23.038: ``gsmmodem.pdu``'s table has ``'`'`` where the
standard has ``'§'`` and maps ``'ÿ'`` (U+00FF) to an int, so we never ask it which characters fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

#: TS 23.038 default alphabet, indexed by septet value. 0x1B is the escape to the extension table
#: and is not a character a text may contain (it is left out of :data:`GSM7_CHARS`).
GSM7_BASIC: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: TS 23.038 extension table: character → septet value that follows the ESC (0x1B).
GSM7_EXTENSION: Final[dict[str, int]] = {
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
GSM7_ESCAPE: Final = 0x1B
GSM7_CODES: Final[dict[str, int]] = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != GSM7_ESCAPE}

GSM7_SINGLE_PART: Final = 160
GSM7_MULTI_PART: Final = 153
UCS2_SINGLE_PART: Final = 70
UCS2_MULTI_PART: Final = 67
#: The 8-bit concatenation header counts parts in one octet.
MAX_PARTS: Final = 255


class Encoding(StrEnum):
    """The alphabet of a message (TP-DCS 0x00 or 0x08)."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class Segmentation:
    """How one text is sent: its alphabet and the text of every part, in order.

    ``units`` is the total length in the alphabet's units (septets for GSM-7, UTF-16 code units for
    UCS-2), which is what a per-part limit is measured in.
    """

    encoding: Encoding
    parts: tuple[str, ...]
    units: int

    @property
    def part_count(self) -> int:
        """Number of SMS the text costs."""
        return len(self.parts)

    @property
    def concatenated(self) -> bool:
        """True when the parts carry a concatenation header."""
        return len(self.parts) > 1


def gsm7_cost(char: str) -> int | None:
    """Return the septets ``char`` costs in GSM-7 (1 or 2), or None when GSM-7 cannot carry it."""
    if char in GSM7_CODES:
        return 1
    if char in GSM7_EXTENSION:
        return 2
    return None


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` fits the GSM-7 alphabet (with extension table)."""
    return all(gsm7_cost(ch) is not None for ch in text)


def ucs2_cost(char: str) -> int:
    """Return the UTF-16 code units ``char`` costs: 2 outside the BMP (a surrogate pair), else 1."""
    return 2 if ord(char) > 0xFFFF else 1


def segment(text: str) -> Segmentation:
    """Split ``text`` into the parts it will be sent as.

    Never fails: every Python string has a UCS-2 (UTF-16) form. Lone surrogates, which cannot be
    sent, are the PDU adapter's to reject.
    """
    if is_gsm7(text):
        costs = [gsm7_cost(ch) or 0 for ch in text]
        return _split(text, costs, Encoding.GSM7, GSM7_SINGLE_PART, GSM7_MULTI_PART)
    costs = [ucs2_cost(ch) for ch in text]
    return _split(text, costs, Encoding.UCS2, UCS2_SINGLE_PART, UCS2_MULTI_PART)


def count_parts(text: str) -> int:
    """Return how many SMS ``text`` costs (an empty text still costs one)."""
    return segment(text).part_count


def _split(text: str, costs: list[int], encoding: Encoding, single: int, multi: int) -> Segmentation:
    """Cut ``text`` greedily so no part exceeds its limit and no character is cut in two."""
    total = sum(costs)
    if total <= single:
        return Segmentation(encoding, (text,), total)
    parts: list[str] = []
    start = 0
    used = 0
    for index, cost in enumerate(costs):
        if used + cost > multi:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    return Segmentation(encoding, tuple(parts), total)
