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
        '[quirks]\ncpms_two_slots = "yes"\nbusy_after_cfun = { commands = "two", cms = false }\n'
    )
    with pytest.raises(ValueError, match="profile") as caught:
        load_profile(path)
    message = str(caught.value)
    for problem in (
        "base: unknown modem profile",
        "imei: expected a string",
        "colour: unknown field",
        "default_cnmi: expected a list of 5",
        "quirks.cpms_two_slots: expected true or false",
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
