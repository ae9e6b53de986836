"""Two modems share a burst of 500 messages: each message leaves exactly once and all are delivered.

The proof is read from both simulators' decoders: every text appears once across the two modems,
for the right number, and each modem sent a share. No pacing, single-part messages, fast reports.
"""

from __future__ import annotations

from collections import Counter

import aiohttp
import pytest

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.stack import StackOptions, number_of

pytestmark = SYSTEM
BURST = 500
RECIPIENTS = range(1, 51)
BATCH = 250
BURST_TIMEOUT = 120.0


def burst_text(index: int) -> str:
    return f"Burst message {index:03d} of {BURST}: your meeting is on Friday."


def recipient_of(index: int) -> int:
    return RECIPIENTS[index % len(RECIPIENTS)]


@pytest.mark.timeout(BURST_TIMEOUT + 60)
async def test_two_modems_share_a_burst_and_no_message_leaves_twice(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions(modems=2, report_delay=0.0))
    gateway = GatewayClient(http, stack.url, stack.key)
    sims = [SimulatorControl(http, sim.control) for sim in stack.sims]
    await eventually(
        gateway.modems,
        lambda items: len(items) == 2 and all(item["state"] == "ready" for item in items),
        what="both modems ready",
    )

    for start in range(0, BURST, BATCH):
        items = [
            {"message": burst_text(i), "clientId": str(recipient_of(i))} for i in range(start, start + BATCH)
        ]
        reply = await gateway.request("POST", "/sms/batch", json={"items": items})
        assert reply.status == 202, reply

    async def delivered_count() -> int:
        reply = await gateway.request("GET", f"/sms?status=delivered&limit={BURST}")
        assert reply.status == 200, reply
        return len(reply.body["items"])

    await eventually(  # a 500-item listing is not free: poll it gently while the workers are busy
        delivered_count, lambda n: n == BURST, timeout=BURST_TIMEOUT, what="all delivered", interval=0.5
    )

    per_modem = [await sim.messages() for sim in sims]
    sent = Counter(text for messages in per_modem for _, text in messages)
    assert sent == Counter(burst_text(i) for i in range(BURST))  # every message, and each exactly once
    assert all(len(messages) > 0 for messages in per_modem), [len(m) for m in per_modem]
    expected_number = {burst_text(i): number_of(recipient_of(i)) for i in range(BURST)}
    for messages in per_modem:
        for recipient, text in messages:
            assert recipient.lstrip("+") == expected_number[text].lstrip("+"), (recipient, text)
    submits = [len(await sim.submits()) for sim in sims]
    assert sum(submits) == BURST
    listed = await gateway.list_all()
    assert len(listed) == BURST
    modem_of = Counter(item["modemId"] for item in listed)
    assert set(modem_of) == {"modem-1", "modem-2"}
    assert sorted(modem_of.values()) == sorted(len(m) for m in per_modem)
    counters = {item["id"]: item["counters"] for item in await gateway.modems()}
    assert {modem: c["sent"] for modem, c in counters.items()} == dict(modem_of)
    assert all(c["failed"] == 0 for c in counters.values())
