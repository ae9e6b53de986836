"""Phone numbers: one normalisation on the way in, one mask on the way out, one address form.

* :func:`normalise_number` turns what people and Fineract type (spaces, trunk ``0``, ``00``, bare
  national digits, read by the country's numbering plan) into ``+<digits>``
  once, when a number enters (directory API, CSV import, Fineract answers, the
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
from gsmgateway.core.numbering_plans import NumberingPlan, plan_for, plan_of_international

_SEPARATORS: Final = re.compile(r"[\s\-.()/]")
_MIN_DIGITS: Final = 7
_MAX_DIGITS: Final = 15  # E.164
_INTERNATIONAL: Final = re.compile(r"\+[0-9]{6,15}")
VISIBLE_DIGITS: Final = 3


def normalise_number(raw: str, *, default_country_code: str = "", field: str | None = None) -> str:
    """Return ``raw`` as ``+<country code><national number>``.

    ``+255 712 345-678`` and ``00255712345678`` say their country code. Digits without it are read
    with the numbering plan of ``default_country_code`` (:mod:`gsmgateway.core.numbering_plans`):
    the trunk prefix and a national mobile length (``0712345678``, ``712345678`` → ``+255712345678``)
    make a national number; a length no national number has, with a listed country code in front
    (``255712345678``), an international one. Digits that read both ways, or neither, are refused
    rather than guessed: a wrong guess texts a stranger.

    :raises InvalidNumberError: letters, too few or too many digits, a national number without a
        usable ``default_country_code``, or digits that are ambiguous; the message says what to change.
    """
    text = _SEPARATORS.sub("", raw.strip())
    explicit = text.startswith(("+", "00"))
    digits = text[1:] if text.startswith("+") else text[2:] if explicit else text
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumberError(f"{mask_number(raw)!r} is not a phone number", field=field)
    if not explicit:
        digits = _read_bare(digits, default_country_code, field=field)
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        raise InvalidNumberError(
            f"number ending {digits[-VISIBLE_DIGITS:]} has {len(digits)} digits with its country code; "
            f"expected {_MIN_DIGITS} to {_MAX_DIGITS}",
            field=field,
        )
    return "+" + digits


def _read_bare(digits: str, default_country_code: str, *, field: str | None) -> str:
    """Return country code + national number for digits typed without ``+`` or ``00``."""
    tail = digits[-VISIBLE_DIGITS:]
    home = plan_for(default_country_code)
    national = _national_reading(digits, home)
    abroad = plan_of_international(digits)
    international = abroad is not None and len(digits) - len(abroad.country_code) in abroad.mobile_lengths
    if national is not None and international:
        assert abroad is not None  # noqa: S101 - implied by international
        raise InvalidNumberError(
            f"number ending {tail} is ambiguous: it reads as a national number of +{default_country_code} "
            f"and as an international one of +{abroad.country_code}; write it with + and the country code",
            field=field,
        )
    if national is not None:
        return national
    if international:
        return digits
    raise InvalidNumberError(_unreadable(digits, default_country_code, home), field=field)


def _national_reading(digits: str, home: NumberingPlan | None) -> str | None:
    """Return the number as national of ``home`` (trunk prefix and mobile length), or None."""
    if home is None:
        return None
    trunk = home.trunk_prefix
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in home.mobile_lengths:
        return home.country_code + digits[len(trunk) :]
    if len(digits) in home.mobile_lengths and not (trunk and digits.startswith(trunk)):
        return home.country_code + digits
    return None


def _unreadable(digits: str, default_country_code: str, home: NumberingPlan | None) -> str:
    """Say why bare ``digits`` have no reading, and what to change."""
    tail = digits[-VISIBLE_DIGITS:]
    if not default_country_code:
        return (
            f"number ending {tail} has no country code and directory.default_country_code is not set; "
            "write it with + and the country code, or set directory.default_country_code"
        )
    if home is None:
        return (
            f"number ending {tail} has no country code, and +{default_country_code} has no numbering plan "
            "in gsmgateway (core/numbering_plans.py); write it with + and the country code"
        )
    lengths = "/".join(str(n) for n in sorted(home.mobile_lengths))
    trunk = f" after the trunk prefix {home.trunk_prefix}" if home.trunk_prefix else ""
    return (
        f"number ending {tail} ({len(digits)} digits) is neither a national mobile number of "
        f"+{home.country_code} ({lengths} digits{trunk}) nor an international one; "
        "write it with + and the country code"
    )


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
