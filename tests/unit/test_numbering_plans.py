"""Typed numbers read by national plan: examples of our own, and libphonenumber as a second source.

The examples are numbers in the form people and Fineract store them in each country (national
with and without the trunk prefix, international without ``+``); the expected E.164 form is
written out by hand, and ``phonenumbers`` (Google's libphonenumber) must agree with it, so a
mistake cannot hide in one table shared by test and code.
"""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import PhoneMetadata

from gsmgateway.core.errors import InvalidNumberError
from gsmgateway.core.numbering_plans import PLANS
from gsmgateway.core.numbers import normalise_number

# (default country code, ISO region, as typed, E.164)
NATIONAL_EXAMPLES = [
    ("255", "TZ", "0754 123 456", "+255754123456"),
    ("255", "TZ", "754123456", "+255754123456"),
    ("254", "KE", "0712 345 678", "+254712345678"),
    ("254", "KE", "0110 123 456", "+254110123456"),
    ("254", "KE", "712345678", "+254712345678"),
    ("256", "UG", "0772 123 456", "+256772123456"),
    ("250", "RW", "0788 123 456", "+250788123456"),
    ("234", "NG", "0803 123 4567", "+2348031234567"),
    ("234", "NG", "8031234567", "+2348031234567"),
    ("233", "GH", "024 123 4567", "+233241234567"),
    ("221", "SN", "77 123 45 67", "+221771234567"),
    ("91", "IN", "098765 43210", "+919876543210"),
    ("91", "IN", "98765 43210", "+919876543210"),
    ("880", "BD", "01712-345678", "+8801712345678"),
    ("92", "PK", "0300 1234567", "+923001234567"),
    ("977", "NP", "984-1234567", "+9779841234567"),
    ("63", "PH", "0917 123 4567", "+639171234567"),
    ("855", "KH", "012 345 678", "+85512345678"),
    ("95", "MM", "09 4501 23456", "+959450123456"),
    ("95", "MM", "09 212 3456", "+9592123456"),
    ("52", "MX", "55 1234 5678", "+525512345678"),
]


@pytest.mark.parametrize(("country", "region", "typed", "e164"), NATIONAL_EXAMPLES)
def test_national_numbers_are_read_with_the_configured_country(
    country: str, region: str, typed: str, e164: str
) -> None:
    assert normalise_number(typed, default_country_code=country) == e164
    parsed = phonenumbers.parse(typed, region)
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
    assert phonenumbers.is_valid_number(parsed)


@pytest.mark.parametrize(
    ("country", "typed", "e164"),
    [
        ("255", "255712345678", "+255712345678"),  # bare international, as Fineract often stores it
        ("255", "254712345678", "+254712345678"),  # a neighbour's number: too long to be national
        ("91", "+95 1234 5678", "+9512345678"),  # explicit + is never reinterpreted
        ("", "255712345678", "+255712345678"),  # no country configured: a listed code still reads
        ("44", "00447911123456", "+447911123456"),  # 00 is the international prefix
    ],
)
def test_international_numbers_keep_their_country(country: str, typed: str, e164: str) -> None:
    assert normalise_number(typed, default_country_code=country) == e164


@pytest.mark.parametrize(
    ("country", "typed", "said"),
    [
        ("91", "9512345678", "ambiguous"),  # Indian mobile 95123 45678, or Myanmar +95 1234 5678
        ("234", "9512345678", "ambiguous"),  # Nigerian 10-digit national, or Myanmar again
        ("", "712345678", "set directory.default_country_code"),  # Fineract data without a country
        ("", "0712345678", "set directory.default_country_code"),
        ("255", "2557123456", "neither a national"),  # 10 digits: not TZ national, not TZ international
        ("255", "07123456", "neither a national"),  # a digit short
        ("44", "07911123456", "has no numbering plan"),  # a country we hold no plan for: never guess
        ("221", "0771234567", "neither a national"),  # Senegal has no trunk 0
    ],
)
def test_a_number_that_reads_both_ways_or_neither_is_refused_saying_what_to_change(
    country: str, typed: str, said: str
) -> None:
    with pytest.raises(InvalidNumberError, match=said) as caught:
        normalise_number(typed, default_country_code=country)
    assert "write it with + and the country code" in str(caught.value) or "set directory" in str(caught.value)
    assert typed.replace(" ", "")[:-3] not in str(caught.value)  # only the last 3 digits are named


@pytest.mark.parametrize("country", sorted(PLANS))
def test_each_plan_matches_libphonenumber(country: str) -> None:
    plan = PLANS[country]
    region = phonenumbers.region_code_for_country_code(int(country))
    metadata = PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    assert region == plan.country
    assert (metadata.national_prefix or "") == plan.trunk_prefix
    assert set(metadata.mobile.possible_length) == set(plan.mobile_lengths)
