"""Status reports from the fake network: outcomes, delays, and routing per AT+CNMI ds."""

from __future__ import annotations

import re

import pytest

from simulator.network import Outcome

from .oracle import decode_report, submit
from .talk import Terminal

NUMBER = "+255700000001"


def _cds_pdus(output: str) -> list[str]:
    return re.findall(r"\+CDS: \d+\r\n([0-9A-F]+)\r\n", output)


def test_ds1_delivers_cds_with_the_mr_of_cmgs_after_the_delay() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=5.0)
    term.modem.network.set_last_mr(40)
    assert "+CMGS: 41" in term.send_pdu(submit(NUMBER, "hello"))
    assert term.modem.next_deadline() == 5.0
    assert term.advance(4.9) == ""
    output = term.advance(0.1)
    [pdu] = _cds_pdus(output)
    length = int(re.search(r"\+CDS: (\d+)", output).group(1))  # type: ignore[union-attr]
    assert length == len(bytes.fromhex(pdu)) - 1 - bytes.fromhex(pdu)[0]
    report = decode_report(pdu)
    assert (report.mr, report.recipient, report.st) == (41, NUMBER, 0x00)
    assert term.modem.storage.used(term.modem.state.memories[0]) == 0
    assert term.modem.counters["reports_emitted"] == 1


def test_ds2_stores_in_sr_and_announces_cdsi_then_cmgl_lists_it() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,2,0")
    # with no delay planned the report follows the final OK of +CMGS at once
    assert term.send_pdu(submit(NUMBER, "hello")) == '\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CDSI: "SR",1\r\n'
    lines = term.lines('AT+CPMS="SR";+CMGL=4')
    assert lines[0] == "+CPMS: 1,30,0,30,0,30"
    assert lines[1].startswith("+CMGL: 1,0,,")
    assert decode_report(lines[2]).st == 0x00
    assert term.lines("AT+CMGL=0") == ["OK"]  # it is read now
    assert term.lines("AT+CMGD=1;+CPMS?")[0] == '+CPMS: "SR",0,30,"SM",0,30,"SM",0,30'


def test_ds0_stores_silently_for_polling() -> None:
    term = Terminal()
    term.send_pdu(submit(NUMBER, "hello"))
    assert term.advance(1.0) == ""
    term.cmd('AT+CPMS="SR"')
    assert decode_report(term.lines("AT+CMGR=1")[1]).recipient == NUMBER


@pytest.mark.parametrize(
    ("outcome", "statuses"),
    [
        (Outcome.DELIVERED, [0x00]),
        (Outcome.TEMPORARY_THEN_DELIVERED, [0x20, 0x00]),
        (Outcome.TEMPORARY_THEN_FAILED, [0x20, 0x62]),
        (Outcome.PERMANENT_FAILURE, [0x43]),
        (Outcome.VALIDITY_EXPIRED, [0x46]),
        (Outcome.NO_REPORT, []),
    ],
)
def test_each_outcome_produces_its_tp_st_sequence(outcome: Outcome, statuses: list[int]) -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, outcome, delay=1.0, temporary_delay=10.0)
    term.send_pdu(submit(NUMBER, "hello"))
    first = _cds_pdus(term.advance(1.0))
    later = _cds_pdus(term.advance(10.0))
    seen = [decode_report(p).st for p in first + later]
    assert seen == statuses
    if len(statuses) == 2:
        assert len(first) == 1  # the temporary report comes first, the final one 10 s later
        assert {decode_report(p).mr for p in first + later} == {0}


def test_no_report_requested_means_no_report() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.send_pdu(submit(NUMBER, "hello", srr=False))
    assert term.modem.next_deadline() is None
    assert term.advance(100.0) == ""


def test_unplanned_recipients_use_the_default_and_plans_match_normalised_numbers() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan("+255 700-000-001", Outcome.PERMANENT_FAILURE)
    out = term.send_pdu(submit(NUMBER, "hello")) + term.send_pdu(submit("+255700000002", "hello"))
    assert [decode_report(p).st for p in _cds_pdus(out)] == [0x43, 0x00]


