"""Benchmark: messages/s through a pool of 1, 4, 16 and 32 modems that each take 1 s per submit.

What is measured is the gateway, as it runs in production: ``gsmgateway run`` in a process of its
own, its SQLite store on disk with ``synchronous=FULL`` (every claim, part and status fsynced), each
modem opened through pyserial on a real pseudo-terminal. The modems are simulated in a second
process (this script's ``--sims`` mode: one event loop, N simulators), each answering ``+CMGS`` one
second after the PDU (``FaultPlan.network_delay``), as a real network round trip does. A pool of N
such modems can send at most N messages per second: the ideal. The figure is taken from the
store's own timestamps (first claim to last ``sent``), read afterwards with Python's ``sqlite3``.

Each size gets ``--per-modem`` messages per modem (default 20), all queued before the first is sent
(``dispatch.mode = "scheduled"`` holds them until the sweep), once every modem is ``ready``, so the
pool is busy from the start; the few hundred milliseconds the first claims take are then a small
part of the run, as they are of a real backlog draining.
Writes ``bench/results/pool.json`` and prints it. Target: >= 0.9 of ideal at 32 modems on 2 cores.

    .venv/bin/python bench/modem_pool.py [--sizes 1,4,16,32] [--per-modem 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "pool.json"
SUBMIT_SECONDS = 1.0
ENV = {k: v for k, v in os.environ.items() if not k.startswith("GSMGATEWAY_")}


async def serve_sims(directory: Path, count: int) -> None:
    """``--sims``: run ``count`` simulated modems on ptys in ``directory``; print paths, then ``ready``."""
    from simulator import FaultPlan, SimulatorServer

    plan = FaultPlan(network_delay=SUBMIT_SECONDS)
    async with contextlib.AsyncExitStack() as stack:
        for index in range(count):
            path = directory / f"modem{index}"
            await stack.enter_async_context(
                SimulatorServer("generic", "pty", faults=plan, pty_path=path, pty_group=None)
            )
            sys.stdout.write(f"{path}\n")
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


def config_text(state: Path, devices: list[str]) -> str:
    """Return the daemon's config: scheduled dispatch (quick sweep), no rate limits, a table per modem."""
    modems = "".join(
        f'\n[[modems]]\nid = "m{i}"\nport = "{device}"\nmessages_per_minute = 6000\n'
        for i, device in enumerate(devices)
    )
    return f"""state_dir = "{state}"
log_level = "WARNING"
[api]
port = 0
[dispatch]
mode = "scheduled"
[limits]
per_key_per_second = 0.0
per_recipient_per_hour = 0.0
[jobs]
sweep_seconds = 0.5
report_poll_seconds = 600.0
health_seconds = 600.0
{modems}"""


def cli(config: Path, *args: str) -> str:
    """Run one ``gsmgateway`` command; return its stdout."""
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "gsmgateway", "--config", str(config), *args],
        capture_output=True, text=True, check=True, env=ENV, cwd=ROOT,
    )  # fmt: skip
    return done.stdout


