"""Vendor commands: each profile answers the set-up commands its real firmware takes, and only those.

The command sequences are the ones real clients send, taken from their source: gammu's
ATGEN_PostConnect (libgammu/phone/at/atgen.c) for Huawei (F_HUAWEI_INIT: E173 and family) and ZTE
(F_ZTE_INIT: MF-series), and python-gsmmodem's connect() probes (its test/fakemodems.py).
"""

from __future__ import annotations

import pytest

from simulator.profiles import profile_names

from .talk import Terminal

#: gammu, after identifying a Huawei E173 (gsmphones.c lists it with F_HUAWEI_INIT)
GAMMU_HUAWEI_INIT = ["AT^CURC=0", "AT+CFUN=1", "AT^PORTSEL=1"]
#: gammu, after identifying a ZTE MF-series stick (F_ZTE_INIT)
GAMMU_ZTE_INIT = ["AT+ZCDRUN=8", "AT+ZOPRT=5"]


def test_gammu_can_set_up_a_huawei_e173() -> None:
    term = Terminal("huawei-e173")
    for line in GAMMU_HUAWEI_INIT:
        assert term.lines(line) == ["OK"], line


def test_gammu_can_set_up_a_zte_stick() -> None:
    term = Terminal("zte")
    for line in GAMMU_ZTE_INIT:
        assert term.lines(line) == ["OK"], line
    assert term.lines("AT+ZOPRT?") == ["+ZOPRT: 5", "OK"]


@pytest.mark.parametrize("name", [n for n in profile_names() if n != "huawei-e173"])
def test_other_firmware_does_not_know_huaweis_commands(name: str) -> None:
    term = Terminal(name)
    term.cmd("AT")  # a boot-time busy answer, where the profile has one
    assert term.lines("AT^CURC=0") == ["ERROR"]


def test_huawei_calls_unknown_vendor_commands_command_not_support() -> None:
    term = Terminal("huawei-e173")
    assert term.lines("AT+ZOPRT=5") == ["COMMAND NOT SUPPORT"]
    assert term.lines("AT+WIND?") == ["COMMAND NOT SUPPORT"]  # python-gsmmodem's probe, fakemodems


def test_huawei_curc_0_silences_the_periodic_rssi_and_1_brings_it_back() -> None:
    term = Terminal("huawei-e173")
    assert term.advance(10.0) == "\r\n^RSSI: 20\r\n"
    assert term.lines("AT^CURC?") == ["^CURC: 1", "OK"]
    term.cmd("AT^CURC=0")
    assert term.advance(10.0) == ""
    assert term.lines("AT^CURC?") == ["^CURC: 0", "OK"]
    term.cmd("AT^CURC=1")
    assert term.advance(10.0) == "\r\n^RSSI: 20\r\n"


def test_huawei_sysinfo_follows_registration() -> None:
    term = Terminal("huawei-e173")
    assert term.lines("AT^SYSINFO") == ["^SYSINFO: 2,3,0,5,1,,4", "OK"]
    term.cmd("AT+CFUN=4")  # radio off: no service
    assert term.lines("AT^SYSINFO") == ["^SYSINFO: 0,0,0,0,1,,0", "OK"]


def test_huawei_portsel_and_ussdmode_keep_their_setting() -> None:
    term = Terminal("huawei-e173")
    assert term.lines("AT^PORTSEL?") == ["^PORTSEL: 0", "OK"]
    assert term.lines("AT^PORTSEL=1;^PORTSEL?") == ["^PORTSEL: 1", "OK"]
    assert term.lines("AT^PORTSEL=2") == ["ERROR"]  # out of range (+CMEE=0: no number)
    assert term.lines("AT^USSDMODE=0;^USSDMODE?") == ["^USSDMODE: 0", "OK"]


def test_zte_answers_zpas_with_its_bearer_line() -> None:
    term = Terminal("zte")
    assert term.lines("AT+ZPAS?") == ['+BEARTYPE: "UMTS","CS_PS"', "OK"]


def test_wavecom_keeps_its_wind_setting() -> None:
    term = Terminal("wavecom")
    assert term.lines("AT+WIND?") == ["+WIND: 0", "OK"]
    term.cmd("AT+WIND=50")
    assert term.lines("AT+WIND?") == ["+WIND: 50", "OK"]


def test_quectel_sets_its_urc_port() -> None:
    term = Terminal("quectel-ec25")
    term.cmd("AT")  # the boot-time CMS 515
    assert term.lines('AT+QURCCFG="urcport"') == ['+QURCCFG: "urcport","usbat"', "OK"]
    assert term.lines('AT+QURCCFG="urcport","usbmodem"') == ["OK"]
    assert term.lines('AT+QURCCFG="urcport"') == ['+QURCCFG: "urcport","usbmodem"', "OK"]
    assert term.lines('AT+QURCCFG="urcport","nowhere"') == ["ERROR"]


@pytest.mark.parametrize(
    ("name", "listed", "absent"),
    [
        ("huawei-e173", "AT^CURC", "AT+ZOPRT"),
        ("zte", "AT+ZOPRT", "AT^CURC"),
        ("generic", "AT+CMGS", "AT^CURC"),
    ],
)
def test_clac_lists_only_what_the_firmware_answers(name: str, listed: str, absent: str) -> None:
    clac = Terminal(name).cmd("AT+CLAC")
    assert f"\n{listed}\r" in clac
    assert f"\n{absent}\r" not in clac
