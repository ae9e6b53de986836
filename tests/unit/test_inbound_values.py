"""Keywords as people type them, and joining the parts of a received message (with gaps)."""

from __future__ import annotations

import pytest

from gsmgateway.core.inbound import Keyword, keyword_of
from gsmgateway.core.inbound import PayloadEncoding as E
from gsmgateway.messages.inbound import GAP, assemble

WORDS = {"opt_out": ("STOP", "Acha"), "opt_in": ("START",)}


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", Keyword.OPT_OUT),
        ("stop", Keyword.OPT_OUT),
        ("  Stop\n", Keyword.OPT_OUT),
        ("STÖP", Keyword.OPT_OUT),  # accents do not matter
        ("\uff33\uff34\uff2f\uff30", Keyword.OPT_OUT),  # nor full-width letters (NFKD)
        ("acha", Keyword.OPT_OUT),  # a configured word in another language
        ("Start", Keyword.OPT_IN),
        ("stop please", None),
        ("STOP.", None),  # the whole message, nothing else
        ("", None),
        (None, None),
    ],
)
def test_keywords(text: str | None, keyword: Keyword | None) -> None:
    assert keyword_of(text, opt_out=WORDS["opt_out"], opt_in=WORDS["opt_in"]) is keyword


def _septets(text: str) -> bytes:
    return text.encode("ascii")  # lower-case letters, digits and space are their own GSM-7 septets


def test_parts_join_before_decoding_and_gaps_show() -> None:
    escape_split = [(1, E.GSM7, _septets("ab") + b"\x1b"), (2, E.GSM7, b"\x65" + _septets("cd"))]
    assert assemble(escape_split, 2) == ("ab€cd", None)  # ESC at the end of part 1, € code in part 2
    assert assemble([(1, E.GSM7, _septets("ab")), (3, E.GSM7, _septets("ef"))], 4) == (
        f"ab{GAP}ef{GAP}",
        None,
    )
    mixed = [(1, E.GSM7, _septets("ok ")), (2, E.UCS2, "😀".encode("utf-16-be"))]
    assert assemble(mixed, 2) == ("ok 😀", None)
    data = [(1, E.DATA, b"\x01\x02"), (2, E.DATA, b"\xff")]
    assert assemble(data, 2) == (None, "0102FF")
