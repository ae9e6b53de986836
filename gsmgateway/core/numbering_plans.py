"""National numbering plans of the countries the gateway serves: trunk prefix and mobile number lengths.

A number typed without ``+`` (``712345678``, ``0712345678``, ``255712345678``) can only be read safely
when we know how long a national number of the configured country is and which trunk prefix it
dials; :func:`gsmgateway.core.numbers.normalise_number` reads bare digits with this table and
refuses a number that reads both ways. Lengths are of the *national significant number* (the digits
after the country code) of mobile numbers, the only ones that receive SMS.

Source: the ITU-T E.164 national numbering plans each country notified to the ITU (published as
"National Numbering Plans", ITU-T E.164 supplement / Operational Bulletin annexes), checked against
Google libphonenumber's metadata (``tests/unit/test_numbering_plans.py`` compares every row with
the ``phonenumbers`` package). A country not listed here has no national reading at all: its
numbers must carry ``+`` and the country code. Add a country only with its plan at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class NumberingPlan:
    """One country's plan as far as reading a typed mobile number needs it."""

    country_code: str
    country: str  # ISO 3166-1 alpha-2, for messages
    trunk_prefix: str  # dialled before a national number ("0"); "" where the plan has none
    mobile_lengths: frozenset[int]  # digits of a national significant mobile number


def _plan(country_code: str, country: str, trunk_prefix: str, *lengths: int) -> NumberingPlan:
    return NumberingPlan(country_code, country, trunk_prefix, frozenset(lengths))


PLANS: Final[dict[str, NumberingPlan]] = {
    plan.country_code: plan
    for plan in (
        # East Africa
        _plan("255", "TZ", "0", 9),  # 07xx xxx xxx / 06xx xxx xxx
        _plan("254", "KE", "0", 9),  # 07xx xxx xxx / 01xx xxx xxx
        _plan("256", "UG", "0", 9),  # 07xx xxx xxx
        _plan("250", "RW", "0", 9),  # 07xx xxx xxx
        # West Africa
        _plan("234", "NG", "0", 10),  # 080x xxx xxxx
        _plan("233", "GH", "0", 9),  # 02x xxx xxxx / 05x xxx xxxx
        _plan("221", "SN", "", 9),  # 7x xxx xx xx, closed plan: no trunk prefix
        # South Asia
        _plan("91", "IN", "0", 10),  # 9xxxx xxxxx
        _plan("880", "BD", "0", 10),  # 01xxx xxxxxx
        _plan("92", "PK", "0", 10),  # 03xx xxxxxxx
        _plan("977", "NP", "0", 10),  # 98xx xxxxxx
        # South-East Asia
        _plan("63", "PH", "0", 10),  # 09xx xxx xxxx
        _plan("855", "KH", "0", 8, 9),  # 01x xxx xxx / 09x xxx xxxx
        _plan("95", "MM", "0", 7, 8, 9, 10),  # 09 xxx xxxx … 09 xxxx xxxxx
        # Latin America
        _plan("52", "MX", "", 10),  # trunk prefixes 01/044/045 abolished in 2019
    )
}


def plan_for(country_code: str) -> NumberingPlan | None:
    """Return the plan of ``country_code`` (digits, no ``+``), or None when the table lacks it."""
    return PLANS.get(country_code)


def plan_of_international(digits: str) -> NumberingPlan | None:
    """Return the plan whose country code begins ``digits`` (E.164 codes are prefix-free), if listed."""
    for length in (1, 2, 3):
        plan = PLANS.get(digits[:length])
        if plan is not None:
            return plan
    return None
