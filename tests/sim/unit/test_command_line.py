"""V.250 command-line behaviour: echo, chunking, several commands, A/, ESC, blank lines, resets."""

from __future__ import annotations

import pytest

from simulator.device import SimModem
from simulator.profiles import get_profile

from .talk import Terminal


def test_echo_is_on_at_power_up_and_follows_ate() -> None:
    term = Terminal(echo=True)
    assert term.raw(b"AT\r") == b"AT\r\r\nOK\r\n"
    assert term.raw(b"ATE0\r") == b"ATE0\r\r\nOK\r\n"  # the line that turns echo off is echoed
    assert term.raw(b"AT\r") == b"\r\nOK\r\n"
    assert term.raw(b"ATE1\r") == b"\r\nOK\r\n"
    assert term.raw(b"AT\r") == b"AT\r\r\nOK\r\n"


def test_characters_one_at_a_time_give_the_same_bytes_as_a_burst() -> None:
    burst = Terminal(echo=True).raw(b"AT+CMEE=1;+CREG=2\rAT+CREG?\r")
    single = Terminal(echo=True)
    trickle = b"".join(single.raw(bytes([byte])) for byte in b"AT+CMEE=1;+CREG=2\rAT+CREG?\r")
    assert trickle == burst
    assert b'+CREG: 2,1,"00A1","0000B2C3"' in burst


def test_crlf_line_ends_are_accepted_without_a_stray_lf() -> None:
    term = Terminal(echo=True)
    assert term.raw(b"AT\r\n") == b"AT\r\r\nOK\r\n"
    assert term.raw(b"\nAT\r\n") == b"AT\r\r\nOK\r\n"


def test_several_commands_on_one_line_share_one_ok() -> None:
    term = Terminal()
    assert term.cmd("AT+CGMI;+CGMM") == "\r\nSimModem\r\n\r\nGSM-27005\r\n\r\nOK\r\n"
    assert term.cmd("ATE0V1Q0") == "\r\nOK\r\n"


def test_an_error_stops_the_line_and_keeps_earlier_effects() -> None:
    term = Terminal()
    assert term.lines("AT+CMEE=1;+CFUN=9;+CMEE=0") == ["+CME ERROR: 50"]
    assert term.lines("AT+CMEE?") == ["+CMEE: 1", "OK"]


def test_case_and_spaces_do_not_matter_outside_quotes() -> None:
    term = Terminal()
    assert term.lines("at + cmee = 2") == ["OK"]
    # the space inside the quotes is kept, so the number is refused (an SMS command: +CMS ERROR)
    assert term.lines('AT+CSCA="+255 7800"') == ["+CMS ERROR: invalid PDU mode parameter"]


def test_a_slash_repeats_the_last_line_without_cr() -> None:
    term = Terminal()
    term.cmd("AT+CSQ")
    assert term.raw(b"A/") == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    assert term.raw(b"a/") == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"


def test_a_slash_before_any_command_does_nothing() -> None:
    assert Terminal().raw(b"A/") == b""


def test_stray_escape_blank_lines_and_garbage_are_ignored() -> None:
    term = Terminal()
    assert term.raw(b"\x1b") == b""
    assert term.raw(b"\r\r\r") == b""
    assert term.raw(b"   \r") == b""
    assert term.raw(b"hello modem\r") == b""
    assert term.modem.counters["ignored_lines"] == 1
    assert term.raw(b"\x1bAT\r") == b"\r\nOK\r\n"


def test_backspace_edits_the_line() -> None:
    term = Terminal()
    assert term.raw(b"AT+CSX\x08Q\r") == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"


def test_an_overlong_line_is_an_error_not_a_crash() -> None:
    term = Terminal()
    assert term.raw(b"AT" + b"1" * 5000 + b"\r") == b"\r\nERROR\r\n"
    assert term.cmd("AT") == "\r\nOK\r\n"


@pytest.mark.parametrize("line", ["AT+", 'AT+CSCA="unterminated', "AT&", "AT!", "AT+CMGF=?x"])
def test_malformed_lines_get_error(line: str) -> None:
    assert Terminal().lines(line)[-1] in ("ERROR", "+CMS ERROR: 304")


def test_unknown_command_is_error_whatever_cmee_says() -> None:
    term = Terminal()
    term.cmd("AT+CMEE=2")
    assert term.lines("AT+NOSUCH") == ["ERROR"]


def test_atz_and_at_f_restore_settings_but_not_the_sim() -> None:
    term = Terminal("generic")
    term.cmd("AT+CMEE=2;+CMGF=1;+CNMI=2,1,0,2,0;+CREG=2")
    for reset in ("ATZ", "AT&F"):
        term.modem.state.echo = False
        assert term.lines(reset) == ["OK"]
        term.modem.state.echo = False
        assert term.lines("AT+CMEE?;+CMGF?;+CNMI?;+CREG?") == [
            "+CMEE: 0",
            "+CMGF: 0",
            "+CNMI: 0,0,0,0,0",
            "+CREG: 0,1",
            "OK",
        ]
        term.cmd("AT+CMEE=2")


def test_connection_reset_drops_a_half_typed_line_and_an_open_prompt() -> None:
    term = Terminal()
    term.raw(b"AT+CGM")
    term.modem.connection_reset()
    assert term.raw(b"I\r") == b""  # "I" alone is not a command line: ignored
    assert term.modem.counters["ignored_lines"] == 1
    assert term.cmd("AT+CMGS=10").endswith("> ")
    term.modem.connection_reset()
    assert term.cmd("AT") == "\r\nOK\r\n"
    assert term.modem.counters["submits"] == 0


def test_latency_schedules_the_response_and_keeps_order() -> None:
    from simulator.faults import FaultPlan

    term = Terminal(faults=FaultPlan(command_latency=0.5))
    assert term.cmd("AT") == ""
    assert term.modem.next_deadline() == 0.5
    assert term.cmd("AT+CSQ") == ""
    assert term.advance(0.5) == "\r\nOK\r\n"
    assert term.modem.next_deadline() == 1.0
    assert term.advance(0.49) == ""
    assert term.advance(0.01) == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    assert term.modem.next_deadline() is None


def test_nothing_scheduled_means_no_deadline() -> None:
    modem = SimModem(get_profile("generic"))
    assert modem.next_deadline() is None
    assert modem.tick(100.0) == b""
