"""The TCP link, opened by pyserial as ``socket://HOST:PORT`` (pyserial calls run in a thread)."""

from __future__ import annotations

import asyncio

import pytest
import serial

from simulator import FaultPlan, SimulatorServer
from tests.sim.conftest import MakeSim
from tests.sim.support import serial_command


def _open(url: str) -> serial.Serial:
    return serial.serial_for_url(url, timeout=5)


async def test_pyserial_gets_ok_over_socket_url(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp")
    assert sim.url is not None
    assert sim.url.startswith("socket://127.0.0.1:")
    port = await asyncio.to_thread(_open, sim.url)
    try:
        assert await asyncio.to_thread(serial_command, port, b"AT") == b"AT\r\r\nOK\r\n"
    finally:
        port.close()


async def test_clients_reconnect_many_times_and_the_state_persists(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp")
    assert sim.url is not None

    def session(line: bytes) -> bytes:
        with _open(sim.url) as port:  # type: ignore[arg-type]
            return serial_command(port, line)

    assert await asyncio.to_thread(session, b"ATE0") == b"ATE0\r\r\nOK\r\n"
    # pyserial's socket:// close() sleeps 0.3 s, so a few reconnects make the point.
    for _ in range(3):
        assert await asyncio.to_thread(session, b"AT") == b"\r\nOK\r\n"  # echo stays off


async def test_unplug_breaks_the_open_port_and_replug_listens_on_the_same_url(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp")
    url = sim.url
    assert url is not None
    port = await asyncio.to_thread(_open, url)
    try:
        await asyncio.to_thread(serial_command, port, b"ATE0")
        await sim.unplug()
        with pytest.raises(serial.SerialException):
            await asyncio.to_thread(port.read, 1)
    finally:
        port.close()
    with pytest.raises(serial.SerialException):
        await asyncio.to_thread(_open, url)
    await sim.replug()
    assert sim.url == url
    port = await asyncio.to_thread(_open, url)
    try:
        assert await asyncio.to_thread(serial_command, port, b"AT") == b"\r\nOK\r\n"
    finally:
        port.close()


async def test_localhost_is_pinned_to_one_address_and_names_are_refused(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp", tcp_host="localhost")
    assert sim.url is not None
    assert sim.url.startswith("socket://127.0.0.1:")
    with pytest.raises(ValueError, match="IP address"):
        SimulatorServer(link="tcp", tcp_host="modem.example")


async def test_split_writes_reach_a_pyserial_client_whole(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp", faults=FaultPlan(split_writes=(1, 2)))
    assert sim.url is not None
    port = await asyncio.to_thread(_open, sim.url)
    try:
        reply = await asyncio.to_thread(serial_command, port, b"ATI")
    finally:
        port.close()
    assert reply.startswith(b"ATI\r\r\n")
    assert reply.endswith(b"\r\nOK\r\n")
    assert all(record.size <= 2 for record in sim.output.writes)
