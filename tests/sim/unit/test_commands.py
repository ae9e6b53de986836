"""Every command in its set, read, test and exec forms, on the generic (by-the-book) profile."""

from __future__ import annotations

import pytest

from .talk import Terminal

# (command line, expected response lines) on a fresh generic modem with +CMEE=1.
FORMS = [
    ("AT", ["OK"]),
    ("ATI", ["SimModem", "GSM-27005", "Revision: 1.0.0", "OK"]),
    ("AT+CGMI", ["SimModem", "OK"]),
    ("AT+CGMI=?", ["OK"]),
    ("AT+CGMI?", ["ERROR"]),
    ("AT+CGMM", ["GSM-27005", "OK"]),
    ("AT+CGMR", ["1.0.0", "OK"]),
    ("AT+CGSN", ["356938035643809", "OK"]),
    ("AT+GSN", ["356938035643809", "OK"]),
    ("AT+CIMI", ["640021234567890", "OK"]),
    ("AT+CIMI=?", ["OK"]),
    ("AT+CCID", ["+CCID: 89255021234567890123", "OK"]),
    ("AT+CMEE?", ["+CMEE: 1", "OK"]),
    ("AT+CMEE=?", ["+CMEE: (0-2)", "OK"]),
    ("AT+CMEE=3", ["+CME ERROR: 50"]),
    ("AT+CFUN?", ["+CFUN: 1", "OK"]),
    ("AT+CFUN=?", ["+CFUN: (0,1,4),(0,1)", "OK"]),
    ("AT+CFUN=1", ["OK"]),
    ("AT+CFUN=2", ["+CME ERROR: 50"]),
    ("AT+CPIN?", ["+CPIN: READY", "OK"]),
    ("AT+CPIN=?", ["OK"]),
    ('AT+CPIN="1234"', ["+CME ERROR: 3"]),
    ("AT+CREG?", ["+CREG: 0,1", "OK"]),
    ("AT+CREG=?", ["+CREG: (0-2)", "OK"]),
    ("AT+CREG=3", ["+CME ERROR: 50"]),
    ("AT+CGREG?", ["+CGREG: 0,1", "OK"]),
    ("AT+CEREG=?", ["+CEREG: (0-2)", "OK"]),
    ("AT+CMMS?", ["+CMMS: 0", "OK"]),
    ("AT+CMMS=?", ["+CMMS: (0-2)", "OK"]),
    ("AT+CMMS=1", ["OK"]),
    ("AT+CMMS=3", ["+CMS ERROR: 304"]),
    ("ATH", ["OK"]),
    ("AT+CSQ", ["+CSQ: 20,99", "OK"]),
    ("AT+CSQ=?", ["+CSQ: (0-31,99),(0-7,99)", "OK"]),
    ("AT+COPS?", ['+COPS: 0,0,"SimTel",2', "OK"]),
    ("AT+COPS=?", ['+COPS: (2,"SimTel","SIMTEL","64002",2),,(0-4),(0-2)', "OK"]),
    ("AT+COPS=0", ["OK"]),
    ("AT+CSCA?", ['+CSCA: "+255780000004",145', "OK"]),
    ("AT+CSCA=?", ["OK"]),
    ("AT+CSMP?", ["+CSMP: 17,167,0,0", "OK"]),
    ("AT+CSMP=?", ["OK"]),
    ("AT+CSCS?", ['+CSCS: "GSM"', "OK"]),
    ("AT+CSCS=?", ['+CSCS: ("GSM","IRA","UCS2")', "OK"]),
    ('AT+CSCS="KOI8"', ["+CME ERROR: 50"]),
    ("AT+CMGF?", ["+CMGF: 0", "OK"]),
    ("AT+CMGF=?", ["+CMGF: (0,1)", "OK"]),
    ("AT+CMGF=2", ["+CMS ERROR: 304"]),
    ("AT+CSMS?", ["+CSMS: 0,1,1,1", "OK"]),
    ("AT+CSMS=?", ["+CSMS: (0,1)", "OK"]),
    ("AT+CSMS=1", ["+CSMS: 1,1,1", "OK"]),
    ("AT+CPMS?", ['+CPMS: "SM",0,30,"SM",0,30,"SM",0,30', "OK"]),
    ("AT+CPMS=?", ['+CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")', "OK"]),
    ('AT+CPMS="ME","ME","ME"', ["+CPMS: 0,100,0,100,0,100", "OK"]),
    ('AT+CPMS="SR"', ["+CPMS: 0,30,0,30,0,30", "OK"]),
    ('AT+CPMS="SM","SR"', ["+CMS ERROR: 302"]),
    ('AT+CPMS="XX"', ["+CMS ERROR: 302"]),
    ("AT+CNMI?", ["+CNMI: 0,0,0,0,0", "OK"]),
    ("AT+CNMI=?", ["+CNMI: (0-2),(0-3),(0,2),(0,1,2),(0,1)", "OK"]),
    ("AT+CNMI=2,1,0,2,0", ["OK"]),
    ("AT+CNMI=2,1,0,3,0", ["+CMS ERROR: 304"]),
    ("AT+CMGS=?", ["OK"]),
    ("AT+CMGS=0", ["+CMS ERROR: 304"]),
    ("AT+CMGS=165", ["+CMS ERROR: 304"]),
    ("AT+CMGS", ["ERROR"]),
    ("AT+CMGL=?", ["+CMGL: (0-4)", "OK"]),
    ("AT+CMGL=4", ["OK"]),
    ("AT+CMGL=5", ["+CMS ERROR: 304"]),
    ("AT+CMGR=?", ["OK"]),
    ("AT+CMGR=1", ["OK"]),
    ("AT+CMGR=31", ["+CMS ERROR: 321"]),
    ("AT+CMGD=?", ["+CMGD: (),(0-4)", "OK"]),
    ("AT+CMGD=1", ["OK"]),
    ("AT+CMGD=0", ["+CMS ERROR: 321"]),
    ("AT+CMGD=1,4", ["OK"]),
    ("AT+CMGD=1,5", ["+CMS ERROR: 304"]),
    ("AT+CNMA", ["+CMS ERROR: 340"]),
    ("AT+CNMA=?", ["+CNMA: (0-2)", "OK"]),
]


