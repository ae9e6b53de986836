"""Parsers of information lines: vendor noise is skipped, malformed answers are protocol errors."""

from __future__ import annotations

import pytest

from gsmgateway.core.errors import ModemProtocolError
from gsmgateway.modem import responses
from gsmgateway.modem.options import DriverOptions


def test_csq_with_unknown_values() -> None:
    assert responses.parse_csq(["+CSQ: 17,99"]) == (17, None)
    assert responses.parse_csq(["+CSQ: 99,99"]) == (None, None)
    assert responses.rssi_to_dbm(17) == -79
    assert responses.rssi_to_dbm(None) is None


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("+CREG: 0,1", "home"),
        ('+CREG: 2,5,"00A1","B2C3"', "roaming"),
        ("+CREG: 2", "searching"),
        ("+CREG: 0,3", "denied"),
    ],
)
def test_creg(line: str, word: str) -> None:
    assert responses.parse_creg([line]) == word


def test_vendor_line_before_the_answer_is_skipped() -> None:
    assert responses.parse_int_field(["+QUSIM: 1", "+CMGS: 42"], "+CMGS:") == 42
    assert responses.parse_int_field(['+CMGS: 7,"26/11/27,10:00:00+00"'], "+CMGS:") == 7


def test_missing_line_is_a_protocol_error() -> None:
    with pytest.raises(ModemProtocolError, match=r"\+CMGS"):
        responses.parse_int_field(["OKAY"], "+CMGS:")
    with pytest.raises(ModemProtocolError):
        responses.parse_int_field(["+CMGS: x"], "+CMGS:")


def test_cops_csca_cpin() -> None:
    assert responses.parse_cops(['+COPS: 0,0,"SimTel",2']) == "SimTel"
    assert responses.parse_cops(["+COPS: 0"]) is None
    assert responses.parse_csca(['+CSCA: "+255780000004",145']) == "+255780000004"
    assert responses.parse_csca(['+CSCA: "",129']) is None
    assert responses.parse_cpin(["+CPIN: SIM PIN"]) == "SIM PIN"


def test_cpms_test_forms() -> None:
    generic = ['+CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")']
    assert responses.parse_cpms_test(generic) == [["SM", "ME", "SR"], ["SM", "ME"], ["SM", "ME"]]
    wavecom = ['+CPMS: (("SM","BM","SR"),("SM"))']
    assert responses.parse_cpms_test(wavecom) == [["SM", "BM", "SR"], ["SM"]]
    assert responses.parse_cpms_usage(["+CPMS: 1,30,2,30,3,30"]) == [(1, 30), (2, 30), (3, 30)]


def test_memory_index() -> None:
    assert responses.parse_memory_index('"SR",3') == ("SR", 3)
    assert responses.parse_memory_index(",3") == ("SR", 3)
    with pytest.raises(ModemProtocolError):
        responses.parse_memory_index('"SR",x')
    with pytest.raises(ModemProtocolError):
        responses.parse_memory_index('"SR",\xb2')  # latin-1 0xB2, "²": isdigit says yes, int says no
    assert responses.parse_csq(["+CSQ: \xb2,99"]) == (None, None)


def test_cmgl_and_cmgr() -> None:
    lines = ["+CMGL: 1,0,,26", "AABB", "+CMGL: 4,1,,27", "CCDD"]
    entries = responses.parse_cmgl(lines)
    assert [(e.index, e.stat, e.length, e.pdu) for e in entries] == [(1, 0, 26, "AABB"), (4, 1, 27, "CCDD")]
    entry = responses.parse_cmgr(["+CMGR: 0,,26", "AABB"])
    assert entry is not None
    assert (entry.stat, entry.length, entry.pdu) == (0, 26, "AABB")
    assert responses.parse_cmgr([]) is None
    assert responses.parse_length("25") == 25
    assert responses.parse_length(",25") == 25


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pin": "12ab"},
        {"pin": "12"},
        {"smsc": "0780 000 004"},
        {"command_timeout": 0},
        {"reconnect_delay": 5, "reconnect_delay_max": 1},
        {"max_timeouts": 0},
    ],
)
def test_driver_options_refuse_what_would_hang_or_desynchronise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        DriverOptions(**kwargs)  # type: ignore[arg-type]
