"""The simulator's own result-code and TP-Status tables, checked against the standards' wording.

Expected values are copied here from TS 27.005 §3.2.5, TS 27.007 §9.2, TS 24.011 Annex E-2 and
TS 23.040 §9.2.3.15/§9.2.3.22, not read from the simulator's tables (nor the gateway's).
"""

from __future__ import annotations

import pytest

from simulator.faults import FaultPlan, SendError
from simulator.network import Outcome
from simulator.network.smsc import RecipientPlan, report_steps
from simulator.pdu.status import StatusClass, is_final, status_class

from .oracle import submit
from .talk import Terminal

NUMBER = "+255700000001"


@pytest.mark.parametrize(
    ("line", "verbose"),
    [
        ('AT+CPMS="XX"', "+CMS ERROR: operation not allowed"),  # 302
        ("AT+CMGR=31", "+CMS ERROR: invalid memory index"),  # 321
        ("AT+CNMA", "+CMS ERROR: no +CNMA acknowledgement expected"),  # 340
        ("AT+CMGF=2", "+CMS ERROR: invalid PDU mode parameter"),  # 304
        ('AT+CPIN="1234"', "+CME ERROR: operation not allowed"),  # 3
        ("AT+CMEE=7", "+CME ERROR: incorrect parameters"),  # 50
    ],
)
def test_cmee_2_prints_the_standard_text(line: str, verbose: str) -> None:
    term = Terminal()
    term.cmd("AT+CMEE=2")
    assert term.lines(line) == [verbose]


@pytest.mark.parametrize(
    ("code", "verbose"),
    [
        (21, "short message transfer rejected"),  # RP cause, 24.011 E-2
        (42, "congestion"),
        (0xC0, "SC busy"),  # TP-FCS, 23.040 §9.2.3.22
        (0xC3, "invalid SME address"),
        (0xD3, "memory capacity exceeded"),
        (330, "SMSC address unknown"),
        (331, "no network service"),
        (332, "network timeout"),
        (500, "unknown error"),
        (515, "manufacturer specific"),
    ],
)
def test_an_injected_send_error_reads_as_the_standard_says(code: int, verbose: str) -> None:
    term = Terminal(faults=FaultPlan(send_errors=(SendError(code=code),)))
    term.cmd("AT+CMEE=2")
    assert term.send_pdu(submit(NUMBER, "hi")) == f"\r\n+CMS ERROR: {verbose}\r\n"
    term.cmd("AT+CMEE=1")
    assert term.send_pdu(submit(NUMBER, "hi")) == f"\r\n+CMS ERROR: {code}\r\n"


@pytest.mark.parametrize(
    ("tp_st", "expected"),
    [
        (0x00, StatusClass.COMPLETED),
        (0x02, StatusClass.COMPLETED),
        (0x1F, StatusClass.COMPLETED),  # SC specific, transaction completed
        (0x20, StatusClass.TEMPORARY_TRYING),
        (0x3F, StatusClass.TEMPORARY_TRYING),
        (0x40, StatusClass.PERMANENT),
        (0x46, StatusClass.PERMANENT),  # validity period expired
        (0x5F, StatusClass.PERMANENT),
        (0x60, StatusClass.TEMPORARY_STOPPED),
        (0x7F, StatusClass.TEMPORARY_STOPPED),
        (0x80, StatusClass.PERMANENT),  # reserved: a receiver treats it as a permanent error
    ],
)
def test_tp_st_classes_follow_bits_6_and_5(tp_st: int, expected: StatusClass) -> None:
    assert status_class(tp_st) is expected
    assert is_final(tp_st) == (expected is not StatusClass.TEMPORARY_TRYING)


@pytest.mark.parametrize(
    ("outcome", "classes"),
    [
        (Outcome.DELIVERED, [StatusClass.COMPLETED]),
        (Outcome.TEMPORARY_THEN_DELIVERED, [StatusClass.TEMPORARY_TRYING, StatusClass.COMPLETED]),
        (Outcome.TEMPORARY_THEN_FAILED, [StatusClass.TEMPORARY_TRYING, StatusClass.TEMPORARY_STOPPED]),
        (Outcome.PERMANENT_FAILURE, [StatusClass.PERMANENT]),
        (Outcome.VALIDITY_EXPIRED, [StatusClass.PERMANENT]),
        (Outcome.NO_REPORT, []),
    ],
)
def test_each_outcome_reports_status_values_of_the_right_class(
    outcome: Outcome, classes: list[StatusClass]
) -> None:
    steps = report_steps(RecipientPlan(outcome))
    assert [status_class(step.tp_st) for step in steps] == classes
