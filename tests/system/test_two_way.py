"""Two-way messaging end to end: the simulated network sends SMS, the daemon stores, matches, acts, announces.

The daemon runs as a process on a pty modem; SMS are injected through the simulator's control
surface exactly as a network delivers them (stored, announced with ``+CMTI``, parts in any order).
A webhook receiver in this test (real HTTP on loopback, its own signature check) gets the events.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import LOOP, SYSTEM, StackFactory
from tests.system.processes import ProcessGroup
from tests.system.stack import Stack, StackOptions, build_stack, number_of
from tests.system.webhook_receiver import ReceiverProcess

pytestmark = SYSTEM
SECRET = "system-test-webhook-secret"


def two_way_toml(receiver: ReceiverProcess) -> str:
    """Webhooks to ``receiver``, retried fast; a short concatenation timeout."""
    return f"""
[inbound]
concat_timeout_seconds = 20.0

[webhook_delivery]
retry_base_seconds = 0.2
retry_max_seconds = 1.0
breaker_failures = 3
breaker_cooldown_seconds = 0.5
poll_seconds = 0.2

[[webhooks]]
url = "{receiver.url}"
secret = "{SECRET}"
"""


@pytest_asyncio.fixture(scope="module", loop_scope=LOOP)
async def two_way(tmp_path_factory: Any) -> AsyncIterator[tuple[Stack, ReceiverProcess]]:
    """One daemon whose webhook is this module's receiver (a process of its own)."""
    root = tmp_path_factory.mktemp("two-way")
    receiver = ReceiverProcess(SECRET, root / "calls.jsonl", root / "logs")
    await receiver.start()
    group = ProcessGroup()
    try:
        yield await build_stack(root, group, StackOptions(extra_toml=two_way_toml(receiver))), receiver
    finally:
        problems = await group.stop_all()
        await receiver.stop()
        assert not problems, "\n\n".join(problems)


def clients(stack: Stack, http: aiohttp.ClientSession) -> tuple[GatewayClient, SimulatorControl]:
    return stack.clients(http)


async def inbound(gateway: GatewayClient, query: str = "") -> list[dict[str, Any]]:
    reply = await gateway.request("GET", f"/inbound?limit=500{query}")
    assert reply.status == 200, reply
    return list(reply.body["items"])


async def received_from(gateway: GatewayClient, number: str, count: int) -> list[dict[str, Any]]:
    """Wait until ``count`` received messages from ``number`` are listed; return them, oldest first."""
    items = await eventually(
        lambda: inbound(gateway),
        lambda found: len([i for i in found if i["sender"] == number]) >= count,
        what=f"{count} received from {number}",
    )
    return [i for i in reversed(items) if i["sender"] == number]


async def test_single_long_and_unicode_messages_appear_once_matched(
    two_way: tuple[Stack, ReceiverProcess], http: aiohttp.ClientSession
) -> None:
    stack, receiver = two_way
    gateway, sim = clients(stack, http)
    long_text = "Nimelipa rejesho la wiki hii. " * 12 + "[€] asante"  # 3 GSM-7 parts
    emoji_text = "Asante sana 🙏🏽 " + "ü" * 70 + " 😀"  # 2 UCS-2 parts
    await sim.inject({"sender": number_of(181), "text": "Paid yesterday, 25,000 TZS"})
    await sim.inject({"sender": number_of(181), "text": long_text, "parts": [3, 1, 2], "reference_bits": 16})
    await sim.inject({"sender": number_of(181), "text": emoji_text, "parts": [2, 1]})
    items = await received_from(gateway, number_of(181), 3)
    assert len(items) == 3  # each exactly once
    assert sorted(i["text"] for i in items) == sorted(["Paid yesterday, 25,000 TZS", long_text, emoji_text])
    for item in items:
        assert (item["state"], item["match"]["status"], item["match"]["clientId"]) == (
            "complete",
            "matched",
            "181",
        )
    assert {i["encoding"] for i in items} == {"gsm7", "ucs2"}
    calls = await eventually(
        lambda: _events(receiver, "inbound.received"),
        lambda found: {item["id"] for item in items} <= {c["data"]["id"] for c in found},
        what="webhook events for the three messages",
    )
    assert all(number_of(181) not in str(call) for call in calls)  # include_numbers is false


async def _events(receiver: ReceiverProcess, event_type: str) -> list[dict[str, Any]]:
    calls = receiver.calls()
    assert all(call["signature_ok"] for call in calls), "a call with a bad signature"
    return [call["json"] for call in calls if call["json"]["type"] == event_type]


async def test_stop_opts_out_and_start_opts_in(
    two_way: tuple[Stack, ReceiverProcess], http: aiohttp.ClientSession
) -> None:
    stack, _ = two_way
    gateway, sim = clients(stack, http)
    assert (await gateway.send("Before STOP", clientId="182")).status == 202
    await sim.inject({"sender": number_of(182), "text": " Stop "})
    (stop,) = await received_from(gateway, number_of(182), 1)
    assert (stop["keyword"], stop["keywordResult"]) == ("opt_out", "applied")
    refused = await gateway.send("After STOP", clientId="182")
    assert (refused.status, refused.body["error"]["type"]) == (422, "recipient_opted_out")
    await sim.inject({"sender": number_of(182), "text": "START"})
    await received_from(gateway, number_of(182), 2)
    assert (await gateway.send("After START", clientId="182")).status == 202
    detail = await gateway.request("GET", f"/inbound/{stop['id']}")
    assert detail.body["directoryChange"]["change"] == "opted_out"


