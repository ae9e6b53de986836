"""Every device-level fault of the FaultPlan, applied to a running modem."""

from __future__ import annotations

import re

import pytest

from simulator.faults import (
    CommandMatch,
    ErrorFamily,
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
from simulator.profiles import Memory

from .oracle import submit
from .talk import Terminal

NUMBER = "+255700000001"


def test_network_delay_holds_back_cmgs_and_reports_count_from_acceptance() -> None:
    term = Terminal(faults=FaultPlan(network_delay=2.0))
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=1.0)
    assert term.send_pdu(submit(NUMBER, "hello")) == ""
    assert term.modem.next_deadline() == 2.0
    assert term.advance(2.0) == "\r\n+CMGS: 0\r\n\r\nOK\r\n"
    assert term.advance(1.0).startswith("\r\n+CDS: ")


def test_silence_for_one_command_by_name() -> None:
    term = Terminal(faults=FaultPlan(silences=(Silence(CommandMatch(command="+CSQ")),)))
    assert term.cmd("AT+CSQ") == ""
    assert term.modem.next_deadline() is None
    assert term.cmd("AT") == "\r\nOK\r\n"
    assert term.cmd("AT+CSQ") == ""  # every +CSQ: no nth given


def test_silence_for_the_nth_command_only() -> None:
    term = Terminal(faults=FaultPlan(silences=(Silence(CommandMatch(nth=2)),)))
    assert term.cmd("AT") == "\r\nOK\r\n"
    assert term.cmd("AT") == ""
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_hang_from_the_nth_command_until_power_cycle() -> None:
    term = Terminal(faults=FaultPlan(silences=(Silence(CommandMatch(nth=2), forever=True),)))
    assert term.cmd("AT") == "\r\nOK\r\n"
    assert term.cmd("AT") == ""
    assert term.cmd("AT+CSQ") == ""
    term.modem.reboot()
    term.modem.state.echo = False
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_silence_after_the_pdu_is_the_outcome_unknown_case() -> None:
    plan = FaultPlan(silences=(Silence(CommandMatch(command="+CMGS"), stage=SilenceStage.AFTER_PDU),))
    term = Terminal(faults=plan)
    term.cmd("AT+CNMI=2,1,0,1,0")
    pdu = submit(NUMBER, "did it go?")
    assert term.cmd(f"AT+CMGS={pdu.length}") == "\r\n> "
    out = term.raw(pdu.hex.encode() + b"\x1a").decode()
    assert "+CMGS" not in out
    assert "OK" not in out
    assert out.startswith("\r\n+CDS: ")  # it did go: the network reports on it
    assert term.modem.submits[0].text == "did it go?"
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_junk_before_a_response_including_non_utf8_bytes() -> None:
    junk = Junk(data=b"\xff\xfe\x80noise")
    term = Terminal(faults=FaultPlan(junk=(junk,)))
    assert term.raw(b"AT\r") == b"\xff\xfe\x80noise\r\nOK\r\n"


def test_junk_inside_the_first_line_of_the_nth_matching_command() -> None:
    junk = Junk(data=b"\x00\xc3", placement=JunkPlacement.INSIDE_RESPONSE, match=CommandMatch("+CSQ", 2))
    term = Terminal(faults=FaultPlan(junk=(junk,)))
    assert term.raw(b"AT+CSQ\r") == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    assert term.raw(b"AT+CSQ\r") == b"\r\n+C\x00\xc3SQ: 20,99\r\n\r\nOK\r\n"


def test_urc_injected_between_the_response_and_ok() -> None:
    fault = UrcInResponse(urc='+CMTI: "SM",3', match=CommandMatch("+CSQ"))
    term = Terminal(faults=FaultPlan(urcs_in_response=(fault,)))
    assert term.cmd("AT+CSQ") == '\r\n+CSQ: 20,99\r\n\r\n+CMTI: "SM",3\r\n\r\nOK\r\n'
    assert term.cmd("AT") == "\r\nOK\r\n"


def test_two_line_urc_inside_a_response() -> None:
    fault = UrcInResponse(urc="+CDS: 6\r\n00060000000000", match=CommandMatch("+CGSN"))
    term = Terminal(faults=FaultPlan(urcs_in_response=(fault,)))
    assert term.lines("AT+CGSN") == ["356938035643809", "+CDS: 6", "00060000000000", "OK"]


def test_cms_error_on_the_nth_send_and_for_a_recipient() -> None:
    plan = FaultPlan(
        send_errors=(SendError(code=38, nth_send=2), SendError(code=21, recipient="+255 700 000 009"))
    )
    term = Terminal(faults=plan)
    assert "+CMGS: 0" in term.send_pdu(submit(NUMBER, "one"))
    assert term.send_pdu(submit(NUMBER, "two")) == "\r\n+CMS ERROR: 38\r\n"
    assert "+CMGS: 1" in term.send_pdu(submit(NUMBER, "three"))
    assert term.send_pdu(submit("+255700000009", "blocked")) == "\r\n+CMS ERROR: 21\r\n"
    assert [s.text for s in term.modem.submits] == ["one", "three"]


