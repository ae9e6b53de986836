"""Benchmark: accepted ``POST /sms`` per second (50 connections) and messages/s through ``/sms/batch``.

The API runs in its own process (``--serve``) on a fresh SQLite store, exactly as ``create_app``
builds it, with the limits switched off; this process generates the load with aiohttp so the two
do not share one core's event loop. Prints one JSON object. Not part of the test run.

    .venv/bin/python bench/api_ingest.py [--seconds 10] [--connections 50] [--batches 60]
        [--recipient-limit PER_HOUR]

``--recipient-limit`` switches the per-number limit on at that rate (high enough that nothing is
refused), to measure what checking it costs each submit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from gsmgateway.api import create_app
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.records import ModemStatusView, RecipientKind
from gsmgateway.heap import prepare_heap_for_serving
from gsmgateway.wiring import Services, open_services

CLIENTS = 1000


class _NoModems:
    async def modem_statuses(self) -> list[ModemStatusView]:
        return []


async def _prepare(services: Services, clients: int) -> str:
    """Create a key with every scope and ``clients`` directory entries; return the key."""
    key = generate_key()
    scopes = frozenset({"sms:send", "sms:read", "sms:read-numbers", "directory:write"})
    await services.api_keys.create(name="bench", key_hash=hash_key(key), scopes=scopes, now=utc_now())
    entries = [
        services.directory.make_entry(
            RecipientKind.CLIENT, str(i), mobile=f"+2557{i:08d}", opted_out=False, name=None
        )
        for i in range(clients)
    ]
    await services.directory.put_many(entries)
    return key


async def serve(
    state_dir: str, *, clients: int = CLIENTS, prepare: bool = True, recipient_per_hour: float = 0
) -> None:
    """Run the API on port 0 until SIGTERM; print ``{"port", "key"}`` once listening."""
    limits = LimitsConfig(
        per_key_per_second=0, per_recipient_per_hour=recipient_per_hour, per_recipient_burst=1_000_000
    )
    config = GatewayConfig(state_dir=state_dir, limits=limits)
    config = replace(config, dispatch=replace(config.dispatch, mode="scheduled"))
    services = await open_services(config)
    key = await _prepare(services, clients) if prepare else ""
    app = create_app(
        services.messages,
        services.directory,
        authenticate=services.authenticator.authenticate,
        modems=_NoModems(),
        inbound=services.inbound,
        config=config,
    )
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    prepare_heap_for_serving()  # as the daemon should once started (gsmgateway/heap.py)
    sys.stdout.write(json.dumps({"port": port, "key": key}) + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()
    await services.close()


def start_server(state_dir: str, *extra: str) -> tuple[subprocess.Popen[str], int, str]:
    """Start ``--serve`` in a child process; return it with its port and API key."""
    script = Path(__file__).resolve()
    child = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(script), "--serve", state_dir, *extra],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(script.parent.parent)},
    )
    assert child.stdout is not None  # noqa: S101
    hello = json.loads(child.stdout.readline())
    return child, int(hello["port"]), str(hello["key"])


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process ``pid`` used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(child: subprocess.Popen[str]) -> None:
    """Stop the child with SIGTERM and wait for it."""
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


async def _single_load(base: str, key: str, seconds: float, connections: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    accepted = other = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as session:

        async def one_connection(worker: int) -> None:
            nonlocal accepted, other
            n = 0
            while time.perf_counter() < deadline:
                body = {"message": f"Reminder {worker}-{n}", "clientId": str((worker * 7919 + n) % CLIENTS)}
                started = time.perf_counter()
                async with session.post("/sms", json=body) as response:
                    await response.read()
                    if response.status == 202:
                        accepted += 1
                    else:
                        other += 1
                latencies.append(time.perf_counter() - started)
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_connection(w) for w in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "accepted": accepted,
        "refused": other,
        "seconds": round(elapsed, 2),
        "accepted_per_second": round(accepted / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
    }


async def _batch_load(base: str, key: str, batches: int, concurrency: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    accepted = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for b in range(batches):
        queue.put_nowait(b)
    async with aiohttp.ClientSession(base, headers=headers) as session:

        async def worker() -> None:
            nonlocal accepted
            while not queue.empty():
                b = queue.get_nowait()
                items = [
                    {"message": f"Batch {b} item {i}", "clientId": str((b + i) % CLIENTS)}
                    for i in range(1000)
                ]
                async with session.post("/sms/batch", json={"items": items}) as response:
                    body = await response.json()
                    if response.status != 202:
                        raise RuntimeError(f"batch refused: {response.status} {body}")
                    accepted += len(body["items"])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "batches": batches,
        "messages": accepted,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(accepted / elapsed, 1),
    }


async def _measured(pid: int, load: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run ``load`` and add the CPU seconds the server and this load generator spent on it."""
    server_before, client_before = cpu_seconds(pid), time.process_time()
    figures = await load
    figures["server_cpu_seconds"] = round(cpu_seconds(pid) - server_before, 2)
    figures["load_generator_cpu_seconds"] = round(time.process_time() - client_before, 2)
    return figures


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="gsmgw-bench-") as state_dir:
        extra = ("--recipient-limit", str(args.recipient_limit)) if args.recipient_limit else ()
        child, port, key = start_server(state_dir, *extra)
        try:
            base = f"http://127.0.0.1:{port}"
            single = await _measured(child.pid, _single_load(base, key, args.seconds, args.connections))
            batch = await _measured(child.pid, _batch_load(base, key, args.batches, args.batch_concurrency))
        finally:
            stop_server(child)
    return {
        "benchmark": "api_ingest",
        "cpus": os.cpu_count(),
        "recipient_limit_per_hour": args.recipient_limit,
        "post_sms": {"connections": args.connections, **single, "target_per_second": 3000},
        "post_sms_batch": {"items_per_batch": 1000, **batch, "target_per_second": 30000},
    }


def main() -> None:
    """Parse arguments; either serve (child) or drive the load and print JSON (parent)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", metavar="STATE_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--no-prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--batch-concurrency", type=int, default=2)
    parser.add_argument("--recipient-limit", type=float, default=0.0)
    args = parser.parse_args()
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                serve(args.serve, prepare=not args.no_prepare, recipient_per_hour=args.recipient_limit)
            )
        return
    print(json.dumps(asyncio.run(_run(args)), indent=2))


if __name__ == "__main__":
    main()