@pytest.mark.parametrize(("line", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_command_forms(line: str, expected: list[str]) -> None:
    term = Terminal()
    term.cmd("AT+CMEE=1")
    assert term.lines(line) == expected


@pytest.mark.parametrize(
    ("cmee", "cme", "cms"),
    [
        (0, "ERROR", "+CMS ERROR: 321"),
        (1, "+CME ERROR: 50", "+CMS ERROR: 321"),
        (2, "+CME ERROR: incorrect parameters", "+CMS ERROR: invalid memory index"),
    ],
)
def test_error_form_follows_cmee(cmee: int, cme: str, cms: str) -> None:
    term = Terminal()
    term.cmd(f"AT+CMEE={cmee}")
    assert term.lines("AT+CFUN=7") == [cme]
    assert term.lines("AT+CMGR=99") == [cms]


def test_clac_lists_every_extended_command() -> None:
    lines = Terminal().lines("AT+CLAC")
    assert lines[-1] == "OK"
    for name in ("AT+CMGS", "AT+CPMS", "AT+CNMI", "AT+CREG", "AT+CLAC"):
        assert name in lines


def test_clac_has_only_the_exec_and_test_forms() -> None:
    term = Terminal()
    assert term.lines("AT+CLAC=?") == ["OK"]
    assert term.lines("AT+CLAC?") == ["ERROR"]
    assert term.lines("AT+CLAC=1") == ["ERROR"]


def test_cfun_radio_off_drops_registration_and_signal() -> None:
    term = Terminal()
    term.cmd("AT+CREG=1")
    assert term.lines("AT+CFUN=4") == ["+CREG: 0", "OK"]  # the URC announces the change
    assert term.lines("AT+CREG?;+CSQ;+COPS?") == ["+CREG: 1,0", "+CSQ: 99,99", "+COPS: 0", "OK"]
    term.cmd("AT+CFUN=1")
    assert term.lines("AT+CREG?") == ["+CREG: 1,1", "OK"]


def test_cfun_with_reset_restores_settings() -> None:
    term = Terminal()
    term.cmd("AT+CMGF=1")
    term.cmd("AT+CFUN=1,1")
    term.modem.state.echo = False
    assert term.lines("AT+CMGF?") == ["+CMGF: 0", "OK"]


def test_cfun_reset_reboots_a_module_with_boot_urcs() -> None:
    term = Terminal("simcom-sim800")
    assert term.cmd("AT+CFUN=1,1") == "\r\nOK\r\n"
    assert term.modem.next_deadline() == float("-inf")
    assert "SMS Ready" in term.advance(0.0)


def test_creg_extended_form_and_unsolicited_on_change() -> None:
    term = Terminal()
    assert term.lines("AT+CREG=2") == ["OK"]
    assert term.lines("AT+CREG?") == ['+CREG: 2,1,"00A1","0000B2C3"', "OK"]
    term.cmd("AT+CFUN=0")
    assert term.lines("AT+CREG?") == ["+CREG: 2,0", "OK"]


def test_gprs_and_eps_registration_urcs_follow_their_own_mode() -> None:
    term = Terminal()
    term.cmd("AT+CEREG=2;+CGREG=1")
    assert term.lines("AT+CEREG?") == ['+CEREG: 2,1,"00A1","0000B2C3"', "OK"]
    assert term.lines("AT+CFUN=4") == ["+CGREG: 0", "+CEREG: 0", "OK"]


def test_cops_format_follows_cops_3() -> None:
    term = Terminal()
    for fmt, name in ((0, "SimTel"), (1, "SIMTEL"), (2, "64002")):
        term.cmd(f"AT+COPS=3,{fmt}")
        assert term.lines("AT+COPS?") == [f'+COPS: 0,{fmt},"{name}",2', "OK"]
    assert term.lines("AT+COPS=3,5") == ["ERROR"]


def test_csca_set_read_and_clear() -> None:
    term = Terminal()
    assert term.lines('AT+CSCA="+255789999999",145') == ["OK"]
    assert term.lines("AT+CSCA?") == ['+CSCA: "+255789999999",145', "OK"]
    assert term.lines('AT+CSCA="0789999999"') == ["OK"]
    assert term.lines("AT+CSCA?") == ['+CSCA: "0789999999",129', "OK"]
    assert term.lines('AT+CSCA="abc"') == ["+CMS ERROR: 304"]
    assert term.lines('AT+CSCA=""') == ["OK"]
    assert term.lines("AT+CSCA?")[0] == '+CSCA: "",129'


def test_csmp_keeps_omitted_values_and_does_not_touch_smsc_by_the_book() -> None:
    term = Terminal()
    assert term.lines("AT+CSMP=49,,0") == ["OK"]
    assert term.lines("AT+CSMP?") == ["+CSMP: 49,167,0,0", "OK"]
    assert term.lines("AT+CSCA?")[0] == '+CSCA: "+255780000004",145'
    assert term.lines("AT+CSMP=256") == ["+CMS ERROR: 304"]


def test_cscs_sets_the_character_set() -> None:
    term = Terminal()
    assert term.lines('AT+CSCS="UCS2"') == ["OK"]
    assert term.lines("AT+CSCS?") == ['+CSCS: "UCS2"', "OK"]


def test_cnmi_keeps_omitted_values() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,2,0")
    assert term.lines("AT+CNMI=1") == ["OK"]
    assert term.lines("AT+CNMI?") == ["+CNMI: 1,1,0,2,0", "OK"]
    assert term.lines("AT+CNMI=2,1,1") == ["+CMS ERROR: 303"]


def test_cpms_answers_used_counts_after_messages_arrive() -> None:
    term = Terminal()
    term.modem.inject_sms("+255711000001", "one", now=0.0)
    term.modem.inject_sms("+255711000002", "two", now=0.0)
    assert term.lines("AT+CPMS?") == ['+CPMS: "SM",2,30,"SM",2,30,"SM",2,30', "OK"]


def test_ucs2_character_set_hex_encodes_string_parameters() -> None:
    term = Terminal()
    term.cmd('AT+CSCS="UCS2"')
    assert term.lines("AT+CSCA?") == [
        '+CSCA: "002B003200350035003700380030003000300030003000300034",145',
        "OK",
    ]
    assert term.lines("AT+COPS?") == ['+COPS: 0,0,"00530069006D00540065006C",2', "OK"]
    assert term.lines('AT+CSCA="+255780000004"') == ["+CMS ERROR: 304"]  # not hex: refused
    assert term.lines('AT+CSCA="002B0031"') == ["OK"]
    term.cmd('AT+CSCS="GSM"')
    assert term.lines("AT+CSCA?")[0] == '+CSCA: "+1",145'


def test_roaming_counts_as_registered_and_a_handler_can_be_replaced() -> None:
    import dataclasses

    from simulator.commands.base import Command, Reply
    from simulator.device import SimModem
    from simulator.profiles import get_profile

    modem = SimModem(dataclasses.replace(get_profile("generic"), registration=5))
    modem.state.echo = False
    assert modem.feed(b"AT+CREG?\r", 0.0) == b"\r\n+CREG: 0,5\r\n\r\nOK\r\n"
    assert modem.state.registered

    def weak_signal(modem: SimModem, command: Command) -> Reply:
        return Reply(["+CSQ: 2,99"])

    modem.handlers["+CSQ"] = weak_signal
    assert modem.feed(b"AT+CSQ\r", 0.0) == b"\r\n+CSQ: 2,99\r\n\r\nOK\r\n"


def test_profiles_are_immutable() -> None:
    from simulator.profiles import Memory, get_profile

    profile = get_profile("generic")
    with pytest.raises(TypeError):
        profile.capacities[Memory.SM] = 1  # type: ignore[index]
