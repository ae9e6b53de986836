"""``kill -9`` the daemon again and again during a burst, then check what each message became.

Shared by the system test (a small burst, a few kills) and ``bench/kill_soak.py`` (1,000 messages,
20 kills). The verdict is taken from the simulator, which shares no code with the gateway: a message
whose text reached the network must end ``delivered`` (its report came 1 s after the submit, maybe
while the daemon was dead); none may reach the network twice; one that never reached it must not be
``delivered`` (it may stay ``unknown`` when the kill fell between its PDU-written mark and its PDU).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from tests.system.clients import GatewayClient, eventually
from tests.system.stack import CLIENT_IDS, Stack

SETTLED = frozenset({"delivered", "undelivered", "failed", "expired", "unknown"})


@dataclass
class KillLoopResult:
    """What happened to every message of the burst."""

    messages: int
    kills: int
    submitted: int = 0  # distinct messages the network took
    sent_twice: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    left_but_not_delivered: list[int] = field(default_factory=list)
    delivered_but_never_left: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every message that left is delivered, none left twice, none is delivered that did not leave."""
        return not (self.sent_twice or self.left_but_not_delivered or self.delivered_but_never_left)


async def kill_loop(
    stack: Stack, http: aiohttp.ClientSession, *, messages: int, kills: int, settle_timeout: float = 300.0
) -> KillLoopResult:
    """Post ``messages`` messages in one batch, kill the daemon ``kills`` times while they go out."""
    started = time.monotonic()
    gateway, sim = stack.clients(http)
    clients = list(CLIENT_IDS)
    texts = [f"Burst {n:04d}: repayment reminder." for n in range(messages)]
    ids: list[int] = []
    for start in range(0, messages, 500):
        items = [{"clientId": str(clients[n % len(clients)]), "message": texts[n]}
                 for n in range(start, min(messages, start + 500))]  # fmt: skip
        reply = await gateway.request("POST", "/sms/batch", json={"items": items})
        assert reply.status == 202, reply
        ids += [item["id"] for item in reply.body["items"]]
    step = max(1, messages // (kills + 1))
    for kill in range(1, kills + 1):
        await eventually(sim.submits, lambda found, k=kill: len(found) >= k * step, timeout=settle_timeout,
                         what=f"{kill * step} submits before kill {kill}", interval=0.02)  # fmt: skip
        await stack.kill_daemon()
        await stack.start_daemon()
        gateway = GatewayClient(http, stack.url, stack.key)
    result = KillLoopResult(messages, kills)
    details = await _settled(gateway, ids, settle_timeout)
    seen = Counter(s["part_text"] for s in await sim.submits())
    result.submitted = sum(1 for text in texts if seen[text])
    result.sent_twice = sorted(text for text, count in seen.items() if count > 1)
    for message_id, text in zip(ids, texts, strict=True):
        status = details[message_id]["status"]
        result.statuses[status] += 1
        if seen[text] and status != "delivered":
            result.left_but_not_delivered.append(message_id)
        if not seen[text] and status == "delivered":
            result.delivered_but_never_left.append(message_id)
    result.seconds = time.monotonic() - started
    return result


async def _settled(gateway: GatewayClient, ids: list[int], timeout: float) -> dict[int, dict[str, object]]:  # noqa: ASYNC109
    """Wait until no message of ``ids`` is queued, sending or sent (awaiting its report); return them."""
    wanted = set(ids)

    async def ours() -> dict[int, dict[str, object]]:
        return {m["id"]: m for m in await gateway.list_all() if m["id"] in wanted}

    return await eventually(
        ours, lambda found: len(found) == len(wanted) and all(m["status"] in SETTLED for m in found.values()),
        timeout=timeout, what="every message settled", interval=0.5,
    )  # fmt: skip
