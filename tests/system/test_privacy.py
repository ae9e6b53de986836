"""Logs are for operators (issue 8 §4): no number beyond its last 3 digits, no text, no PIN, no key.

A full scenario through the real daemon and a PIN-locked, SR-less modem on a pty — sends, received
SMS stored and direct, a report for a number the gateway never wrote to, refused API calls,
a garbage HTTP request, an unplug, and a start with a wrong PIN — then every line the daemon wrote
is searched for every number, text, PIN and key the scenario used. The daemon logs at its default
level (INFO, which the stack's config names explicitly).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from gsmgateway.core.config import GatewayConfig
from tests.system.clients import GatewayClient, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.processes import DaemonProcess
from tests.system.stack import Stack, StackOptions, number_of

pytestmark = SYSTEM
PIN, WRONG_PIN = "73195468", "48261937"
SENT = {  # client id → text; every word is one no log may show
    191: "Kilimanjaro branch: your loan of 450000 is approved.",
    192: "Mwanza ofisi — marejesho yamepokelewa. Asante sana 🎉",
    193: "Zanzibar " + "collateral review scheduled " * 8,  # three parts
}
INBOUND = {"+255788410001": "Dodoma nimelipa jana", "+255788410002": "Tabora STOP tafadhali"}
STRAY = "+255788499977"  # a report arrives for it, though the gateway never wrote to it
SECRET_WORDS = (
    "Kilimanjaro",
    "Mwanza",
    "marejesho",
    "Zanzibar",
    "collateral",
    "Dodoma",
    "nimelipa",
    "Tabora",
)


def forms(number: str) -> list[str]:
    """Return the ways a number could be written: international, digits only, national."""
    digits = number.lstrip("+")
    return [number, digits, "0" + digits[3:]]


def daemon_log(stack: Stack) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted((stack.root / "logs").glob("daemon-*")))


async def garbage_request(url: str, line: bytes) -> None:
    """Send a malformed HTTP request (as a scanner would) and read whatever comes back."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(line)
    await writer.drain()
    await reader.read()
    writer.close()
    await writer.wait_closed()


async def refused_calls(gateway: GatewayClient, stray_key: str) -> None:
    """Make API calls that fail, each carrying a number, a text or a key the log must not repeat."""
    assert (await gateway.request("GET", "/sms", key=stray_key)).status == 401
    bad_json = b'{"clientId": "+255788410003", "message": "Kigoma malformed'
    assert (await gateway.request("POST", "/sms", data=bad_json)).status == 400
    unknown = await gateway.request("POST", "/sms", json={"clientId": "+255788410004", "message": "Kigoma"})
    assert unknown.status in (400, 404, 422)
    odd = await gateway.request("PUT", "/clients/9001", json={"mobile": "0788 41x 0005"})
    assert odd.status == 400
    huge = await gateway.request("POST", "/sms", data=b'{"message": "' + b"Kigoma " * 20000 + b'"}')
    assert huge.status == 413


async def test_no_log_line_shows_a_number_a_text_a_pin_or_a_key(
    make_stack: StackFactory, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    assert GatewayConfig().log_level == "INFO"  # the default the daemon runs at
    profile = tmp_path / "locked-e173.toml"
    profile.write_text(f'base = "huawei-e173"\nname = "locked-e173"\nsim_pin = "{PIN}"\n', encoding="utf-8")
    stack = await make_stack(StackOptions(profile=str(profile), pin=PIN))
    gateway, sim = stack.clients(http)

    sent = [await gateway.accepted(text, clientId=str(cid)) for cid, text in SENT.items()]
    for message in sent:
        await gateway.wait_for(message["id"], "delivered")
    for n, (sender, text) in enumerate(INBOUND.items()):
        await sim.inject({"sender": sender, "text": text, "direct": bool(n)})
    await sim.preload([{"memory": "SM", "kind": "report", "recipient": STRAY, "mr": 77, "status": 0}])
    stray_key = "gsk_" + "Q" * 43
    await refused_calls(gateway, stray_key)
    await garbage_request(stack.url, b"GET /sms HTTP/1.1\r\nTo +255788410006 Kigoma 0788410006\r\n\r\n")
    await sim.unplug()
    await eventually(gateway.modems, lambda items: items[0]["reason"] == "missing", what="unplug noticed")
    await sim.replug(reboot=True)
    await gateway.wait_ready()

    async def log_text() -> str:
        return daemon_log(stack)

    await eventually(
        log_text,
        lambda log: "waits for its part" in log and "received SMS kept" in log,
        what="the log lines of the stray report and the received SMS",
    )
    await stack.stop_daemon()
    await sim.unplug()
    await sim.replug(reboot=True)  # power-on: the SIM asks for its PIN again
    await wrong_pin_start(stack, http)

    log = daemon_log(stack)
    assert "modem-1: disconnected (missing:" in log  # the log was really read
    numbers = [number_of(cid) for cid in SENT] + list(INBOUND) + [STRAY, "+255788410003", "+255788410006"]
    leaks = [form for number in numbers for form in forms(number) if form in log]
    leaks += [word for word in (*SECRET_WORDS, "Kigoma") if word in log]
    leaks += [secret for secret in (PIN, WRONG_PIN, stack.key, stack.key[4:24], stray_key) if secret in log]
    assert leaks == [], "\n".join(line for line in log.splitlines() if any(leak in line for leak in leaks))


async def wrong_pin_start(stack: Stack, http: aiohttp.ClientSession) -> None:
    """Start the daemon once with a PIN the SIM refuses: /modems names the reason, nobody sees the PIN."""
    config = stack.root / "wrong-pin.toml"
    config.write_text(
        stack.config.read_text().replace(f'pin = "{PIN}"', f'pin = "{WRONG_PIN}"'), encoding="utf-8"
    )
    daemon = await DaemonProcess.start("daemon-wrong-pin", config, log_dir=stack.root / "logs")
    stack.group.running.append(daemon)
    try:
        gateway = GatewayClient(http, daemon.url, stack.key)
        (modem,) = await eventually(
            gateway.modems, lambda items: items[0]["reason"] == "pin", what="PIN refused"
        )
        assert WRONG_PIN not in json.dumps(modem)
    finally:
        stack.group.running.remove(daemon)
        await daemon.stop()
