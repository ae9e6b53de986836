"""A webhook receiver for tests: a real aiohttp server on 127.0.0.1 (port 0) that checks signatures.

Its signature check is written here from the README's description of the scheme (HMAC-SHA256 over
``<t>.<raw body>``, header ``X-Gsmgateway-Signature: t=…,v1=…``), not taken from the gateway, so a
mistake in the gateway's signing cannot hide behind the same mistake here. It can answer with
chosen statuses, hold calls until released, or be down (no listener: connections are refused),
and come back on the same port.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    """One call as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def signature_is_valid(secret: str, header: str, body: bytes) -> bool:
    """Check ``t=<unix>,v1=<hex>`` the way the README tells a receiver to."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Receiver:
    """The test's webhook endpoint."""

    secret: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once used up
    calls: list[Received] = field(default_factory=list)
    hold: asyncio.Event | None = None  # set: calls wait for it before answering
    waiting: int = 0  # calls held right now
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    port: int = 0
    on_call: Callable[[Received], None] | None = None  # told of every call (the process form records them)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Go down: the port stops listening (callers get connection refused)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = signature_is_valid(self.secret, request.headers.get("X-Gsmgateway-Signature", ""), body)
        call = Received(dict(request.headers), body, ok)
        if self.on_call is not None:
            self.on_call(call)
        async with self._arrived:
            self.calls.append(call)
            self._arrived.notify_all()
        if self.hold is not None:
            self.waiting += 1
            try:
                await self.hold.wait()
            finally:
                self.waiting -= 1
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def wait_for(self, count: int, deadline: float = 10.0) -> list[Received]:
        """Wait (at most ``deadline`` seconds) until ``count`` calls arrived; return them."""
        async with asyncio.timeout(deadline), self._arrived:
            await self._arrived.wait_for(lambda: len(self.calls) >= count)
        return self.calls


async def _serve(port: int, secret: str, record: str) -> None:
    """Run a receiver on ``port`` until SIGTERM; append every call to ``record`` as a JSON line."""

    def write(call: Received) -> None:
        line = {"headers": call.headers, "body": call.body.decode(), "signature_ok": call.signature_ok}
        with open(record, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    receiver = Receiver(secret, port=port, on_call=write)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    switching: set[asyncio.Task[None]] = set()

    async def switch(up: bool) -> None:  # SIGUSR1: go down (refuse connections), SIGUSR2: come back
        await (receiver.start() if up else receiver.stop())
        _say("up" if up else "down")

    for signum, up in ((signal.SIGUSR1, False), (signal.SIGUSR2, True)):
        loop.add_signal_handler(signum, lambda up=up: switching.add(loop.create_task(switch(up))))
    await receiver.start()
    _say(f"listening {receiver.port}")
    await stop.wait()
    await asyncio.gather(*switching)
    await receiver.stop()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":  # a receiver of its own process, for the system tests
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True)
    arguments = parser.parse_args()
    asyncio.run(_serve(arguments.port, arguments.secret, arguments.record))
