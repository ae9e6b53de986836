"""Whole numbers read from text that came from outside: a URL, a form, a config value, a modem line.

``str.isdigit`` is the wrong test for them: it accepts ``"²"`` and other Unicode digits, which
``int`` then refuses (a 500 instead of a 400) or reads as a different number (``"٣"`` is 3). Every
parser of such text asks :func:`ascii_decimal` instead: ASCII ``0``-``9`` only, no sign, space or
``_``, and never more digits than the largest id a store column holds.
"""

from __future__ import annotations

from typing import Final

MAX_BIG_INTEGER: Final = 2**63 - 1  # a BIGINT column's largest value (ids, cursors)


def is_ascii_decimal(text: str) -> bool:
    """Return whether ``text`` is one or more ASCII digits and nothing else."""
    return text.isascii() and text.isdigit()


def ascii_decimal(text: str, *, maximum: int = MAX_BIG_INTEGER) -> int | None:
    """Return ``text`` as a whole number if it is ASCII digits up to ``maximum``, else None."""
    if not is_ascii_decimal(text) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None
