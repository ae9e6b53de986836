"""Phone numbers: one normalisation on the way in, one mask on the way out, one address form.

* :func:`normalise_number` turns what people and Fineract type (spaces, trunk ``0``, ``00``) into
  ``+<digits>`` once, when a number enters (directory API, CSV import, Fineract answers, the
  Fineract compatibility endpoints, status reports), so the number on a message, on its parts and
  in a report compare as plain strings.
* :func:`mask_number` is what the API shows without the ``sms:read-numbers`` scope and what logs at
  INFO and above may carry: the last three digits.
* :func:`is_international_address` is the form the network takes as it is (a PDU's destination,
  the SMS centre): no normalising, only a check.
"""

from __future__ import annotations

import re
from typing import Final, overload

from gsmgateway.core.errors import InvalidNumberError

_SEPARATORS: Final = re.compile(r"[\s\-.()/]")
_MIN_DIGITS: Final = 7
_MAX_DIGITS: Final = 15  # E.164
_INTERNATIONAL: Final = re.compile(r"\+[0-9]{6,15}")
VISIBLE_DIGITS: Final = 3


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


def is_international_address(text: str) -> bool:
    """Whether ``text`` is ``+`` and 6-15 ASCII digits, nothing around or between them."""
    return _INTERNATIONAL.fullmatch(text) is not None


@overload
def mask_number(number: str, *, visible: int = ...) -> str: ...
@overload
def mask_number(number: None, *, visible: int = ...) -> None: ...
def mask_number(number: str | None, *, visible: int = VISIBLE_DIGITS) -> str | None:
    """Return ``number`` with every digit but the last ``visible`` replaced by ``*`` (``+*********678``).

    Separators and the ``+`` stay, so the shape of the number is still recognisable.
    """
    if number is None:
        return None
    if number[1:].isdigit() and number[:1] == "+" and len(number) > visible:  # the normalised form
        return "+" + "*" * (len(number) - 1 - visible) + number[-visible:]
    digits_seen = 0
    out: list[str] = []
    for ch in reversed(number):
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen <= visible else "*")
        else:
            out.append(ch)
    return "".join(reversed(out))


_LOOSE_INTERNATIONAL = re.compile(r"\+\d{6,15}(?!\d)")


def mask_numbers_in(text: str) -> str:
    """Return ``text`` with every ``+digits`` number in it masked like :func:`mask_number`.

    The log formatter's safety net: whatever a log line or a traceback quotes, an international
    number (the form the gateway stores every number in) shows its last digits only.
    """
    return _LOOSE_INTERNATIONAL.sub(lambda found: mask_number(found.group(0)), text)
