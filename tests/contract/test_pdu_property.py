"""Property: any text encodes into parts the simulator's independent decoder reads back exactly.

The simulator shares no PDU code with the driver, so agreement here is evidence, not tautology.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gsmgateway.modem.pdu import encode_sms
from gsmgateway.modem.sms import Encoding
from simulator.pdu.submit import Submit, decode_submit, reassemble

NUMBER = "+255700000001"
# Any character that can exist in a valid str of Unicode text (lone surrogates cannot be sent).
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=500)
GSM_HEAVY = st.text(alphabet=st.sampled_from("abc XYZ019@£$¥èΔ_ÆÉ§¿äà\n\r{}[]~|^€\\\f"), max_size=500)


def decoded(text: str, ref: int) -> list[Submit]:
    parts = encode_sms(NUMBER, text, concat_ref=ref)
    submits = [decode_submit(p.pdu_hex, p.tpdu_length, mr=i) for i, p in enumerate(parts)]
    for part, submit in zip(parts, submits, strict=True):
        assert submit.recipient == NUMBER
        assert submit.status_report_requested
        assert submit.validity is not None
        assert submit.pdu_mr == 0
        limit = {Encoding.GSM7: 160, Encoding.UCS2: 140}[part.encoding]
        if part.total > 1:
            assert submit.concat == (ref, part.total, part.seq)
            limit = {Encoding.GSM7: 153, Encoding.UCS2: 134}[part.encoding]
        assert len(submit.payload) <= limit
        assert submit.part_text == part.text
    return submits


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(0, 255))
@example("Hello 😀 world", 7)
@example("café ÿ", 8)
@example("😀" * 40, 9)
@example("ж" * 66 + "😀" * 5, 10)
@example("a" * 152 + "€" + "b" * 200, 11)
@example("back`tick §", 12)
def test_any_text_round_trips_through_the_simulators_decoder(text: str, ref: int) -> None:
    submits = decoded(text, ref)
    (message,) = reassemble(submits)
    assert message.text == text
    assert message.recipient == NUMBER


@settings(max_examples=80, deadline=None)
@given(GSM_HEAVY)
def test_escape_heavy_gsm7_round_trips(text: str) -> None:
    (message,) = reassemble(decoded(text, 42))
    assert message.text == text
