"""Phone number normalisation: every number is turned into ``+<digits>`` once, on the way in.

Directory entries (API, CSV import, Fineract answers) are normalised before they are stored or
cached, so the number on a message, on its parts and in a status report compare as plain strings.
"""

from __future__ import annotations

import re

from gsmgateway.core.errors import InvalidNumberError

_SEPARATORS = re.compile(r"[\s\-.()/]")
_MIN_DIGITS = 7
_MAX_DIGITS = 15  # E.164


def normalise_number(raw: str, *, default_country_code: str = "", field: str | None = None) -> str:
    """Return ``raw`` as ``+<country code><number>``.

    ``+255 712 345-678`` and ``00255712345678`` keep their country code; a national number with a
    trunk ``0`` (``0712345678``) takes ``default_country_code``; bare digits (``255712345678``, as
    Fineract often stores them) are read as international.

    :raises InvalidNumberError: letters, too few or too many digits, or a national number when no
        default country code is configured.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text.startswith("0"):
        if not default_country_code:
            raise InvalidNumberError(
                f"{raw!r} is a national number and no default country code is configured", field=field
            )
        digits = default_country_code + text[1:]
    else:
        digits = text
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumberError(f"{raw!r} is not a phone number", field=field)
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        raise InvalidNumberError(f"{raw!r} has {len(digits)} digits; expected 7 to 15", field=field)
    return "+" + digits


def mask_number(number: str, *, visible: int = 3) -> str:
    """Hide all but the last ``visible`` digits (``+255712345678`` → ``*********678``)."""
    if len(number) <= visible:
        return "*" * len(number)
    return "*" * (len(number) - visible) + number[-visible:]
