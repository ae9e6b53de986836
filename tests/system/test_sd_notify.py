"""The daemon under a service manager: the sd_notify exchange, as systemd would see it.

The test plays systemd's part with a real datagram socket in ``$NOTIFY_SOCKET`` and starts the real
daemon on a pty-simulated modem. It checks the protocol from sd_notify(3): ``READY=1`` only once
requests are answered, ``WATCHDOG=1`` again and again, ``STATUS=`` that follows
the queue and the modem, ``STOPPING=1`` when SIGTERM begins the shutdown, nothing after it; and
that SIGHUP (``systemctl reload``) leaves the daemon running.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.notify import Message, NotifyListener
from tests.system.processes import DaemonProcess, ManagedProcess, daemon_arguments, stderr_tail
from tests.system.stack import Stack, StackOptions

pytestmark = SYSTEM

#: systemd's WatchdogSec= in microseconds, as it passes it; the daemon must ping every 0.2 s or more often.
WATCHDOG_USEC = 400_000
STATUS = re.compile(r"^listening on (http://\S+); queued: (\d+|\?); modems: (.*)$")


@pytest_asyncio.fixture(loop_scope="package")
async def notify(tmp_path: Path) -> AsyncIterator[NotifyListener]:
    """Bind the service manager's notify socket at a file-system path (``@`` names: a unit test)."""
    listener = NotifyListener(tmp_path / "notify.sock")
    try:
        yield listener
    finally:
        listener.close()


async def start_notifying_daemon(stack: Stack, notify: NotifyListener) -> DaemonProcess:
    """Start ``gsmgateway run`` as systemd does for Type=notify with WatchdogSec=; do not wait for it."""
    env = {"NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    args = [*stack.runtime.gateway, *daemon_arguments(stack.config)]
    proc = await ManagedProcess.start("daemon-notify", args, log_dir=stack.root / "logs", env=env)
    daemon = DaemonProcess(proc, url="")  # the URL is learnt from READY's STATUS
    stack.daemon = daemon
    stack.group.running.append(daemon)
    return daemon


def status_of(message: Message) -> tuple[str, str, str]:
    """Return (url, queued, modems) from a STATUS= we sent; fail on any other shape."""
    match = STATUS.match(message["STATUS"])
    assert match, f"unexpected STATUS= {message['STATUS']!r}"
    return match.group(1), match.group(2), match.group(3)


async def test_ready_watchdog_status_reload_and_stopping(
    make_stack: StackFactory, notify: NotifyListener, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions(start_daemon=False))
    daemon = await start_notifying_daemon(stack, notify)

    # READY=1 is the first thing systemd hears, and the API answers the moment it arrives.
    ready = await notify.receive()
    assert ready.get("READY") == "1", ready
    url, queued, _ = status_of(ready)
    daemon.url = url
    gateway = GatewayClient(http, url, stack.key)
    health = await gateway.request("GET", "/health", anonymous=True)
    assert health.status == 200, health
    assert (await gateway.request("GET", "/ready", anonymous=True)).status in (200, 503)
    assert queued == "0"

    # WATCHDOG=1 keeps coming (its pace, half of WATCHDOG_USEC, is a unit test: no clocks here).
    for _ in range(4):
        await notify.receive_until(lambda m: m.get("WATCHDOG") == "1", what="WATCHDOG=1")

    # STATUS= follows the modem and the queue: ready and empty, then unplugged with two waiting.
    await notify.receive_until(
        lambda m: "STATUS" in m and status_of(m)[1:] == ("0", "modem-1 ready"), what="STATUS ready, empty"
    )
    await SimulatorControl(http, stack.sims[0].control).unplug()
    for client_id in (61, 62):
        await gateway.accepted("Held while the modem is out.", clientId=str(client_id))
    await notify.receive_until(
        lambda m: "STATUS" in m and status_of(m)[1] == "2" and "modem-1 ready" not in status_of(m)[2],
        what="STATUS with 2 queued and the modem not ready",
    )

    # SIGHUP asks for a reload: the daemon stays, answers, keeps pinging, and says it was asked.
    os.kill(daemon.proc.pid, signal.SIGHUP)
    await notify.receive_until(lambda m: m.get("WATCHDOG") == "1", what="WATCHDOG=1 after SIGHUP")
    assert daemon.proc.process.returncode is None, daemon.proc.describe()
    assert (await gateway.request("GET", "/health", anonymous=True)).status == 200
    await eventually(
        lambda: _stderr(daemon),
        lambda text: "reloaded (SIGHUP)" in text,
        what="'reloaded (SIGHUP)' in the daemon's log",
    )

    # SIGTERM: STOPPING=1 as the shutdown begins, and nothing after it; exit 0.
    await stack.stop_daemon()
    after_stop = notify.drain()
    assert {"STOPPING": "1"}.items() <= after_stop[-1].items(), after_stop[-3:]
    assert sum("STOPPING" in m for m in after_stop) == 1, after_stop


async def _stderr(daemon: DaemonProcess) -> str:
    return stderr_tail(daemon.proc.stderr_path, lines=200)
