"""Every profile's identity and quirks, as a gateway meets them in the field."""

from __future__ import annotations

import pytest

from simulator.network import Outcome
from simulator.profiles import get_profile, profile_names

from .oracle import decode_report, submit
from .talk import Terminal

NUMBER = "+255700000001"
SENDER = "+255711000001"


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
    # asterisk-chan-quectel PR 75, EC25-E trace: "+CDSI: "SM",0", then AT+CMGR=0 answers a bare OK
    term = Terminal("quectel-ec25")
    term.cmd("AT")
    term.cmd("AT+CNMI=2,1,0,2,0")
    out = term.send_pdu(submit(NUMBER, "hello"))
    assert out.endswith('\r\n+CDSI: "SM",0\r\n')
    assert term.lines('AT+CPMS="SM";+CMGR=0') == ["+CPMS: 0,50,0,255,0,255", "OK"]  # not in SM
    lines = term.lines('AT+CPMS="SR";+CMGR=0')
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
    # python-gsmmodem fakemodems WavecomMultiband900E1800: two slots, nested, "BM" listed
    assert term.lines("AT+CPMS=?") == ['+CPMS: (("SM","BM","SR"),("SM"))', "OK"]
    assert term.lines('AT+CPMS="SM","SM","SR"') == ["ERROR"]
    assert term.lines('AT+CPMS="SR","SM"') == ["+CPMS: 0,30,0,50", "OK"]
    assert term.lines("AT+CPMS?") == ['+CPMS: "SR",0,30,"SM",0,50', "OK"]
    assert term.lines('AT+CPMS="ME"') == ["+CMS ERROR: 302"]
    assert term.lines('AT+CPMS="SM","SR"') == ["+CMS ERROR: 302"]  # "SR" only for reading


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


# --- storages: what AT+CPMS=? offers per slot, and where a stored report goes ----------------------

#: Written from the sources named in simulator/profiles/builtin.py, not read from the profiles.
CPMS_TEST = {
    "generic": '+CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")',
    "huawei-e173": '+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")',  # gammu brovi-e3372-325.dump
    "quectel-ec25": '+CPMS: ("SM","ME","MT","SR"),("SM","ME","MT"),("SM","ME","MT")',
    "simcom-sim800": '+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")',
    "wavecom": '+CPMS: (("SM","BM","SR"),("SM"))',  # python-gsmmodem fakemodems
    "zte": '+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")',  # same
}


@pytest.mark.parametrize("name", profile_names())
def test_each_profile_offers_the_memories_of_its_device(name: str) -> None:
    term = Terminal(name)
    term.cmd("AT")
    assert term.lines("AT+CPMS=?") == [CPMS_TEST[name], "OK"]


@pytest.mark.parametrize("name", ["huawei-e173", "simcom-sim800"])
def test_a_modem_without_sr_refuses_it_with_cms_302(name: str) -> None:
    term = Terminal(name)
    assert term.lines('AT+CPMS="SR"') == ["+CMS ERROR: 302"]
    assert term.lines('AT+CPMS="SR","SR","SR"') == ["+CMS ERROR: 302"]
    assert term.lines("AT+CPMS?")[0].startswith('+CPMS: "SM",')  # nothing changed


def test_huawei_stores_a_report_in_mem3_announces_it_there_and_counts_from_0() -> None:
    term = Terminal("huawei-e173")
    term.cmd('AT+CPMS="SM","SM","SM";+CNMI=2,1,0,2,0')
    out = term.send_pdu(submit(NUMBER, "hello"))
    assert out.endswith('\r\n+CDSI: "SM",0\r\n')
    header, pdu, ok = term.lines("AT+CMGR=0")
    assert header.startswith("+CMGR: 0,,")
    assert ok == "OK"
    assert decode_report(pdu).recipient == NUMBER
    term.cmd('AT+CPMS="ME","ME","ME"')
    term.send_pdu(submit(NUMBER, "again"))
    assert term.advance(0.0) == ""  # the report came with the +CMGS answer above, now in ME:
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "ME",1,255,"ME",1,255,"ME",1,255'


def test_huawei_polling_finds_reports_in_sm_not_in_sr() -> None:
    term = Terminal("huawei-e173")
    term.cmd("AT+CNMI=2,1,0,0,0")  # ds=0: stored silently, for a gateway that sweeps
    term.send_pdu(submit(NUMBER, "hello"))
    assert term.advance(1.0) == ""
    lines = term.lines("AT+CMGL=4")
    assert decode_report(lines[1]).recipient == NUMBER


def test_sim800_keeps_no_report_unless_it_is_shown() -> None:
    term = Terminal("simcom-sim800")
    term.cmd("AT+CNMI=2,1,0,0,0")
    term.send_pdu(submit(NUMBER, "lost"))
    assert term.advance(1.0) == ""
    assert term.lines("AT+CMGL=4") == ["OK"]
    assert term.modem.counters["reports_lost"] == 1


def test_mt_reads_me_then_sm_with_one_index_range() -> None:
    term = Terminal("zte")
    term.modem.inject_sms(SENDER, "to sm", now=0.0)  # <mem3> is "SM" at power-on
    term.cmd('AT+CPMS="ME","ME","ME"')
    term.modem.inject_sms(SENDER, "to me", now=0.0)
    term.cmd('AT+CPMS="MT"')
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "MT",2,130,"ME",1,100,"ME",1,100'
    indices = [line.split(",")[0] for line in term.lines("AT+CMGL=4") if line.startswith("+CMGL")]
    assert indices == ["+CMGL: 1", "+CMGL: 101"]  # ME's slot 1, then SM's slot 1 after ME's 100


def test_zte_answers_cfun_in_the_test_form() -> None:
    term = Terminal("zte")
    assert term.lines("AT+CFUN?") == ["+CFUN: (0-1,4-7),(0-1)", "OK"]
