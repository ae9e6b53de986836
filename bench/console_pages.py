"""Benchmark: server time of every console page with 1,000,000 stored messages, two ways spread.

Set-up bulk-inserts the messages through the store's own writer (``SubmitWriter.insert_many``, as
``list_latency.py`` does) into a SQLite file kept between runs (``--state-dir``), across 5,000
clients and two modems, with the statuses a busy branch ends up with (most delivered; some sent,
failed, undelivered, unknown, queued). Each run measures two stores: the messages spread over the
last 90 days (the retention period: ~11,000 a day) and all of them within the last 7 days (the
whole million inside the overview's chart, its worst case). Each store also holds 100,000 received
messages (``--inbound``) over the same days, most matched to a client, some unmatched or
ambiguous, for the received-message pages.

The console then runs in this process on a real socket, signed in through its form like a browser,
and each page is fetched ``--requests`` times one after another. The figure is the page's own
``Server-Timing`` (handler and rendering, what the < 100 ms target is about); the wall time seen by
the client is printed beside it. Prints one JSON object. Not part of the test run.

    .venv/bin/python bench/console_pages.py [--messages 1000000] [--inbound 100000] [--days 90 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from list_latency import stored_count
from sqlalchemy import func, insert, select, update

from gsmgateway.api import create_app
from gsmgateway.api.console import mount_console
from gsmgateway.api.server import serve
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.models import MessageStatus, ModemState
from gsmgateway.core.records import ModemStatusView, RecipientKind
from gsmgateway.store.tables import inbound_messages, messages
from gsmgateway.store.writer import NewMessage
from gsmgateway.wiring import Services, open_services

CLIENTS = 5000
CHUNK = 5000
NOW = datetime.now(UTC).replace(microsecond=0)
#: Out of every 100 messages: what becomes of them (the rest stay delivered).
MIX = ((MessageStatus.SENT, 3), (MessageStatus.FAILED, 2), (MessageStatus.UNDELIVERED, 1),
       (MessageStatus.UNKNOWN, 1), (MessageStatus.QUEUED, 1), (MessageStatus.CANCELLED, 1))  # fmt: skip


class TwoModems:
    """The modem picture of a two-dongle branch (the daemon passes its workers)."""

    async def modem_statuses(self) -> list[ModemStatusView]:
        """Return both modems, ready."""
        return [
            ModemStatusView(
                modem_id=f"modem-{n}", state=ModemState.READY.value, signal=-71 - 10 * n, operator="SimTel",
                last_error=None, sent_count=500_000, failed_count=10_000, updated_at=datetime.now(UTC),
            )
            for n in (1, 2)
        ]  # fmt: skip


def _message(n: int, total: int, span: timedelta) -> NewMessage:
    created = NOW - span + span * (n / total)
    client = n % CLIENTS
    return NewMessage(
        recipient_kind=RecipientKind.CLIENT, recipient_id=str(client), number=f"+2557{client:08d}",
        text=f"Reminder number {n}", parts_total=1, not_before=created, send_at=None,
        expires_at=created + timedelta(hours=24), created_at=created, api_key_id=None,
        idempotency_key=None, fingerprint=None, external_id=None,
    )  # fmt: skip


async def populate(services: Services, total: int, span: timedelta) -> float:
    """Insert ``total`` messages, then give them their statuses and modems; return the seconds taken."""
    started = time.perf_counter()
    for first in range(0, total, CHUNK):
        await services.writer.insert_many(
            [_message(n, total, span) for n in range(first, min(total, first + CHUNK))]
        )
    async with services.database.write.begin() as conn:
        await conn.execute(update(messages).values(status=MessageStatus.DELIVERED.value, modem_id="modem-1"))
        await conn.execute(update(messages).where(messages.c.id % 2 == 0).values(modem_id="modem-2"))
        offset = 0
        for status, share in MIX:
            bucket = (messages.c.id % 100 >= offset) & (messages.c.id % 100 < offset + share)
            await conn.execute(update(messages).where(bucket).values(status=status.value))
            offset += share
    return time.perf_counter() - started


def forget_store(state_dir: Path) -> None:
    """Delete a store of another size, so set-up starts from nothing."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state_dir / 'gsmgateway.db'}{suffix}").unlink(missing_ok=True)


def _received(n: int, total: int, span: timedelta) -> dict[str, Any]:
    """One received message in its stored form: 90 % from a client, 8 % unknown, 2 % ambiguous."""
    at = NOW - span + span * (n / total)
    client = n % CLIENTS
    match = "matched" if n % 50 < 45 else "unmatched" if n % 50 < 49 else "ambiguous"
    return {
        "modem_id": f"modem-{1 + n % 2}", "sender": f"+2557{client:08d}", "sender_type": "international",
        "number": f"+2557{client:08d}", "state": "complete", "encoding": "gsm7", "text": f"Reply {n}",
        "data_hex": None, "concat_ref": None, "concat_bits": None, "parts_total": 1, "parts_received": 1,
        "sent_at": at, "received_at": at, "completed_at": at, "match_status": match,
        "match_kind": "client" if match == "matched" else None,
        "match_id": str(client) if match == "matched" else None,
        "match_source": "local" if match == "matched" else None, "candidates": {"matched": 1,
        "unmatched": 0, "ambiguous": 2}[match], "updated_at": at,
    }  # fmt: skip