async def test_status_events_reach_the_webhook(
    two_way: tuple[Stack, ReceiverProcess], http: aiohttp.ClientSession
) -> None:
    stack, receiver = two_way
    gateway, _ = clients(stack, http)
    accepted = await gateway.accepted("Your repayment is due.", clientId="183")
    await gateway.wait_for(accepted["id"], "delivered")

    async def mine() -> list[dict[str, Any]]:
        return [
            c["data"]
            for c in await _events(receiver, "message.status")
            if c["data"]["messageId"] == accepted["id"]
        ]

    events = await eventually(
        mine,
        lambda found: {"sent", "delivered"} <= {d["status"] for d in found},
        what="sent and delivered events",
    )
    assert all(d["clientId"] == "183" and "number" not in d for d in events)


async def test_a_receiver_down_for_a_while_gets_every_event_after(
    two_way: tuple[Stack, ReceiverProcess], http: aiohttp.ClientSession
) -> None:
    stack, receiver = two_way
    gateway, sim = clients(stack, http)
    await receiver.go_down()
    texts = [f"Sent while the CRM was down ({n})" for n in range(3)]
    for text in texts:
        await sim.inject({"sender": number_of(184), "text": text})
    items = await received_from(gateway, number_of(184), 3)
    accepted = await gateway.accepted("Sending goes on meanwhile.", clientId="184")
    await gateway.wait_for(accepted["id"], "delivered")  # a dead endpoint holds nothing else up
    await eventually(  # the daemon noticed: its breaker opened on the refused connections
        lambda: _logs(stack), lambda text: "failed 3 times in a row" in text, what="breaker opened"
    )
    await receiver.come_back()  # on the same port
    calls = await eventually(
        lambda: _events(receiver, "inbound.received"),
        lambda found: {i["id"] for i in items} <= {c["data"]["id"] for c in found},
        what="every event after the receiver came back",
    )
    assert sorted(c["data"]["text"] for c in calls if c["data"]["id"] in {i["id"] for i in items}) >= sorted(
        texts
    )


async def _journal_counts(database: Path) -> tuple[int, int]:
    """(journal entries still pending, parts stored), read from the daemon's SQLite file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        pending = conn.execute("SELECT count(*) FROM modem_inbox WHERE processed_at IS NULL").fetchone()[0]
        parts = conn.execute("SELECT count(*) FROM inbound_parts").fetchone()[0]
    return int(pending), int(parts)


async def _logs(stack: Stack) -> str:
    """Everything the daemon(s) of ``stack`` wrote to stderr (their log)."""
    paths = sorted((stack.root / "logs").glob("daemon-*.stderr"))
    return "".join(path.read_text(encoding="utf-8", errors="replace") for path in paths)


async def test_no_number_or_text_of_a_received_sms_in_the_logs(
    two_way: tuple[Stack, ReceiverProcess], http: aiohttp.ClientSession
) -> None:
    stack, _ = two_way
    gateway, sim = clients(stack, http)
    secret_text = "Siri kubwa: PIN yangu ni 4711"
    await sim.inject({"sender": number_of(189), "text": secret_text})
    await received_from(gateway, number_of(189), 1)
    logs = await _logs(stack)
    assert "received SMS" in logs  # the daemon does log about them
    digits = number_of(189)[1:]
    swapped = "".join(digits[i + 1 : i + 2] + digits[i] for i in range(0, len(digits), 2)).upper()
    for leak in (digits, digits[-9:], swapped, secret_text, "Siri kubwa", "Paid yesterday"):
        assert not re.search(re.escape(leak), logs), f"{leak!r} is in the daemon's log"


async def test_kill_between_store_and_delete_yields_one_row(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    await sim.set_faults({"silences": [{"command": "+CMGD"}]})  # deletes go unanswered, and undone
    await sim.inject({"sender": number_of(185), "text": "Stored, then the power went"})
    (item,) = await received_from(gateway, number_of(185), 1)
    storage = (await sim.storage())["storage"]
    stored = [m for mem in storage.values() for m in mem["messages"] if m["kind"] == "sms"]
    assert stored, storage  # journaled and processed, but not deleted from the modem
    await stack.kill_daemon()
    await sim.set_faults({})
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    await eventually(
        sim.storage,
        lambda found: (
            not any(m["kind"] == "sms" for mem in found["storage"].values() for m in mem["messages"])
        ),
        what="the SMS deleted from the modem after the restart",
    )
    items = [i for i in await inbound(gateway) if i["sender"] == number_of(185)]
    assert [(i["id"], i["text"]) for i in items] == [(item["id"], "Stored, then the power went")]
    # The second reading was recognised as the same SMS and settled (not refused by the store and
    # retried for ever): nothing is left pending in the journal, and one part is stored.
    database = stack.root / "state" / "gsmgateway.db"
    counts = await eventually(
        lambda: _journal_counts(database), lambda found: found[0] == 0, timeout=15, what="journal settled"
    )
    assert counts[1] == 1
