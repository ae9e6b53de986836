"""Round-trip time of ``AT``/``OK`` over each simulator link, and paced throughput (prints JSON).

What a driver pays per command before the modem does anything: the in-memory stream, pyserial over
``socket://`` (TCP) and pyserial over the pty, unpaced and paced like 115200 8N1. The last figure
checks pacing itself: ``AT+CLAC`` answers (about 0.3 kB each) must flow at no more than the line
rate of 11 520 bytes/s. Never part of the tests: wall-clock figures depend on the machine.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import serial

from simulator import FaultPlan, MemoryStream, SimulatorServer

ROUND_TRIPS = 200
CLAC_ROUNDS = 40
LINE_RATE_115200 = 11_520  # bytes/s: 10 bits per byte on the wire (8N1)
PACED = FaultPlan(baud_rate=115_200)


async def _read_ok(stream: MemoryStream) -> bytes:
    received = b""
    while b"OK\r\n" not in received:
        chunk = await stream.read()
        if not chunk:
            raise SystemExit(f"the memory link closed; got {received!r}")
        received += chunk
    return received


async def memory_round_trips() -> list[float]:
    async with SimulatorServer(link="memory") as sim:
        stream = await sim.open_stream()
        try:
            await stream.write(b"ATE0\r")
            await _read_ok(stream)
            times = []
            for _ in range(ROUND_TRIPS):
                start = time.perf_counter()
                await stream.write(b"AT\r")
                await _read_ok(stream)
                times.append(time.perf_counter() - start)
            return times
        finally:
            await stream.close()


def serial_round_trips(port: serial.Serial) -> list[float]:
    port.write(b"ATE0\r")
    port.read_until(b"OK\r\n")
    times = []
    for _ in range(ROUND_TRIPS):
        start = time.perf_counter()
        port.write(b"AT\r")
        reply = port.read_until(b"OK\r\n")
        times.append(time.perf_counter() - start)
        if not reply.endswith(b"OK\r\n"):
            raise SystemExit(f"no OK within the port timeout; got {reply!r}")
    return times


async def tcp_round_trips() -> list[float]:
    async with SimulatorServer(link="tcp") as sim:

        def run() -> list[float]:
            port = serial.serial_for_url(sim.url, timeout=5)
            try:
                return serial_round_trips(port)
            finally:
                port.close()

        return await asyncio.to_thread(run)


async def pty_round_trips(directory: Path, faults: FaultPlan | None = None) -> list[float]:
    async with SimulatorServer(link="pty", pty_path=directory / "rtt0", faults=faults) as sim:

        def run() -> list[float]:
            with serial.Serial(sim.url, timeout=5) as port:
                return serial_round_trips(port)

        return await asyncio.to_thread(run)


async def paced_throughput(directory: Path) -> dict[str, Any]:
    async with SimulatorServer(link="pty", pty_path=directory / "paced0", faults=PACED) as sim:

        def run() -> tuple[int, float]:
            with serial.Serial(sim.url, timeout=10) as port:
                port.write(b"ATE0\r")
                port.read_until(b"OK\r\n")
                start, total = time.perf_counter(), 0
                for _ in range(CLAC_ROUNDS):
                    port.write(b"AT+CLAC\r")
                    total += len(port.read_until(b"OK\r\n"))
                return total, time.perf_counter() - start

        total, seconds = await asyncio.to_thread(run)
        writes = list(sim.output.writes)
    return {
        "bytes": total,
        "seconds": round(seconds, 3),
        "bytes_per_second": round(total / seconds),
        "line_rate": LINE_RATE_115200,
        "writes": len(writes),
        "max_write": max(write.size for write in writes),
    }


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95)], 3),
        "n": len(ms),
    }


async def run_all() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="gsmsim-bench-") as name:
        directory = Path(name)
        return {
            "memory": summary(await memory_round_trips()),
            "tcp_pyserial": summary(await tcp_round_trips()),
            "pty_pyserial": summary(await pty_round_trips(directory)),
            "pty_pyserial_paced_115200": summary(await pty_round_trips(directory, PACED)),
            "paced_clac": await paced_throughput(directory),
        }


def main() -> None:
    print(json.dumps(asyncio.run(run_all()), indent=1))


if __name__ == "__main__":
    main()
