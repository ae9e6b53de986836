"""Benchmark: p50/p99 latency of filtered ``GET /sms`` with 1,000,000 stored messages.

Set-up bulk-inserts the rows through the store's own writer (``SubmitWriter.insert_many``) into a
SQLite file that is kept between runs (``--state-dir``), spread over 30 days and 5,000 clients, and
cancels every tenth client's messages so status filters have something to find. The API then runs
in its own process (see ``api_ingest.py --serve``) and this process times the queries one at a time.
Prints one JSON object. Not part of the test run.

    .venv/bin/python bench/list_latency.py [--messages 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from api_ingest import start_server, stop_server

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.store.sweeps import MessageSweeps
from gsmgateway.store.tables import messages
from gsmgateway.store.writer import NewMessage
from gsmgateway.wiring import Services, open_services

CLIENTS = 5000
CHUNK = 5000
SPAN = timedelta(days=30)
END = datetime(2030, 1, 31, tzinfo=UTC)


def stored_count(db_path: Path) -> int:
    """Return how many messages the file holds (0 when it does not exist yet)."""
    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def _message(n: int, total: int) -> NewMessage:
    created = END - SPAN + SPAN * (n / total)
    client = n % CLIENTS
    return NewMessage(
        recipient_kind=RecipientKind.CLIENT.value, recipient_id=str(client), number=f"+2557{client:08d}",
        text=f"Reminder number {n}", parts_total=1, not_before=created, send_at=None,
        expires_at=created + timedelta(hours=24), created_at=created, api_key_id=None,
        idempotency_key=None, fingerprint=None, external_id=None,
    )  # fmt: skip


async def populate(services: Services, have: int, total: int) -> float:
    """Insert messages ``have..total`` and cancel every tenth client's; return the seconds taken."""
    started = time.perf_counter()
    for first in range(have, total, CHUNK):
        chunk = [_message(n, total) for n in range(first, min(total, first + CHUNK))]
        await services.writer.insert_many(chunk)
    cancelled_clients = [str(c) for c in range(0, CLIENTS, 10)]
    await MessageSweeps(services.database).bulk_transition(
        MessageStatus.QUEUED, MessageStatus.CANCELLED, now=END, reason="bench set-up",
        where=[messages.c.recipient_id.in_(cancelled_clients)],
    )  # fmt: skip
    return time.perf_counter() - started


async def make_key(services: Services) -> str:
    """Create a read key for the run."""
    key = generate_key()
    await services.api_keys.create(
        name="bench-read", key_hash=hash_key(key), scopes=frozenset({"sms:read"}), now=utc_now()
    )
    return key


def _queries(rng: random.Random) -> dict[str, dict[str, str]]:
    day = END - timedelta(days=rng.randint(1, 29))
    window = {"createdFrom": day.isoformat(), "createdTo": (day + timedelta(days=1)).isoformat()}
    return {
        "newest": {"limit": "50"},
        "status": {"status": "cancelled", "limit": "50"},
        "client": {"clientId": str(rng.randrange(CLIENTS)), "limit": "50"},
        "day_window": {**window, "limit": "100"},
        "status_in_window": {"status": "queued", **window, "limit": "100"},
        "client_and_status": {
            "clientId": str(rng.randrange(0, CLIENTS, 10)),
            "status": "cancelled",
            "limit": "50",
        },
        "max_page": {"status": "queued", "limit": "500"},
    }


async def measure(base: str, key: str, requests: int) -> dict[str, Any]:
    """Time each query kind ``requests`` times, one request at a time, plus a 20-page cursor walk."""
    rng = random.Random(7)
    timings: dict[str, list[float]] = {}
    async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {key}"}) as session:
        for _ in range(requests):
            for name, params in _queries(rng).items():
                started = time.perf_counter()
                async with session.get("/sms", params=params) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{name}: {response.status} {await response.text()}")
                timings.setdefault(name, []).append(time.perf_counter() - started)
        cursor = None
        for _ in range(20):
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            started = time.perf_counter()
            async with session.get("/sms", params=params) as response:
                cursor = (await response.json())["nextCursor"]
            timings.setdefault("cursor_walk", []).append(time.perf_counter() - started)
    everything = sorted(t for values in timings.values() for t in values)
    return {
        "all": _percentiles(everything),
        "by_query": {name: _percentiles(sorted(values)) for name, values in timings.items()},
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(values[len(values) // 2] * 1000, 2),
        "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000, 2),
    }


async def prepare(state_dir: Path, total: int) -> tuple[float | None, str]:
    """Bring the store to ``total`` messages (if needed) and create a key."""
    services = await open_services(GatewayConfig(state_dir=str(state_dir)))
    try:
        have = stored_count(state_dir / "gsmgateway.db")
        seconds = await populate(services, have, total) if have < total else None
        return seconds, await make_key(services)
    finally:
        await services.close()


def main() -> None:
    """Set up (once), serve in a child process, time the queries and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    default_dir = Path(tempfile.gettempdir()) / "gsmgateway-bench-list"
    parser.add_argument("--state-dir", default=str(default_dir), help="kept between runs (set-up is slow)")
    args = parser.parse_args()
    state_dir = Path(args.state_dir)
    setup_seconds, key = asyncio.run(prepare(state_dir, args.messages))
    child, port, _ = start_server(str(state_dir), "--no-prepare")
    try:
        figures = asyncio.run(measure(f"http://127.0.0.1:{port}", key, args.requests))
    finally:
        stop_server(child)
    print(
        json.dumps(
            {
                "benchmark": "list_latency",
                "cpus": os.cpu_count(),
                "stored_messages": stored_count(state_dir / "gsmgateway.db"),
                "setup_seconds": round(setup_seconds, 1) if setup_seconds is not None else "reused",
                "target_p99_ms": 20,
                **figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
