"""SIM PIN/PUK state machine, SIM removal and the commands a locked SIM refuses."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.device import SimModem
from simulator.faults import FaultPlan
from simulator.profiles import get_profile
from simulator.state.device_state import SimState

from .oracle import submit
from .talk import Terminal


def _locked(pin: str = "1234") -> Terminal:
    term = Terminal()
    term.modem = SimModem(dataclasses.replace(get_profile("generic"), sim_pin=pin))
    term.modem.state.echo = False
    term.cmd("AT+CMEE=1;+CREG=1")
    return term


def test_a_pin_locked_sim_reports_sim_pin_and_is_not_registered() -> None:
    term = _locked()
    assert term.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
    assert term.lines("AT+CREG?") == ["+CREG: 1,0", "OK"]
    assert term.lines("AT+CIMI") == ["+CME ERROR: 11"]
    assert term.lines("AT+CMGL=4") == ["+CMS ERROR: 311"]
    assert term.lines("AT+CCID")[0].startswith("+CCID:")  # ICCID is readable without the PIN
    assert term.lines("AT+CGSN") == ["356938035643809", "OK"]


def test_the_right_pin_unlocks_and_registers_with_a_creg_urc() -> None:
    term = _locked()
    assert term.lines('AT+CPIN="1234"') == ["+CREG: 1", "OK"]
    assert term.lines("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert term.lines("AT+CIMI") == ["640021234567890", "OK"]


def test_three_wrong_pins_need_the_puk_and_puk_sets_a_new_pin() -> None:
    term = _locked()
    for _ in range(3):
        assert term.lines('AT+CPIN="0000"') == ["+CME ERROR: 16"]
    assert term.lines("AT+CPIN?") == ["+CPIN: SIM PUK", "OK"]
    assert term.lines('AT+CPIN="00000000","12"') == ["+CME ERROR: 50"]  # a new PIN has 4-8 digits
    assert term.lines("AT+CIMI") == ["+CME ERROR: 12"]
    assert term.lines('AT+CPIN="12345678"') == ["+CME ERROR: 50"]  # a new PIN is required
    assert term.lines('AT+CPIN="12345678","4321"') == ["+CREG: 1", "OK"]
    assert term.modem.state.pin == "4321"
    assert term.modem.state.pin_attempts == 3


def test_ten_wrong_puks_block_the_sim_for_good() -> None:
    term = _locked()
    term.modem.state.sim = SimState.PUK
    for _ in range(10):
        assert term.lines('AT+CPIN="00000000","1111"') == ["+CME ERROR: 16"]
    assert term.lines("AT+CPIN?") == ["+CME ERROR: 13"]
    assert term.lines("AT+CMGS=10") == ["+CMS ERROR: 313"]


def test_power_cycle_locks_the_sim_again_but_keeps_storage() -> None:
    term = _locked()
    term.cmd('AT+CPIN="1234"')
    term.modem.inject_sms("+255711000001", "kept", now=0.0)
    term.modem.reboot()
    term.modem.state.echo = False
    assert term.lines("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
    term.cmd('AT+CPIN="1234"')
    assert term.lines("AT+CPMS?")[0].startswith('+CPMS: "SM",1,30')


def test_sim_removed_fault_and_reinsertion() -> None:
    term = Terminal()
    term.cmd("AT+CMEE=1;+CREG=1")
    term.modem.set_faults(FaultPlan(sim_removed=True))
    assert term.advance(0.0) == "\r\n+CREG: 0\r\n"
    assert term.lines("AT+CPIN?") == ["+CME ERROR: 10"]
    assert term.lines("AT+CIMI") == ["+CME ERROR: 10"]
    assert term.lines("AT+CCID") == ["+CME ERROR: 10"]
    assert term.lines("AT+CMGS=10") == ["+CMS ERROR: 310"]
    term.modem.set_faults(FaultPlan())
    assert term.advance(0.0) == "\r\n+CREG: 1\r\n"
    assert "+CMGS: 0" in term.send_pdu(submit("+255700000001", "back"))


@pytest.mark.parametrize("cmee", [0, 2])
def test_sim_errors_follow_cmee(cmee: int) -> None:
    term = _locked()
    term.cmd(f"AT+CMEE={cmee}")
    assert term.lines("AT+CIMI") == ["ERROR" if cmee == 0 else "+CME ERROR: SIM PIN required"]
    assert term.lines("AT+CMGL=4") == ["+CMS ERROR: " + ("311" if cmee == 0 else "(U)SIM PIN required")]