def wait_for_line(process: subprocess.Popen[str], prefix: str) -> str:
    """Read stdout lines until one starts with ``prefix``; return it."""
    assert process.stdout is not None  # noqa: S101
    for line in process.stdout:
        if line.startswith(prefix):
            return line.strip()
    raise RuntimeError(f"the process ended before printing {prefix!r}")


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM and wait."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def wait_all_ready(url: str, modems: int, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    """Poll ``/metrics`` (no key from this machine) until every modem is ``ready``."""
    async with aiohttp.ClientSession(url) as http, asyncio.timeout(timeout):
        while True:
            async with http.get("/metrics") as response:
                text = await response.text()
            ready = sum(
                1 for line in text.splitlines()
                if line.startswith("gsmgateway_modem_state{") and 'state="ready"' in line
                and line.endswith(" 1.0")
            )  # fmt: skip
            if ready == modems:
                return
            await asyncio.sleep(0.2)  # polling another process


async def enqueue(url: str, key: str, count: int) -> None:
    """Queue ``count`` messages (to clients 1..count) with concurrent POSTs."""
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(url, headers=headers) as http:

        async def post(index: int) -> None:
            body = {"clientId": str(index + 1), "message": f"Pool benchmark message {index}"}
            async with http.post("/sms", json=body) as response:
                if response.status != 202:
                    raise RuntimeError(f"POST /sms: {response.status} {await response.text()}")

        for first in range(0, count, 100):
            await asyncio.gather(*(post(i) for i in range(first, min(count, first + 100))))


def sent_figures(database: Path) -> tuple[int, float]:
    """Return (messages sent, seconds from the first claim to the last ``sent``) from the store."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        first_claim = db.execute("SELECT min(at) FROM message_events WHERE to_status = 'sending'").fetchone()[
            0
        ]
        last_sent, sent = db.execute(
            "SELECT max(at), count(*) FROM message_events WHERE to_status = 'sent'"
        ).fetchone()
    return int(sent), (int(last_sent) - int(first_claim)) / 1e6


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process ``pid`` used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sent_count(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT count(*) FROM message_events WHERE to_status = 'sent'").fetchone()[0])


def run_size(modems: int, per_modem: int) -> dict[str, Any]:
    """Measure one pool size in a fresh state directory on disk (not tmpfs: fsync must cost)."""
    (ROOT / "var").mkdir(exist_ok=True)  # the checkout's disk: /tmp may be a tmpfs, where fsync is free
    with tempfile.TemporaryDirectory(prefix="bench-pool-", dir=ROOT / "var") as tmp:
        root = Path(tmp)
        sims = subprocess.Popen(  # noqa: S603 - this script, fixed arguments
            [sys.executable, __file__, "--sims", str(modems), "--dir", str(root)],
            stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
        )  # fmt: skip
        daemon: subprocess.Popen[str] | None = None
        try:
            assert sims.stdout is not None  # noqa: S101
            devices = [line.strip() for line in iter(sims.stdout.readline, "ready\n")]
            config = root / "gsmgateway.toml"
            config.write_text(config_text(root / "state", devices), encoding="utf-8")
            count = modems * per_modem
            csv = root / "clients.csv"
            rows = [f"client,{i},+2557{i:08d},false," for i in range(1, count + 1)]
            csv.write_text("kind,id,mobile,opted_out,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
            cli(config, "directory", "import", str(csv))
            key = cli(config, "apikey", "create", "--name", "bench", "--scopes", "sms:send").split()[-1]
            daemon = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                [sys.executable, "-m", "gsmgateway", "run", "--config", str(config)],
                stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
            )  # fmt: skip
            url = wait_for_line(daemon, "gsmgateway: listening on ").rsplit(" ", 1)[1]
            asyncio.run(wait_all_ready(url, modems))  # a modem still initialising is no measure of the pool
            cpu_before = cpu_seconds(daemon.pid), cpu_seconds(sims.pid)
            asyncio.run(enqueue(url, key, count))
            database = root / "state" / "gsmgateway.db"
            deadline = time.monotonic() + 30 + 3 * per_modem * SUBMIT_SECONDS
            while sent_count(database) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {sent_count(database)} of {count} sent in time")
                time.sleep(0.5)  # polling another process's progress
            sent, seconds = sent_figures(database)
            cpu = cpu_seconds(daemon.pid) - cpu_before[0], cpu_seconds(sims.pid) - cpu_before[1]
        finally:
            if daemon is not None:
                stop(daemon)
            stop(sims)
    per_second = sent / seconds if seconds > 0 else 0.0
    # A modem's last message ends ~1 submit after its last claim: N·k messages need ≥ k·1 s.
    ideal = modems / SUBMIT_SECONDS
    return {
        "modems": modems,
        "messages": sent,
        "seconds": round(seconds, 2),
        "messages_per_second": round(per_second, 2),
        "ideal_per_second": ideal,
        "ratio": round(per_second / ideal, 3),
        "gateway_cpu_seconds": round(cpu[0], 2),
        "simulators_cpu_seconds": round(cpu[1], 2),
    }


def main() -> None:
    """Parse arguments; run the simulators (child) or every pool size (parent), writing pool.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sims", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="1,4,16,32")
    parser.add_argument("--per-modem", type=int, default=20)
    args = parser.parse_args()
    if args.sims:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_sims(args.dir, args.sims))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    result = {
        "benchmark": "modem_pool",
        "cpus": os.cpu_count(),
        "submit_seconds": SUBMIT_SECONDS,
        "sqlite_synchronous": "FULL",
        "per_modem": args.per_modem,
        "target_ratio_at_32": 0.9,
        "runs": [run_size(size, args.per_modem) for size in sizes],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
