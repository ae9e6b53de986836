"""TP-SCTS and TP-DT of status reports (TS 23.040 §9.2.2.3): when the SMSC took the submit and finished.

A reused TP-MR (256 submits apart) can only be told apart by the report's TP-SCTS, which must be
the time stamp of the submit it reports on (issue 8, point 3). Expected stamps are written here in
the 23.040 semi-octet form, read with the test's own decoder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from simulator.device import SimModem
from simulator.faults import FaultPlan
from simulator.network import Outcome
from simulator.network.clock import NetworkClock
from simulator.profiles import get_profile

from .oracle import decode_report, submit
from .talk import Terminal

NUMBER = "+255700000001"


def _cds(output: str) -> list[str]:
    return re.findall(r"\+CDS: \d+\r\n([0-9A-F]+)\r\n", output)


def _stamp(moment: datetime) -> str:
    """Write ``moment`` as the oracle decodes a 23.040 stamp: YYMMDDhhmmss and the zone in quarters."""
    quarters = int((moment.utcoffset() or timedelta()).total_seconds() // 900)
    return moment.strftime("%y%m%d%H%M%S") + f"{quarters:02d}"


def test_a_report_carries_the_submits_scts_and_its_own_discharge_time() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=7.0)
    term.advance(62.0)  # the network clock starts 2026-01-01 00:00:00 UTC at device time 0
    term.send_pdu(submit(NUMBER, "hello"))
    [pdu] = _cds(term.advance(7.0))
    report = decode_report(pdu)
    assert report.scts == "26010100010200"
    assert report.dt == "26010100010900"
    assert term.modem.submits[0].scts == datetime(2026, 1, 1, 0, 1, 2, tzinfo=UTC)


def test_the_scts_is_when_the_smsc_took_it_after_the_network_delay() -> None:
    term = Terminal(faults=FaultPlan(network_delay=3.0))
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.send_pdu(submit(NUMBER, "hello"))
    [pdu] = _cds(term.advance(3.0))
    assert decode_report(pdu).scts == "26010100000300"


def test_a_temporary_and_a_final_report_share_the_scts_and_differ_in_dt() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.TEMPORARY_THEN_DELIVERED, delay=5.0, temporary_delay=60.0)
    term.send_pdu(submit(NUMBER, "hello"))
    first, final = [decode_report(p) for p in _cds(term.advance(5.0) + term.advance(60.0))]
    assert (first.st, final.st) == (0x20, 0x00)
    assert first.scts == final.scts == "26010100000000"
    assert (first.dt, final.dt) == ("26010100000500", "26010100010500")


def test_a_reused_mr_is_told_apart_by_the_scts() -> None:
    term = Terminal()
    term.cmd("AT+CNMI=2,1,0,1,0")
    term.modem.plan(NUMBER, Outcome.DELIVERED, delay=600.0)
    term.modem.network.set_last_mr(4)
    term.send_pdu(submit(NUMBER, "first"))  # MR 5 at 00:00:00
    term.advance(100.0)
    term.modem.network.set_last_mr(4)  # 256 submits later the SIM counter is back at 5
    term.send_pdu(submit(NUMBER, "second"))
    reports = [decode_report(p) for p in _cds(term.advance(500.0) + term.advance(100.0))]
    assert [(r.mr, r.scts) for r in reports] == [(5, "26010100000000"), (5, "26010100014000")]
    assert [s.scts for s in term.modem.submits] == [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 1, 40, tzinfo=UTC),
    ]


def test_the_smsc_writes_its_own_zone() -> None:
    clock = NetworkClock(utc_offset=timedelta(hours=3))
    modem = SimModem(get_profile("generic"), clock=clock)
    modem.state.echo = False
    modem.feed(b"AT+CNMI=2,1,0,1,0\r", 0.0)
    pdu = submit(NUMBER, "hello")
    modem.feed(f"AT+CMGS={pdu.length}\r".encode(), 0.0)
    [report] = _cds(modem.feed(pdu.hex.encode() + b"\x1a", 0.0).decode())
    assert decode_report(report).scts == _stamp(
        datetime(2026, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    )


def test_a_wall_clock_follows_the_wall_clock_with_its_skew() -> None:
    clock = NetworkClock.from_wall_clock(1000.0, skew=-90.0)
    expected = datetime.now(UTC) - timedelta(seconds=90) + timedelta(seconds=5)
    assert abs(clock.at(1005.0) - expected) < timedelta(seconds=2)


@pytest.mark.parametrize("offset", [timedelta(minutes=10), timedelta(hours=20)])
def test_a_zone_a_time_stamp_cannot_carry_is_refused(offset: timedelta) -> None:
    with pytest.raises(ValueError, match="quarter hours"):
        NetworkClock(utc_offset=offset)