async def populate_inbound(services: Services, total: int, span: timedelta) -> None:
    """Store ``total`` received messages (unless the store has them), as inbound processing leaves them."""
    async with services.database.read.connect() as conn:
        if await conn.scalar(select(func.count()).select_from(inbound_messages)) == total:
            return
    async with services.database.write.begin() as conn:
        await conn.execute(inbound_messages.delete())
        for first in range(0, total, CHUNK):
            rows = [_received(n, total, span) for n in range(first, min(total, first + CHUNK))]
            await conn.execute(insert(inbound_messages), rows)


async def prepare(
    state_dir: Path, total: int, inbound: int, span: timedelta
) -> tuple[Services, float | None]:
    """Open the store, filling it first unless it already holds ``total`` messages."""
    fill = stored_count(state_dir / "gsmgateway.db") != total
    if fill:
        forget_store(state_dir)
    services = await open_services(GatewayConfig(state_dir=str(state_dir)))
    seconds = await populate(services, total, span) if fill else None
    await populate_inbound(services, inbound, span)
    await services.directory.put(
        RecipientKind.CLIENT, "42", mobile="+255700000042", opted_out=False, name="A"
    )
    return services, seconds


async def sign_in(session: aiohttp.ClientSession, services: Services) -> str:
    """Sign in through the form with a new admin key; return the session cookie."""
    key = generate_key()
    await services.api_keys.create(
        name="bench admin", key_hash=hash_key(key), scopes=frozenset({"admin"}), now=datetime.now(UTC)
    )
    async with session.get("/console/sign-in") as form:
        token = re.search(r'name="sign_in_token" value="([^"]+)"', await form.text())
        cookie = form.cookies["gsmgateway_console_signin"].value
    if token is None:
        raise RuntimeError("no sign-in form")
    async with session.post(
        "/console/sign-in", data={"sign_in_token": token.group(1), "api_key": key},
        headers={"Cookie": f"gsmgateway_console_signin={cookie}"}, allow_redirects=False,
    ) as signed:  # fmt: skip
        return f"gsmgateway_console={signed.cookies['gsmgateway_console'].value}"


def pages(last_id: int) -> dict[str, str]:
    day = (NOW - timedelta(days=3)).date()
    return {
        "overview": "/console/",
        "messages_newest": "/console/messages",
        "messages_by_client": "/console/messages?client=1234",
        "messages_unknown": "/console/messages?status=unknown",
        "messages_one_day": f"/console/messages?from={day}&to={day}",
        "message_detail": f"/console/messages/{last_id // 2}",
        "test_sms_form": "/console/test-sms",
        "keys": "/console/keys",
        "directory_lookup": "/console/directory?kind=client&id=42",
        "inbound_newest": "/console/inbound",
        "inbound_by_client": "/console/inbound?client=1234",
        "inbound_unmatched": "/console/inbound?match=unmatched",
        "inbound_one_day": f"/console/inbound?from={day}&to={day}",
        "inbound_detail": "/console/inbound/5000",
        "opt_outs": "/console/opt-outs",
        "sign_in_form": "/console/sign-in",
    }


async def measure(url: str, services: Services, requests: int, last_id: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with aiohttp.ClientSession(url, cookie_jar=aiohttp.DummyCookieJar()) as session:
        cookie = await sign_in(session, services)
        for name, path in pages(last_id).items():
            server: list[float] = []
            wall: list[float] = []
            for _ in range(requests):
                started = time.perf_counter()
                async with session.get(path, headers={"Cookie": cookie}, allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{name}: {response.status}")
                    wall.append(time.perf_counter() - started)
                    server.append(float(response.headers["Server-Timing"].split("dur=")[1]))
            server.sort()
            wall.sort()
            figures[name] = {
                "server_p50_ms": server[len(server) // 2],
                "server_max_ms": server[-1],
                "wall_p50_ms": round(wall[len(wall) // 2] * 1000, 1),
            }
    return figures


async def run(state_dir: Path, total: int, inbound: int, days: int, requests: int) -> dict[str, Any]:
    services, setup_seconds = await prepare(state_dir, total, inbound, timedelta(days=days))
    try:
        config = GatewayConfig(state_dir=str(state_dir))
        app: web.Application = create_app(
            services.messages,
            services.directory,
            authenticate=services.authenticator.authenticate,
            modems=TwoModems(),
            config=config,
            inbound=services.inbound,
        )
        mount_console(
            app, operator=services.operator, messages=services.messages, directory=services.directory,
            inbound=services.inbound, modems=TwoModems(),
        )  # fmt: skip
        server = await serve(app, "127.0.0.1", 0)
        try:
            figures = await measure(server.url, services, requests, stored_count(state_dir / "gsmgateway.db"))
        finally:
            await server.close()
    finally:
        await services.close()
    return {
        "stored_messages": stored_count(state_dir / "gsmgateway.db"),
        "stored_inbound": inbound,
        "spread_over_days": days,
        "setup_seconds": round(setup_seconds, 1) if setup_seconds is not None else "reused",
        "pages": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--inbound", type=int, default=100_000)
    parser.add_argument("--days", type=int, nargs="+", default=[90, 7])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--state-dir", default=None, help="parent of the stores, kept between runs (set-up is slow)"
    )
    args = parser.parse_args()
    root = Path(args.state_dir or tempfile.gettempdir())
    runs = {
        f"{days}_days": asyncio.run(
            run(root / f"gsmgateway-bench-console-{days}d", args.messages, args.inbound, days, args.requests)
        )
        for days in args.days
    }
    result = {
        "benchmark": "console_pages", "cpus": os.cpu_count(), "requests_per_page": args.requests,
        "target_server_ms": 100, "spreads": runs,
        "overview_server_p50_ms": {name: r["pages"]["overview"]["server_p50_ms"] for name, r in runs.items()},
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