def test_plan_rejects_bad_input() -> None:
    term = Terminal()
    with pytest.raises(ValueError, match="delays"):
        term.modem.plan(NUMBER, Outcome.DELIVERED, delay=-1)
    with pytest.raises(ValueError, match="no digits"):
        term.modem.plan("nobody", Outcome.DELIVERED)


def test_routing_follows_cnmi_at_arrival_time() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=3.0)
    term.send_pdu(submit(NUMBER, "hello"))
    term.cmd("AT+CNMI=2,1,0,2,0")
    assert term.advance(3.0) == '\r\n+CDSI: "SR",1\r\n'


def test_a_full_report_memory_holds_reports_at_the_smsc_until_a_delete() -> None:
    from simulator.faults import FaultPlan
    from simulator.profiles import Memory

    term = Terminal(faults=FaultPlan(storage_full=frozenset({Memory.SR})))
    term.cmd("AT+CNMI=2,1,0,2,0")
    term.send_pdu(submit(NUMBER, "hello"))
    assert term.advance(0.0) == ""
    assert term.modem.counters["memory_full_refusals"] == 1
    assert term.modem.counters["reports_lost"] == 0
    term.cmd('AT+CPMS="SR";+CMGD=3')
    assert term.advance(1.0) == '\r\n+CDSI: "SR",3\r\n'
    assert decode_report(term.lines("AT+CMGR=3")[1]).recipient == NUMBER


def test_huawei_says_smmemfull_once_per_filling_up() -> None:
    from simulator.faults import FaultPlan
    from simulator.profiles import Memory

    term = Terminal("huawei-e173", faults=FaultPlan(storage_full=frozenset({Memory.SM})))
    term.advance(0.0)  # boot URCs
    term.cmd("AT^CURC=0;+CNMI=2,1,0,2,0")
    term.send_pdu(submit(NUMBER, "one"))
    assert term.advance(0.0) == ""  # the URC came with the send's answer:
    term.send_pdu(submit(NUMBER, "two"))
    assert term.modem.counters["memory_full_refusals"] == 2
    term.cmd("AT+CMGD=0")
    out = term.advance(1.0)  # one report fills the freed slot; the other finds it full again
    assert out == '\r\n+CDSI: "SM",0\r\n\r\n^SMMEMFULL: "SM"\r\n'
    assert term.modem.network.held == 1


def test_the_first_refusal_prints_smmemfull() -> None:
    from simulator.faults import FaultPlan
    from simulator.profiles import Memory

    term = Terminal("huawei-e173", faults=FaultPlan(storage_full=frozenset({Memory.SM})))
    term.advance(0.0)
    term.cmd("AT^CURC=0;+CNMI=2,1,0,2,0")
    assert term.send_pdu(submit(NUMBER, "one")).endswith('+CMGS: 0\r\n\r\nOK\r\n\r\n^SMMEMFULL: "SM"\r\n')
    assert "^SMMEMFULL" not in term.send_pdu(submit(NUMBER, "two"))


def test_text_mode_cds_carries_the_fields() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=1.0)
    term.send_pdu(submit(NUMBER, "hello"))
    term.cmd("AT+CMGF=1")
    out = term.advance(1.0)
    assert re.fullmatch(r'\r\n\+CDS: 6,0,"\+255700000001",145,"[^"]+","[^"]+",0\r\n', out)


def test_csms1_direct_report_needs_cnma_or_routing_is_switched_off() -> None:
    term = Terminal()
    term.cmd("AT+CSMS=1;+CNMI=2,1,0,1,0")
    assert _cds_pdus(term.send_pdu(submit(NUMBER, "one")))
    assert term.lines("AT+CNMA") == ["OK"]
    assert term.lines("AT+CNMA") == ["+CMS ERROR: 340"]
    assert _cds_pdus(term.send_pdu(submit(NUMBER, "two")))
    term.advance(20.0)  # no acknowledgement: the modem gives up on direct routing
    assert term.lines("AT+CNMI?") == ["+CNMI: 2,0,0,0,0", "OK"]
    assert term.modem.counters["ack_timeouts"] == 1
