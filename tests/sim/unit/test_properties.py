"""Property tests: no byte sequence in any chunking crashes the modem or changes its answer."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.device import SimModem
from simulator.faults import (
    CommandMatch,
    FaultPlan,
    Junk,
    JunkPlacement,
    NetworkOutage,
    SendError,
    Silence,
    SilenceStage,
    UrcInResponse,
)
from simulator.network import Outcome
from simulator.pdu import gsm7
from simulator.pdu.encode import split_text
from simulator.pdu.fields import PduFormatError
from simulator.pdu.submit import decode_submit
from simulator.profiles import get_profile, profile_names

from .oracle import submit

# Bytes that exercise the interesting paths: AT commands, prompts, Ctrl-Z, ESC, CR, junk.
FRAGMENTS = st.sampled_from(
    [
        b"AT",
        b"\r",
        b"\n",
        b"\x1a",
        b"\x1b",
        b"A/",
        b"+CMGS=",
        b"23",
        b"+CMGF=1",
        b"+CPIN?",
        b";",
        b'"',
        b"+CNMI=2,1,0,2,0",
        b"+CMGL=4",
        b'+CPMS="SR"',
        b"0031000C91",
        b"E8329BFD",
        b"\xff\xfe",
        b"\x08",
        b"=?",
    ]
)
WIRE = st.lists(st.one_of(FRAGMENTS, st.binary(max_size=8)), max_size=40).map(b"".join)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=80, deadline=None)
@given(
    data=WIRE,
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12),
    profile=st.sampled_from(profile_names()),
)
def test_any_bytes_in_any_chunking_never_raise_and_answer_the_same(
    data: bytes, cuts: list[int], profile: str
) -> None:
    whole = SimModem(get_profile(profile))
    pieces = SimModem(get_profile(profile))
    assert whole.tick(1.0) == pieces.tick(1.0)  # both power up at the same moment
    expected = whole.feed(data, 1.0) + whole.tick(100.0)
    got = b"".join(pieces.feed(chunk, 1.0) for chunk in _chunks(data, cuts)) + pieces.tick(100.0)
    assert got == expected
    assert whole.submits == pieces.submits


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(gsm7.DEFAULT_ALPHABET.replace("\x1b", "") + "[]{}€~|^\\"), max_size=200)
)
def test_gsm7_round_trips(text: str) -> None:
    septets = gsm7.encode(text)
    assert gsm7.decode(gsm7.unpack(gsm7.pack(septets), len(septets))) == text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_split_text_keeps_every_character(text: str) -> None:
    _, parts = split_text(text)
    assert "".join(parts) == text


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60), st.integers(min_value=0, max_value=200))
def test_the_submit_decoder_only_ever_raises_its_format_error(data: bytes, length: int) -> None:
    try:
        decode_submit(data.hex(), length)
    except PduFormatError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-16", exclude_categories=("Cs",)), min_size=1, max_size=60))
def test_any_ucs2_text_survives_a_send(text: str) -> None:
    modem = SimModem(get_profile("generic"))
    pdu = submit("+255700000001", text, ucs2=True)
    modem.state.echo = False
    out = modem.feed(f"AT+CMGS={pdu.length}\r".encode(), 0.0)
    out += modem.feed(pdu.hex.encode() + b"\x1a", 0.0)
    if len(text.encode("utf-16-be")) <= 140:
        assert b"+CMGS: 0" in out
        assert modem.submits[0].text == text
    else:
        assert b"+CMS ERROR: 304" in out


MATCHES = st.builds(
    CommandMatch,
    command=st.sampled_from([None, "", "+CMGS", "+CSQ", "+CPIN", "E"]),
    nth=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
)
PLANS = st.builds(
    FaultPlan,
    command_latency=st.sampled_from([0.0, 0.5]),
    network_delay=st.sampled_from([0.0, 2.0]),
    silences=st.lists(
        st.builds(Silence, MATCHES, st.booleans(), st.sampled_from(SilenceStage)), max_size=2
    ).map(tuple),
    junk=st.lists(
        st.builds(Junk, st.binary(max_size=4), st.sampled_from(JunkPlacement), MATCHES), max_size=2
    ).map(tuple),
    urcs_in_response=st.lists(st.builds(UrcInResponse, st.just('+CMTI: "SM",1'), MATCHES), max_size=1).map(
        tuple
    ),
    send_errors=st.lists(
        st.builds(SendError, st.sampled_from([38, 500]), nth_send=st.sampled_from([None, 1])), max_size=1
    ).map(tuple),
    network_outage=st.one_of(
        st.none(), st.builds(NetworkOutage, st.integers(0, 3), st.sampled_from([None, 5]))
    ),
    sim_removed=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(plan=PLANS, data=WIRE, profile=st.sampled_from(profile_names()), outcome=st.sampled_from(Outcome))
def test_any_fault_plan_with_any_input_never_raises(
    plan: FaultPlan, data: bytes, profile: str, outcome: Outcome
) -> None:
    modem = SimModem(get_profile(profile), plan)
    modem.plan("+255700000001", outcome, delay=1.0, temporary_delay=1.0)
    modem.feed(data, 0.0)
    modem.inject_sms("+255711000001", "x" * 170, now=0.5)
    modem.feed(b"AT+CNMI=2,1,0,1,0\r" + data + submit("+255700000001", "hi").hex.encode() + b"\x1a", 1.0)
    modem.tick(50.0)
    deadline = modem.next_deadline()
    assert deadline is None or deadline > 50.0
    assert modem.counters["submits"] == len(modem.submits)


ARGUMENT = st.one_of(
    st.integers(min_value=-1, max_value=300).map(str),
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters='"'), max_size=6
    ).map(lambda t: f'"{t}"'),
    st.sampled_from(['"SM"', '"SR"', '"ME"', '"UCS2"', '"+255700000001"', "", '"ALL"', '"REC UNREAD"']),
)
COMMAND = st.builds(
    lambda name, form, args: (
        name + {"exec": "", "read": "?", "test": "=?", "set": "=" + ",".join(args)}[form]
    ),
    st.sampled_from(sorted(n for n in SimModem(get_profile("generic")).handlers if n.startswith("+"))),
    st.sampled_from(["exec", "read", "test", "set"]),
    st.lists(ARGUMENT, max_size=5),
)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.lists(COMMAND, min_size=1, max_size=3), min_size=1, max_size=8),
    profile=st.sampled_from(profile_names()),
)
def test_any_command_with_any_arguments_never_raises(lines: list[list[str]], profile: str) -> None:
    modem = SimModem(get_profile(profile))
    modem.feed(b"AT+CMGF=1;+CSMP=49,167,0,0;+CNMI=2,1,0,1,0\r", 0.0)
    modem.inject_sms("+255711000001", "hello", now=0.0)
    for index, commands in enumerate(lines):
        # "text^Z" is a message after a prompt, or an ignored line (it lacks "AT") otherwise
        modem.feed(("AT" + ";".join(commands) + "\r").encode("latin-1") + b"text\x1a\r", float(index))
    modem.tick(1000.0)
    assert modem.counters["commands"] >= len(lines)
