"""Strings in the TE character set of ``AT+CSCS`` (27.007 §5.5).

With ``+CSCS="UCS2"`` every string parameter is hex UTF-16: ``AT+CSCA?`` answers
``"002B0032…"`` and ``AT+CMGS`` expects the number that way too. python-gsmmodem switches the
character set before each send (reference §1.3), so a driver must cope with it.
"""

from __future__ import annotations


def to_te(charset: str, text: str) -> str:
    """Render ``text`` for the TE in ``charset``."""
    if charset == "UCS2":
        return text.encode("utf-16-be").hex().upper()
    return text


def from_te(charset: str, raw: str) -> str:
    """Read a string parameter the TE sent in ``charset``.

    :raises ValueError: for a UCS2 string that is not hex UTF-16.
    """
    if charset != "UCS2":
        return raw
    try:
        return bytes.fromhex(raw).decode("utf-16-be")
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise ValueError(f"{raw!r} is not a UCS2 hex string") from exc
