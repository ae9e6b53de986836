"""A late status report resolves a message left unknown by a crash before the +CMGS answer."""

from __future__ import annotations

import aiohttp

from tests.system.clients import GatewayClient, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.stack import StackOptions, number_of

pytestmark = SYSTEM


async def test_late_report_resolves_unknown(make_stack: StackFactory, http: aiohttp.ClientSession) -> None:
    silence = {"silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]}
    stack = await make_stack(StackOptions(faults=(silence,)))
    gateway, sim = stack.clients(http)
    number = number_of(172)
    await sim.plan(number, "DELIVERED", delay=4.0)
    accepted = await gateway.accepted("Late report.", clientId="172")
    await eventually(lambda: sim.submits_to(number), lambda found: len(found) == 1, what="pdu")
    await stack.kill_daemon()
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    detail = await gateway.wait_for(accepted["id"], "delivered", timeout=20)
    statuses = [event["to"] for event in detail["events"]]
    assert statuses[-2:] == ["unknown", "delivered"]
    assert len(await sim.submits_to(number)) == 1  # resolved by the report, never sent again
