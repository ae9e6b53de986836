"""Every profile's identity and quirks, as a gateway meets them in the field."""

from __future__ import annotations

import pytest

from simulator.network import Outcome
from simulator.profiles import get_profile, profile_names

from .oracle import decode_report, submit
from .talk import Terminal

NUMBER = "+255700000001"


def test_profile_names_and_lookup() -> None:
    names = profile_names()
    assert names[0] == "generic"
    assert set(names) >= {"generic", "huawei-e173", "quectel-ec25", "simcom-sim800", "wavecom", "zte"}
    with pytest.raises(KeyError, match="known: generic"):
        get_profile("nokia-3310")


@pytest.mark.parametrize("name", profile_names())
def test_every_profile_identifies_itself_and_sends(name: str) -> None:
    term = Terminal(name)
    term.cmd("AT")  # absorbs a boot-time busy answer where the profile has one
    profile = get_profile(name)
    assert term.lines("AT+CGMM") == [profile.model, "OK"]
    assert term.lines("AT+CGSN") == [profile.imei, "OK"]
    assert "+CMGS: 0" in term.send_pdu(submit(NUMBER, "hello", smsc=profile.smsc))
    assert term.modem.submits[0].text == "hello"


def test_huawei_says_command_not_support_and_clac_ends_lines_with_cr_cr_lf() -> None:
    term = Terminal("huawei-e173")
    assert term.boot_output == b"\r\n^RSSI: 20\r\n\r\n^MODE: 5,4\r\n"
    assert term.cmd("AT+FOO") == "\r\nCOMMAND NOT SUPPORT\r\n"
    clac = term.cmd("AT+CLAC")
    assert "\r\nAT+CMGS\r\r\n" in clac
    assert clac.endswith("\r\r\n\r\nOK\r\n")
    assert term.lines("AT+CGMI") == ["huawei", "OK"]


def test_huawei_repeats_rssi_periodically_without_a_backlog() -> None:
    term = Terminal("huawei-e173")
    assert term.modem.next_deadline() == 10.0
    assert term.advance(10.0) == "\r\n^RSSI: 20\r\n"
    assert term.advance(1000.0) == "\r\n^RSSI: 20\r\n"  # one, not a hundred
    assert term.modem.next_deadline() == 1020.0


def test_quectel_boots_with_rdy_and_answers_the_first_command_busy() -> None:
    term = Terminal("quectel-ec25")
    assert b"RDY" in term.boot_output
    assert b"+QIND: SMS DONE" in term.boot_output
    assert term.lines("AT") == ["+CMS ERROR: 515"]
    assert term.lines("AT") == ["OK"]


def test_quectel_announces_sm_while_storing_the_report_in_sr() -> None:
    term = Terminal("quectel-ec25")
    term.cmd("AT")
    term.cmd("AT+CNMI=2,1,0,2,0")
    out = term.send_pdu(submit(NUMBER, "hello"))
    assert out.endswith('\r\n+CDSI: "SM",1\r\n')
    assert term.lines('AT+CPMS="SM";+CMGR=1') == ["+CPMS: 0,50,0,255,0,255", "OK"]  # not in SM
    lines = term.lines('AT+CPMS="SR";+CMGR=1')
    assert decode_report(lines[2]).recipient == NUMBER


def test_simcom_boot_urcs_and_direct_reports_only() -> None:
    term = Terminal("simcom-sim800")
    assert b"Call Ready" in term.boot_output
    assert b"SMS Ready" in term.boot_output
    assert term.lines("AT+CNMI?") == ["+CNMI: 2,1,0,1,0", "OK"]
    assert term.lines("AT+CNMI=2,1,0,2,0") == ["+CMS ERROR: 303"]
    assert term.lines("AT+CNMI=?") == ["+CNMI: (0-2),(0-3),(0,2),(0,1),(0,1)", "OK"]
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=1.0)
    term.send_pdu(submit(NUMBER, "hello"))
    assert term.advance(1.0).startswith("\r\n+CDS: ")


def test_wavecom_cpin_without_ok_two_slot_cpms_and_leading_space() -> None:
    term = Terminal("wavecom")
    assert term.cmd("AT+CPIN?") == "\r\n+CPIN: READY\r\n"
    assert term.cmd("AT+CGMI") == "\r\n WAVECOM MODEM\r\n\r\nOK\r\n"
    assert term.lines("AT+CPMS=?") == ['+CPMS: (("SM","SR"),("SM"))', "OK"]
    assert term.lines('AT+CPMS="SM","SM","SM"') == ["ERROR"]
    assert term.lines('AT+CPMS="SR","SM"') == ["+CPMS: 0,30,0,30", "OK"]
    assert term.lines("AT+CPMS?") == ['+CPMS: "SR",0,30,"SM",0,30', "OK"]
    assert term.lines('AT+CPMS="ME"') == ["+CMS ERROR: 302"]


def test_wavecom_answers_two_commands_busy_after_cfun_1() -> None:
    term = Terminal("wavecom")
    term.cmd("AT+CMEE=1")
    assert term.lines("AT+CFUN=1") == ["OK"]
    assert term.lines("AT") == ["+CME ERROR: 515"]
    assert term.lines("AT+CSQ") == ["+CME ERROR: 515"]
    assert term.lines("AT") == ["OK"]


def test_zte_prints_urcs_before_the_prompt_and_before_cmgs() -> None:
    term = Terminal("zte")
    pdu = submit(NUMBER, "hello")
    assert term.cmd(f"AT+CMGS={pdu.length}") == '\r\n+ZPASR: "UMTS"\r\n\r\n> '
    assert term.raw(pdu.hex.encode() + b"\x1a") == b'\r\n+ZPASR: "UMTS"\r\n\r\n+CMGS: 0\r\n\r\nOK\r\n'


def test_zte_sim_busy_at_boot_and_csmp_wipes_the_smsc() -> None:
    term = Terminal("zte")
    term.cmd("AT+CMEE=1")
    assert term.lines("AT+CSCA?") == ["+CME ERROR: 14"]
    assert term.lines("AT+CSCA?") == ["+CME ERROR: 14"]
    assert term.lines("AT+CSCA?") == ['+CSCA: "+255780000004",145', "OK"]
    term.cmd("AT+CSMP=49,167,0,0")
    assert term.lines("AT+CSCA?") == ['+CSCA: "",145', "OK"]
    assert term.send_pdu(submit(NUMBER, "hello")) == "\r\n+CMS ERROR: 330\r\n"


def test_boot_urcs_come_at_the_first_tick_and_only_once() -> None:
    term = Terminal("quectel-ec25")
    assert term.modem.next_deadline() is None
    assert term.advance(5.0) == ""
    term.modem.reboot()
    assert term.modem.next_deadline() == float("-inf")
    assert "RDY" in term.advance(0.0)
