"""Delivery reports from every storage, through the real daemon and a pty modem (issue 8).

Two modems: ``generic`` keeps reports in ``"SR"``; ``huawei-e173`` has no ``"SR"`` at all and keeps
them with the received SMS in ``"SM"`` (its ``AT+CPMS=?`` says ``("SM","ME")``), as many dongles do.
Each scenario gets an installation of its own. What the modem holds is read from the simulator's
``GET /storage``, which shares no code with the gateway.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.stack import StackOptions, number_of

pytestmark = SYSTEM
PROFILES = ["generic", "huawei-e173"]
#: Where each profile keeps a status report it was asked to store.
REPORT_MEMORY = {"generic": "SR", "huawei-e173": "SM"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def reports_stored(sim: SimulatorControl, memory: str) -> int:
    storage = (await sim.storage())["storage"]
    return sum(1 for m in storage.get(memory, {}).get("messages", []) if m["kind"] == "report")


@pytest.mark.parametrize("profile", PROFILES)
async def test_poll_routing_reaches_delivered(
    make_stack: StackFactory, http: aiohttp.ClientSession, profile: str
) -> None:
    stack = await make_stack(StackOptions(profile=profile, report_routing="poll"))
    gateway, sim = stack.clients(http)
    accepted = await gateway.accepted("Polled for its report.", clientId="21")
    detail = await gateway.wait_for(accepted["id"], "delivered")
    assert detail["parts"][0]["reportOutcome"] == "delivered"
    (modem,) = await gateway.modems()
    assert REPORT_MEMORY[profile] in {m["memory"] for m in modem["storage"]}
    assert await reports_stored(sim, REPORT_MEMORY[profile]) == 0  # read, kept, then deleted


@pytest.mark.parametrize("profile", PROFILES)
async def test_a_report_that_came_while_the_gateway_was_stopped_is_applied_after_the_restart(
    make_stack: StackFactory, http: aiohttp.ClientSession, profile: str
) -> None:
    stack = await make_stack(StackOptions(profile=profile))
    gateway, sim = stack.clients(http)
    number = number_of(22)
    await sim.plan(number, "DELIVERED", delay=3.0)
    accepted = await gateway.accepted("Reported while nobody listened.", clientId="22")
    await gateway.wait_for(accepted["id"], "sent")
    await stack.stop_daemon()
    await eventually(
        lambda: reports_stored(sim, REPORT_MEMORY[profile]), lambda n: n == 1, what="stored report"
    )
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    await gateway.wait_for(accepted["id"], "delivered")
    assert await reports_stored(sim, REPORT_MEMORY[profile]) == 0


@pytest.mark.parametrize("profile", PROFILES)
async def test_kill_9_during_cmgs_then_the_stored_report_resolves_the_unknown_message(
    make_stack: StackFactory, http: aiohttp.ClientSession, profile: str
) -> None:
    silence = {"silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]}
    stack = await make_stack(StackOptions(profile=profile, faults=(silence,)))
    gateway, sim = stack.clients(http)
    number = number_of(23)
    await sim.plan(number, "DELIVERED", delay=2.0)
    accepted = await gateway.accepted("Killed while the modem held +CMGS.", clientId="23")
    await eventually(
        lambda: sim.submits_to(number), lambda found: len(found) == 1, what="the PDU on the wire"
    )
    await stack.kill_daemon()  # the PDU left; the +CMGS answer never came; the report is on its way
    await eventually(
        lambda: reports_stored(sim, REPORT_MEMORY[profile]), lambda n: n == 1, what="stored report"
    )
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    detail = await gateway.wait_for(accepted["id"], "delivered")
    assert [e["to"] for e in detail["events"]][-2:] == ["unknown", "delivered"]
    (submit,) = await sim.submits_to(number)
    assert detail["parts"][0]["mr"] == submit["mr"]  # the report named the part whose PDU left
    assert len(await sim.submits_to(number)) == 1  # and it was never sent again


@pytest.mark.parametrize("profile", PROFILES)
async def test_a_sim_full_of_old_sms_at_start_still_gets_every_report(
    make_stack: StackFactory, http: aiohttp.ClientSession, tmp_path: Path, profile: str
) -> None:
    preload = tmp_path / "old-sms.json"
    capacity = {"generic": 30, "huawei-e173": 50}[profile]
    old = [{"memory": "SM", "kind": "sms", "sender": "+255799000001", "text": "old", "count": capacity}]
    preload.write_text(json.dumps(old), encoding="utf-8")
    stack = await make_stack(StackOptions(profile=profile, sim_args=("--preload", str(preload))))
    gateway, sim = stack.clients(http)
    sent = [
        await gateway.accepted(f"After the full SIM, number {n}.", clientId=str(30 + n)) for n in range(5)
    ]
    for message in sent:
        await gateway.wait_for(message["id"], "delivered")
    storage = (await sim.storage())["storage"]
    assert storage["SM"]["used"] == 0  # the old SMS were collected at start-up (journaled) and deleted


@pytest.mark.parametrize("profile", PROFILES)
async def test_262_messages_to_one_number_each_get_their_own_late_report(
    make_stack: StackFactory, http: aiohttp.ClientSession, profile: str
) -> None:
    """Issue 8 §3: the MR wraps after 256; the reports of the first ones come after the wrap.

    On ``huawei-e173`` the reports land in ``"SM"`` (no ``"SR"``), among whatever else is stored there.
    """
    delay = 10.0
    stack = await make_stack(StackOptions(profile=profile, messages_per_minute=3000, report_delay=delay))
    gateway, sim = stack.clients(http)
    number = number_of(40)
    items = [{"clientId": "40", "message": f"Instalment reminder {n:03d}."} for n in range(262)]
    batch = await gateway.request("POST", "/sms/batch", json={"items": items})
    assert batch.status == 202, batch
    ids = [m["id"] for m in batch.body["items"]]
    details = [await gateway.wait_for(message_id, "delivered", timeout=120) for message_id in ids]
    submits = {s["part_text"]: s for s in await sim.submits_to(number)}
    assert len(submits) == 262
    mrs = [submits[d["message"]]["mr"] for d in details]
    assert len(set(mrs)) < len(mrs)  # the MR did wrap: some messages share one
    await eventually(  # each one read, kept, then deleted
        lambda: reports_stored(sim, REPORT_MEMORY[profile]), lambda n: n == 0, what="reports deleted"
    )
    for detail in details:
        events = {e["to"]: at(e["at"]) for e in detail["events"]}
        assert detail["parts"][0]["mr"] == submits[detail["message"]]["mr"]
        # Its own report comes `delay` after its submit; an earlier one would be another message's.
        assert events["delivered"] - events["sent"] >= timedelta(seconds=delay - 1.5), detail["events"]
