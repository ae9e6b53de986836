"""Segmentation rules: alphabet choice, part limits, escape pairs and surrogate pairs kept whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmgateway.modem.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    count_parts,
    gsm7_cost,
    segment,
    ucs2_cost,
)


def test_the_gsm7_table_is_the_standard_one() -> None:
    # TS 23.038: 0x5F is '§' and 0x60 is '¿' (gsmmodem.pdu has '`' at 0x5F).
    assert len(GSM7_BASIC) == 128
    assert GSM7_BASIC[0x5F] == "§"
    assert GSM7_BASIC[0x60] == "¿"
    assert "`" not in GSM7_BASIC


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("", Encoding.GSM7, 1),
        ("a" * 160, Encoding.GSM7, 1),
        ("a" * 161, Encoding.GSM7, 2),
        ("a" * 306, Encoding.GSM7, 2),
        ("a" * 307, Encoding.GSM7, 3),
        ("€" * 80, Encoding.GSM7, 1),
        ("€" * 81, Encoding.GSM7, 2),
        ("ж" * 70, Encoding.UCS2, 1),
        ("ж" * 71, Encoding.UCS2, 2),
        ("😀" * 35, Encoding.UCS2, 1),
        ("😀" * 36, Encoding.UCS2, 2),
        ("caf\u00ff", Encoding.UCS2, 1),
        ("back`tick", Encoding.UCS2, 1),
        ("esc\x1bape", Encoding.UCS2, 1),
        ("§ and \f are GSM", Encoding.GSM7, 1),
    ],
)
def test_alphabet_and_part_count(text: str, encoding: Encoding, parts: int) -> None:
    result = segment(text)
    assert result.encoding is encoding
    assert result.part_count == parts == count_parts(text)
    assert "".join(result.parts) == text


def test_an_escape_pair_is_never_split() -> None:
    text = "a" * 152 + "[" + "b" * 10
    result = segment(text)
    assert result.parts[0] == "a" * 152
    assert result.parts[1].startswith("[")
    assert result.units == 152 + 2 + 10


def test_a_surrogate_pair_is_never_split() -> None:
    text = "ж" * 66 + "😀" + "ж" * 10
    result = segment(text)
    assert result.parts[0] == "ж" * 66
    assert result.parts[1].startswith("😀")
    assert result.concatenated


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400))
def test_any_text_splits_within_the_limits(text: str) -> None:
    result = segment(text)
    assert "".join(result.parts) == text
    if result.encoding is Encoding.GSM7:
        costs = [sum(gsm7_cost(ch) or 99 for ch in part) for part in result.parts]
        single, multi = 160, 153
    else:
        costs = [sum(ucs2_cost(ch) for ch in part) for part in result.parts]
        single, multi = 70, 67
    assert all(cost <= (single if len(costs) == 1 else multi) for cost in costs)
    assert sum(costs) == result.units


def test_extension_table_costs_two_septets() -> None:
    assert all(gsm7_cost(ch) == 2 for ch in GSM7_EXTENSION)
    assert gsm7_cost("a") == 1
    assert gsm7_cost("ÿ") is None
