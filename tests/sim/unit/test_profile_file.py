"""Profiles described in TOML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.profiles import BusyWindow, Memory, get_profile
from simulator.profiles.toml_file import load_profile

from .talk import Terminal


def test_a_file_overrides_a_base_profile(tmp_path: Path) -> None:
    path = tmp_path / "branch-stick.toml"
    path.write_text(
        'base = "huawei-e173"\n'
        'sim_pin = "1234"\n'
        "capacities = { SM = 20, me = 0, SR = 10 }\n"
        "default_cnmi = [2, 1, 0, 2, 0]\n"
        "default_report_delay = 3\n"
        "[quirks]\n"
        'cdsi_announced_memory = "SM"\n'
        "busy_after_boot = { commands = 2, cms = true }\n"
    )
    profile = get_profile(str(path))
    assert profile.name == "branch-stick"
    assert profile.manufacturer == "huawei"
    assert profile.sim_pin == "1234"
    assert dict(profile.capacities) == {Memory.SM: 20, Memory.ME: 0, Memory.SR: 10}
    assert profile.default_cnmi == (2, 1, 0, 2, 0)
    assert profile.default_report_delay == 3.0
    assert profile.quirks.cdsi_announced_memory is Memory.SM
    assert profile.quirks.busy_after_boot == BusyWindow(commands=2, cms=True)
    assert profile.quirks.unknown_command_text == "COMMAND NOT SUPPORT"  # inherited


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'base = "nokia"\nimei = 123\ncolour = "red"\ndefault_cnmi = [1, 2]\n'
        '[quirks]\ncfun_read_as_test = "yes"\nbusy_after_cfun = { commands = "two", cms = false }\n'
    )
    with pytest.raises(ValueError, match="profile") as caught:
        load_profile(path)
    message = str(caught.value)
    for problem in (
        "base: unknown modem profile",
        "imei: expected a string",
        "colour: unknown field",
        "default_cnmi: expected a list of 5",
        "quirks.cfun_read_as_test: expected true or false",
    ):
        assert problem in message


def test_unreadable_files_are_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_profile(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("base = \n")
    with pytest.raises(ValueError, match="cannot read"):
        load_profile(broken)


def test_a_file_profile_drives_a_modem(tmp_path: Path) -> None:
    path = tmp_path / "locked.toml"
    path.write_text('model = "X1"\nsim_pin = "0000"\n')
    term = Terminal(str(path))
    assert term.lines("AT+CGMM;+CPIN?") == ["X1", "+CPIN: SIM PIN", "OK"]


def test_a_file_describes_storages_and_what_is_on_the_sim(tmp_path: Path) -> None:
    path = tmp_path / "no-sr.toml"
    path.write_text(
        'memory_slots = [["SM"], ["SM"], ["SM"]]\n'
        'report_storage = "receive"\n'
        "first_index = 0\n"
        "capacities = { SM = 5, ME = 0 }\n"
        "[[preload]]\n"
        'memory = "SM"\nkind = "sms"\nsender = "+255700000001"\ntext = "old"\nread = false\ncount = 2\n'
        "sent = 2025-12-31T10:00:00+03:00\n"
        "[[preload]]\n"
        'memory = "SM"\nkind = "report"\nrecipient = "+255700000002"\nmr = 7\n'
    )
    term = Terminal(str(path))
    assert term.lines("AT+CPMS=?") == ['+CPMS: ("SM"),("SM"),("SM")', "OK"]
    assert term.lines('AT+CPMS="SR"') == ["+CMS ERROR: 302"]
    lines = term.lines("AT+CMGL=4")
    assert [line.split(",")[:2] for line in lines[0:6:2]] == [
        ["+CMGL: 0", "0"],
        ["+CMGL: 1", "0"],
        ["+CMGL: 2", "1"],
    ]
    assert term.lines("AT+CPMS?")[0] == '+CPMS: "SM",3,5,"SM",3,5,"SM",3,5'


def test_a_preload_that_overflows_its_memory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "overfull.toml"
    path.write_text(
        "capacities = { SM = 2, ME = 0, SR = 0 }\n"
        '[[preload]]\nmemory = "SM"\nkind = "sms"\nsender = "+2557"\ncount = 3\n'
        '[[preload]]\nmemory = "SM"\nkind = "sms"\nrecipient = "+2557"\nsent = 2025-12-31T10:00:00\n'
    )
    with pytest.raises(ValueError, match="profile") as caught:
        load_profile(path)
    message = str(caught.value)
    assert "preload[1].recipient: is not a field of a sms" in message
    assert "preload[1].sent: must be a date and time with a UTC offset" in message
    path.write_text(
        "capacities = { SM = 2, ME = 0, SR = 0 }\n"
        '[[preload]]\nmemory = "SM"\nkind = "sms"\nsender = "+2557"\ncount = 3\n'
    )
    with pytest.raises(ValueError, match="3 messages for SM, which holds 2"):
        load_profile(path)
