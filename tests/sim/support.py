"""Helpers for the simulator's tests: reading a stream up to a token, and running ``python -m simulator``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import serial

from simulator import MemoryStream

#: ``AT+CMGS=19`` then this PDU submits "hello" to +255700000001 (GSM-7, status report requested off).
HELLO_PDU = b"0011000C915275000000100000AA05E8329BFD06"
HELLO_TPDU_LENGTH = 19


@runtime_checkable
class ByteStream(Protocol):
    """The gateway's transport seam (docs/interfaces.md §1), restated: the simulator never imports it."""

    async def read(self) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    async def close(self) -> None: ...


async def read_until(
    stream: MemoryStream,
    token: bytes | re.Pattern[bytes],
    timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's own deadline
) -> bytes:
    """Read a memory stream until ``token`` (bytes, or a pattern that matches) has arrived."""
    received = b""

    def arrived(data: bytes) -> bool:
        return bool(token.search(data)) if isinstance(token, re.Pattern) else token in data

    async with asyncio.timeout(timeout):
        while not arrived(received):
            chunk = await stream.read()
            if not chunk:
                raise EOFError(f"stream ended before {token!r}; got {received!r}")
            received += chunk
    return received


async def command(stream: MemoryStream, line: bytes, token: bytes = b"OK\r\n") -> bytes:
    """Send one command line and return the response up to ``token``."""
    await stream.write(line + b"\r")
    return await read_until(stream, token)


def serial_command(port: serial.Serial, line: bytes, token: bytes = b"OK\r\n") -> bytes:
    """Blocking: send one command line on a pyserial port and read up to ``token`` or its timeout."""
    port.write(line + b"\r")
    return bytes(port.read_until(token))


def path_present(path: Path | str) -> bool:
    """Return True when ``path`` exists as anything, a dangling symlink included."""
    return os.path.lexists(path)


#: The same message with TP-SRR set (first octet 0x31): the network sends a status report.
HELLO_PDU_WITH_REPORT = b"0031000C915275000000100000AA05E8329BFD06"


async def submit_hello(stream: MemoryStream, setup: bytes = b"ATE0") -> bytes:
    """Run ``setup``, then submit HELLO_PDU_WITH_REPORT; return the answer up to the final OK."""
    await command(stream, setup)
    await stream.write(b"AT+CMGS=%d\r" % HELLO_TPDU_LENGTH)
    await read_until(stream, b"> ")
    await stream.write(HELLO_PDU_WITH_REPORT + b"\x1a")
    return await read_until(stream, b"OK\r\n")


STARTUP_TIMEOUT = 15.0


class SimProcess:
    """A running ``python -m simulator`` and the key=value lines it announced."""

    def __init__(self, process: asyncio.subprocess.Process, info: dict[str, str]) -> None:
        self.process = process
        self.info = info

    async def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Send ``signum`` and return the exit code and what it wrote to stderr."""
        self.process.send_signal(signum)
        async with asyncio.timeout(STARTUP_TIMEOUT):
            _, stderr = await self.process.communicate()
        assert self.process.returncode is not None
        return self.process.returncode, stderr.decode()


@contextlib.asynccontextmanager
async def run_simulator(*args: str) -> AsyncIterator[SimProcess]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        info: dict[str, str] = {}
        lines: list[str] = []
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while (line := (await process.stdout.readline()).decode().strip()) != "ready":
                assert line, f"simulator exited before 'ready'; said {lines}"
                lines.append(line)
                key, _, value = line.partition("=")
                info[key] = value
        assert lines[0].startswith("device=")  # the machine-readable first line
        yield SimProcess(process, info)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