def test_cme_error_on_every_send() -> None:
    term = Terminal(faults=FaultPlan(send_errors=(SendError(code=14, family=ErrorFamily.CME),)))
    term.cmd("AT+CMEE=1")
    assert term.send_pdu(submit(NUMBER, "one")) == "\r\n+CME ERROR: 14\r\n"


def test_set_faults_restarts_the_nth_counters() -> None:
    term = Terminal()
    term.send_pdu(submit(NUMBER, "before"))
    term.modem.set_faults(FaultPlan(send_errors=(SendError(code=42, nth_send=1),)))
    assert term.send_pdu(submit(NUMBER, "after")) == "\r\n+CMS ERROR: 42\r\n"


def test_network_lost_and_regained_by_command_count() -> None:
    outage = NetworkOutage(start_command=2, end_command=4, state=3)
    term = Terminal()
    term.cmd("AT+CREG=1")
    term.modem.set_faults(FaultPlan(network_outage=outage))
    assert term.lines("AT") == ["OK"]  # command 1: still registered
    assert term.lines("AT+CREG?") == ["+CREG: 3", "+CREG: 1,3", "OK"]  # command 2: denied
    assert term.send_pdu(submit(NUMBER, "hello")) == "\r\n+CMS ERROR: 331\r\n"  # command 3
    assert term.lines("AT+COPS?") == ["+CREG: 1", '+COPS: 0,0,"SimTel",2', "OK"]  # command 4: back


def test_network_lost_at_once_by_default() -> None:
    term = Terminal()
    term.cmd("AT+CREG=2")
    term.modem.set_faults(FaultPlan(network_outage=NetworkOutage()))
    assert term.advance(0.0) == "\r\n+CREG: 2\r\n"
    assert term.lines("AT+CREG?") == ["+CREG: 2,2", "OK"]
    term.modem.set_faults(FaultPlan())
    assert re.fullmatch(r'\r\n\+CREG: 1,"00A1","0000B2C3"\r\n', term.advance(0.0))


def test_storage_full_fills_with_deletable_messages() -> None:
    term = Terminal(faults=FaultPlan(storage_full=frozenset({Memory.SM, Memory.SR})))
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "SM",30,30,"SM",30,30,"SM",30,30'
    assert len(term.lines("AT+CMGL=4")) == 61
    term.cmd('AT+CPMS="SR"')
    term.cmd("AT+CMGD=1,4")
    assert term.lines("AT+CPMS?")[0].startswith('+CPMS: "SR",0,30')


@pytest.mark.parametrize(
    "kwargs",
    [
        {"command_latency": -1.0},
        {"network_delay": -0.1},
        {"split_writes": (4, 0)},
        {"baud_rate": 0},
        {"network_outage": NetworkOutage(state=1)},
    ],
)
def test_fault_plan_refuses_meaningless_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        FaultPlan(**kwargs)  # type: ignore[arg-type]


def test_link_level_fields_have_safe_defaults() -> None:
    plan = FaultPlan()
    assert plan.split_writes == ()
    assert plan.baud_rate is None
    assert plan.unplug_after_commands is None


def test_weak_signal_shows_in_csq_and_huawei_rssi() -> None:
    term = Terminal("huawei-e173")
    term.modem.set_faults(FaultPlan(signal_rssi=3))
    assert term.lines("AT+CSQ") == ["+CSQ: 3,99", "OK"]
    assert term.advance(10.0) == "\r\n^RSSI: 3\r\n"
    term.modem.set_faults(FaultPlan())
    assert term.lines("AT+CSQ") == ["+CSQ: 20,99", "OK"]
    with pytest.raises(ValueError, match="signal_rssi"):
        FaultPlan(signal_rssi=40)


def test_reports_and_sms_wait_at_the_smsc_while_the_network_is_lost() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=1.0)
    term.send_pdu(submit(NUMBER, "hello"))
    term.modem.set_faults(FaultPlan(network_outage=NetworkOutage()))
    assert term.advance(1.0) == ""  # the report falls due without service: it waits
    term.modem.inject_sms("+255711000001", "waiting", now=term.now)
    assert term.advance(60.0) == ""
    assert term.modem.network.held == 2
    term.modem.set_faults(FaultPlan())
    out = term.advance(0.0)
    assert out.startswith("\r\n+CDS: ")
    assert '+CMTI: "SM",1' in out
    assert term.modem.network.held == 0
    assert term.modem.counters["incoming"] == 1


def test_every_public_fault_type_is_importable_from_the_package() -> None:
    import simulator
    from simulator import faults
    from simulator.faults import plan

    defined_here = {
        name
        for name, value in vars(plan).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == plan.__name__
    }
    assert set(faults.__all__) == defined_here
    assert defined_here == {
        "CommandMatch", "ErrorFamily", "FaultPlan", "Junk", "JunkPlacement", "NetworkOutage",
        "SendError", "Silence", "SilenceStage", "UrcInResponse",
    }  # fmt: skip
    assert {*defined_here, "Memory"} <= set(simulator.__all__)  # Memory: for storage_full
    assert all(getattr(simulator, name) is getattr(faults, name) for name in defined_here)
    assert all(hasattr(simulator, name) for name in simulator.__all__)
