"""The network goes on while no client holds the port, and waits while the dongle is unplugged.

A gateway that restarts (or is killed) must find in storage what arrived meanwhile; the URC that
announced it went to nobody. An unplugged USB dongle has no power: nothing reaches it, the SMSC
keeps its reports and SMS, and delivers them once it is plugged in and registered again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import serial

from simulator import Outcome, SimulatorServer
from simulator.network.incoming import IncomingSms
from tests.sim.conftest import MakeSim
from tests.sim.support import command, serial_command, submit_hello
from tests.sim.unit.oracle import decode_report

RECIPIENT = "+255700000001"  # the number HELLO_PDU_WITH_REPORT goes to
SENDER = "+255711000001"


async def _send_hello(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    await submit_hello(stream, b"ATE0;+CNMI=2,1,0,2,0")
    await stream.close()


async def test_a_report_arrives_while_the_port_is_closed_and_waits_in_storage(make_sim: MakeSim) -> None:
    sim = await make_sim(profile="huawei-e173")
    sim.plan(RECIPIENT, Outcome.DELIVERED, delay=0.2)
    await _send_hello(sim)  # the gateway stops right after the submit
    assert not sim.connected
    await sim.wait_until(lambda: sim.counters["reports_emitted"] == 1)
    stream = await sim.open_stream()  # the gateway comes back
    listing = await command(stream, b"ATE0;+CMGL=4")
    assert b"+CDSI" not in listing  # the URC went to nobody
    [pdu] = [line for line in listing.split(b"\r\n") if line.startswith(b"07")]
    report = decode_report(pdu.decode())
    scts = sim.submits[0].scts
    assert scts is not None
    assert (report.recipient, report.scts) == (RECIPIENT, scts.strftime("%y%m%d%H%M%S00"))
    await stream.close()


async def test_an_sms_arrives_while_the_port_is_closed_and_waits_in_storage(make_sim: MakeSim) -> None:
    sim = await make_sim(profile="generic")
    stream = await sim.open_stream()
    await command(stream, b"ATE0;+CNMI=2,1,0,2,0")
    await stream.close()
    sim.inject_sms(SENDER, "while you were out")
    assert sim.storage()["SM"]["used"] == 1
    stream = await sim.open_stream()
    assert await command(stream, b"AT") == b"\r\nOK\r\n"  # no +CMTI: it was said to nobody
    listing = await command(stream, b'AT+CMGF=1;+CMGL="ALL"')
    assert b"while you were out" in listing
    await stream.close()


async def test_an_unplugged_dongle_gets_nothing_until_it_is_plugged_in_again(make_sim: MakeSim) -> None:
    sim = await make_sim(profile="generic")
    sim.plan(RECIPIENT, Outcome.DELIVERED, delay=0.2)
    await _send_hello(sim)
    await sim.unplug()  # before the report is due
    sim.inject(IncomingSms(SENDER, "sent while unplugged"))
    await sim.wait_until(lambda: sim.modem.network.held == 2)  # the SMS, then the report when due
    assert sim.storage()["SM"]["used"] == 0
    assert sim.storage()["SR"]["used"] == 0
    assert sim.counters["reports_emitted"] == 0
    await sim.replug(reboot=True)  # power-on: registers, and the SMSC delivers what it kept
    assert sim.modem.network.held == 0
    assert sim.storage()["SM"]["used"] == 1
    assert sim.storage()["SR"]["used"] == 1
    stream = await sim.open_stream()
    listing = await command(stream, b"ATE0;+CNMI?")
    assert b"+CNMI: 0,0,0,0,0" in listing  # a power cycle: the gateway must set routing again
    await stream.close()


def _session(path: str, *lines: bytes) -> list[bytes]:
    """Open the port (pyserial flushes stale input, as on hardware), run ``lines``, close it."""
    with serial.Serial(path, 115200, timeout=5) as port:
        return [serial_command(port, line) for line in lines]


async def test_an_unplugged_pty_client_sees_no_stale_urc_after_the_replug(
    tmp_path: Path, make_sim: MakeSim
) -> None:
    sim = await make_sim(profile="generic", link="pty", pty_path=tmp_path / "modem")
    path = str(sim.url)
    [setup] = await asyncio.to_thread(_session, path, b"ATE0;+CNMI=2,1,0,0,0")
    assert setup.endswith(b"OK\r\n")
    await sim.unplug()
    sim.inject_sms(SENDER, "kept at the SMSC")
    assert sim.storage()["SM"]["used"] == 0
    await sim.replug(reboot=False)  # settings kept: <mt>=1, so a +CMTI was printed to nobody
    answer, listing = await asyncio.to_thread(_session, path, b"AT", b"AT+CMGL=4")
    assert answer == b"\r\nOK\r\n"
    assert listing.count(b"+CMGL: 1,0,,") == 1
