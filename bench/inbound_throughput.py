"""Received SMS per second: from the modem to a stored row, and on to a webhook call answered.

The whole daemon runs in-process (``gsmgateway.app.Gateway``) on a simulated modem over the
in-memory link, with one ``[[webhooks]]`` endpoint served by an aiohttp receiver on loopback that
answers 200. The simulated network delivers N single-part SMS; two clocks stop: when the N-th
message is stored (``inbound_messages`` complete) and when the receiver got the N-th
``inbound.received`` call.

Two ways a modem hands SMS over are measured: ``direct`` (``+CMT``, every SMS at once) and
``stored`` (``+CMTI`` then ``AT+CMGR``/``AT+CMGD``; injected in waves that fit the SIM's memory,
because a full memory makes the network wait, which would measure the simulated SMSC instead).

Usage: python bench/inbound_throughput.py [--messages N] [--rounds R] [--mode direct|stored|both]
Prints one JSON object per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from typing import Any

from aiohttp import web
from sqlalchemy import text

from gsmgateway.app import Gateway
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_inbound import WebhookConfig
from gsmgateway.core.config_sections import ApiConfig, DirectoryConfig, ModemConfig
from gsmgateway.core.records import RecipientKind
from simulator import SimulatorServer

WAVE = 40  # stored mode: SMS per wave, below the generic profile's 50-slot SIM memory
SENDER = "+255700000001"


class Receiver:
    """Count ``inbound.received`` calls; set an event when the wanted number arrived."""

    def __init__(self) -> None:
        self.count = 0
        self.wanted = 0
        self.done = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]

    async def _handle(self, request: web.Request) -> web.Response:
        if json.loads(await request.read())["type"] == "inbound.received":
            self.count += 1
            if self.count >= self.wanted:
                self.done.set()
        return web.Response(status=200)

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()


async def stored_count(gateway: Gateway) -> int:
    async with gateway.services.database.read.connect() as conn:
        found = await conn.scalar(text("SELECT count(*) FROM inbound_messages WHERE state = 'complete'"))
    return int(found or 0)


async def wait_stored(gateway: Gateway, count: int, received: asyncio.Event) -> None:
    """Wait until ``count`` messages are stored, looking after every pass that received some."""
    while await stored_count(gateway) < count:
        await received.wait()
        received.clear()


async def one_round(messages: int, direct: bool) -> dict[str, float]:
    """Run one gateway; deliver ``messages`` SMS; return seconds to stored and to webhooks sent."""
    receiver = Receiver()
    await receiver.start()
    receiver.wanted = messages
    with tempfile.TemporaryDirectory() as state:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(receiver.stop)
            sim = await stack.enter_async_context(SimulatorServer(link="memory"))
            config = GatewayConfig(
                state_dir=state, api=ApiConfig(port=0), directory=DirectoryConfig(default_country_code="255"),
                modems=(ModemConfig(id="m1", port="memory"),),
                webhooks=(WebhookConfig(url=f"http://127.0.0.1:{receiver.port}/hook", secret="b" * 32),),
            )  # fmt: skip
            gateway = Gateway(config, openers={"m1": sim.open_stream})
            await gateway.start()
            stack.push_async_callback(gateway.stop)
            await gateway.services.directory.put(
                RecipientKind.CLIENT, "1", mobile=SENDER, opted_out=False, name=None
            )
            await gateway.drivers[0].wait_ready(timeout=10)
            received = asyncio.Event()
            gateway.services.inbound.add_received_listener(received.set)
            started = time.perf_counter()
            wave = messages if direct else WAVE
            for first in range(0, messages, wave):
                for n in range(first, min(messages, first + wave)):
                    sim.inject_sms(SENDER, f"Nimelipa rejesho {n}", direct=direct)
                await wait_stored(gateway, min(messages, first + wave), received)
            stored = time.perf_counter() - started
            await asyncio.wait_for(receiver.done.wait(), timeout=600)
            sent = time.perf_counter() - started
    return {"stored": stored, "sent": sent}


async def run(messages: int, rounds: int, mode: str) -> dict[str, Any]:
    """Run ``rounds`` rounds of one mode; return per-second figures (median, min, max)."""
    results = [await one_round(messages, direct=mode == "direct") for _ in range(rounds)]

    def rates(key: str) -> dict[str, float]:
        per_second = sorted(messages / r[key] for r in results)
        return {"median": round(statistics.median(per_second), 1), "min": round(per_second[0], 1),
                "max": round(per_second[-1], 1)}  # fmt: skip

    return {
        "bench": "inbound_throughput",
        "mode": mode,
        "messages": messages,
        "rounds": rounds,
        "stored_per_second": rates("stored"),
        "webhook_sent_per_second": rates("sent"),
    }


def main() -> None:
    """Parse the arguments, run, print one JSON object per mode."""
    parser = argparse.ArgumentParser(description="received SMS/s: modem → stored row → webhook")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=("direct", "stored", "both"), default="both")
    args = parser.parse_args()
    for mode in ("direct", "stored") if args.mode == "both" else (args.mode,):
        print(json.dumps(asyncio.run(run(args.messages, args.rounds, mode))))


if __name__ == "__main__":
    main()
