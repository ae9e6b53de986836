"""The fd transport over real ptys and TCP sockets: bytes both ways, EOF as b"", clean errors."""

from __future__ import annotations

import asyncio
import os

import pytest

from gsmgateway.core.errors import ModemUnavailableError
from gsmgateway.modem.transport import PortInfo, list_ports, serial_opener


async def test_pty_round_trip_and_unplug_is_eof() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    traced: list[tuple[str, bytes]] = []
    stream = await serial_opener(path, trace=lambda d, b: traced.append((d, b)))()
    try:
        await stream.write(b"AT\r")
        assert os.read(master, 100) == b"AT\r"
        reading = asyncio.create_task(stream.read())
        await asyncio.sleep(0)  # one turn of the loop: the read has met the idle tty (no time involved)
        os.write(master, b"\r\nOK\r\n")  # an idle tty is not end of stream: the read waited for this
        async with asyncio.timeout(5):
            assert await reading == b"\r\nOK\r\n"
        os.close(master)
        async with asyncio.timeout(5):
            assert await stream.read() == b""
        assert traced == [(">", b"AT\r"), ("<", b"\r\nOK\r\n")]
    finally:
        await stream.close()
        await stream.close()
        os.close(slave)


async def test_exclusive_open_refuses_a_second_opener() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    stream = await serial_opener(path)()
    try:
        with pytest.raises(ModemUnavailableError, match="cannot open"):
            await serial_opener(path)()
    finally:
        await stream.close()
        os.close(master)
        os.close(slave)


async def test_missing_device_is_unavailable() -> None:
    with pytest.raises(ModemUnavailableError):
        await serial_opener("/dev/serial/by-id/usb-no-such-modem")()


async def test_socket_url_and_peer_close_is_eof() -> None:
    peers: list[asyncio.StreamWriter] = []
    connected = asyncio.Event()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer)
        connected.set()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stream = await serial_opener(f"socket://127.0.0.1:{port}")()
    try:
        async with asyncio.timeout(5):
            await connected.wait()
        peers[0].write(b"RING\r\n")
        async with asyncio.timeout(5):
            assert await stream.read() == b"RING\r\n"
        peers[0].close()
        await peers[0].wait_closed()
        async with asyncio.timeout(5):
            assert await stream.read() == b""
    finally:
        await stream.close()
        server.close()
        await server.wait_closed()


async def test_read_after_close_is_eof_and_write_fails() -> None:
    master, slave = os.openpty()
    stream = await serial_opener(os.ttyname(slave))()
    await stream.close()
    assert await stream.read() == b""
    with pytest.raises(ModemUnavailableError):
        await stream.write(b"AT\r")
    os.close(master)
    os.close(slave)


def test_port_listing_and_modem_heuristic() -> None:
    assert all(isinstance(p, PortInfo) for p in list_ports())
    huawei = PortInfo("/dev/ttyS9", "", "", 0x12D1, 0x1001, None)
    acm = PortInfo("/dev/ttyACM0", "", "", None, None, None)
    plain = PortInfo("/dev/ttyS0", "", "", None, None, None)
    assert huawei.looks_like_modem
    assert acm.looks_like_modem
    assert not plain.looks_like_modem
