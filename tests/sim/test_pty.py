"""The pty link: pyserial opens a stable symlink to /dev/pts/N exactly as it opens /dev/ttyUSB0."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import serial
import serial_asyncio_fast

from simulator import Outcome, SimulatorServer
from tests.sim.conftest import MakeSim
from tests.sim.support import (
    HELLO_PDU_WITH_REPORT,
    HELLO_TPDU_LENGTH,
    path_present,
    serial_command,
)


def _open(path: Path | str) -> serial.Serial:
    return serial.Serial(str(path), baudrate=115200, timeout=5, exclusive=True)


def _session(path: Path, *lines: bytes) -> list[bytes]:
    with _open(path) as port:
        return [serial_command(port, line) for line in lines]


async def test_pyserial_opens_the_symlink_and_gets_ok(make_sim: MakeSim, pty_path: Path) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    assert sim.url == str(pty_path)
    assert sim.pty_name is not None
    assert os.readlink(pty_path) == sim.pty_name
    assert await asyncio.to_thread(_session, pty_path, b"AT") == [b"AT\r\r\nOK\r\n"]


async def test_the_line_discipline_is_raw(make_sim: MakeSim, pty_path: Path) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    # A cooked tty would echo the client's bytes itself and turn CR into LF; raw passes them as is.
    [reply] = await asyncio.to_thread(_session, pty_path, b"ATI")
    assert reply.startswith(b"ATI\r\r\n")
    assert sim.counters["bytes_in"] == len(b"ATI\r")


async def test_clients_open_and_close_many_times_and_the_state_persists(
    make_sim: MakeSim, pty_path: Path
) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    name = sim.pty_name
    assert await asyncio.to_thread(_session, pty_path, b"ATE0") == [b"ATE0\r\r\nOK\r\n"]
    for _ in range(15):
        assert await asyncio.to_thread(_session, pty_path, b"AT") == [b"\r\nOK\r\n"]
    assert sim.pty_name == name  # the same /dev/pts/N all along


async def test_output_made_while_nobody_listens_is_not_read_by_the_next_client(
    make_sim: MakeSim, pty_path: Path
) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path, profile="huawei-e173")
    # The Huawei profile prints boot URCs at once; nobody has the port open yet. pyserial flushes
    # the input queue on open, so the first client starts with a clean line.
    await sim.wait_until(lambda: sim.counters["bytes_out"] > 0)
    [reply] = await asyncio.to_thread(_session, pty_path, b"AT")
    assert reply == b"AT\r\r\nOK\r\n"


async def test_unplug_breaks_the_open_port_and_removes_the_path(make_sim: MakeSim, pty_path: Path) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    port = await asyncio.to_thread(_open, pty_path)
    try:
        await asyncio.to_thread(serial_command, port, b"ATE0")
        await sim.unplug()
        assert not path_present(pty_path)
        with pytest.raises(serial.SerialException):
            await asyncio.to_thread(port.read, 1)
        with pytest.raises(serial.SerialException):
            await asyncio.to_thread(port.write, b"AT\r")
    finally:
        port.close()
    with pytest.raises(serial.SerialException):
        await asyncio.to_thread(_open, pty_path)


async def test_replug_brings_the_same_path_back_with_the_state_kept(
    make_sim: MakeSim, pty_path: Path
) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    await asyncio.to_thread(_session, pty_path, b"ATE0")
    for _ in range(2):
        await sim.unplug()
        await sim.replug()
        assert os.readlink(pty_path) == sim.pty_name
        assert await asyncio.to_thread(_session, pty_path, b"AT") == [b"\r\nOK\r\n"]


async def test_the_slave_is_usable_by_the_dialout_group(make_sim: MakeSim, pty_path: Path) -> None:
    # A non-root user may only give a file to a group they are in; the own primary group always
    # works, so the mechanism is tested as any user. As root the default group, dialout, is checked.
    known = {entry.gr_name for entry in grp.getgrall()}
    group = "dialout" if os.geteuid() == 0 and "dialout" in known else grp.getgrgid(os.getegid()).gr_name
    sim = await make_sim(link="pty", pty_path=pty_path, pty_group=group)
    assert sim.pty_name is not None
    info = os.stat(sim.pty_name)
    assert info.st_gid == grp.getgrnam(group).gr_gid
    assert stat.S_IMODE(info.st_mode) == 0o660


async def test_a_stale_symlink_is_replaced_and_a_real_file_is_not(
    make_sim: MakeSim, pty_path: Path, tmp_path: Path
) -> None:
    os.symlink(tmp_path / "gone", pty_path)  # left behind by a killed simulator
    sim = await make_sim(link="pty", pty_path=pty_path)
    assert os.readlink(pty_path) == sim.pty_name
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    with pytest.raises(FileExistsError):
        await make_sim(link="pty", pty_path=precious)
    assert precious.read_text() == "keep me"


async def test_stop_releases_the_pty_and_the_path(pty_path: Path, open_fds: Callable[[], set[int]]) -> None:
    before = open_fds()
    async with SimulatorServer(link="pty", pty_path=pty_path) as sim:
        name = sim.pty_name
        assert await asyncio.to_thread(_session, pty_path, b"AT") == [b"AT\r\r\nOK\r\n"]
    assert not path_present(pty_path)
    assert name is not None
    assert not path_present(name)
    assert open_fds() <= before


async def test_without_a_path_the_url_is_the_pts_itself(make_sim: MakeSim) -> None:
    sim = await make_sim(link="pty")
    assert sim.url == sim.pty_name
    assert sim.url is not None
    assert sim.url.startswith("/dev/pts/")
    assert await asyncio.to_thread(_session, Path(sim.url), b"AT") == [b"AT\r\r\nOK\r\n"]


async def test_a_hung_up_pty_is_replaced_at_the_same_path(make_sim: MakeSim, pty_path: Path) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path)
    await asyncio.to_thread(_session, pty_path, b"ATE0")
    connects = sim.counters["connects"]
    # Close the simulator's own slave descriptor behind its back: with no slave open, the master
    # reads EIO, which the link must treat as "start over", not as a crash or a busy loop.
    os.close(sim._link._slave)  # type: ignore[union-attr]
    sim._link._slave = None  # type: ignore[union-attr]
    await sim.wait_until(lambda: sim.counters["reconnects"] == 1)
    assert sim.counters["connects"] == connects  # not counted as a replug
    assert os.readlink(pty_path) == sim.pty_name
    assert await asyncio.to_thread(_session, pty_path, b"AT") == [b"\r\nOK\r\n"]


async def test_a_27005_client_sends_an_sms_and_gets_its_status_report(
    make_sim: MakeSim, pty_path: Path
) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path, profile="huawei-e173")
    sim.plan("+255700000001", Outcome.DELIVERED, delay=0.2)

    def send_and_wait_for_report() -> tuple[bytes, bytes, bytes]:
        with _open(pty_path) as port:
            identity = serial_command(port, b"ATE0;+CGMI;+CGMM")
            serial_command(port, b"AT+CMGF=0;+CNMI=2,1,0,1,0")
            serial_command(port, b"AT+CMGS=%d" % HELLO_TPDU_LENGTH, token=b"> ")
            port.write(HELLO_PDU_WITH_REPORT + b"\x1a")
            accepted = bytes(port.read_until(b"OK\r\n"))
            header = bytes(port.read_until(b"+CDS: "))
            report = bytes(port.read_until(b"\r\n") + port.read_until(b"\r\n"))
            return identity + header, accepted, report

    identity, accepted, report = await asyncio.to_thread(send_and_wait_for_report)
    assert b"huawei" in identity
    assert b"E173" in identity
    assert b"+CMGS: " in accepted
    length, _, pdu = report.strip().partition(b"\r\n")
    assert int(length) * 2 < len(pdu)  # the SMSC address precedes the announced TPDU length
    [submit] = sim.submits
    assert (submit.recipient, submit.text, submit.status_report_requested) == ("+255700000001", "hello", True)
    assert sim.counters["reports_emitted"] == 1


async def test_the_gateways_async_serial_path_sees_unplug_as_an_error(
    make_sim: MakeSim, pty_path: Path
) -> None:
    # pyserial-asyncio-fast is what the gateway's transport runs on: an unplug must surface as an
    # exception on read, never as a silent hang.
    sim = await make_sim(link="pty", pty_path=pty_path)
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=str(pty_path), exclusive=True)
    try:
        writer.write(b"AT\r")
        async with asyncio.timeout(5):
            assert await reader.readuntil(b"OK\r\n") == b"AT\r\r\nOK\r\n"
        await sim.unplug()
        with pytest.raises(serial.SerialException):
            async with asyncio.timeout(5):
                await reader.read(100)
    finally:
        writer.close()
        with contextlib.suppress(serial.SerialException):
            await writer.wait_closed()
    await sim.replug()
    reader, writer = await serial_asyncio_fast.open_serial_connection(url=str(pty_path))
    writer.write(b"AT\r")
    async with asyncio.timeout(5):
        assert await reader.readuntil(b"OK\r\n") == b"AT\r\r\nOK\r\n"
    writer.close()
    await writer.wait_closed()
