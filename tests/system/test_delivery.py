"""The happy paths and the network's verdicts, through the real daemon and a pty modem, over HTTP only.

Each test uses recipients of its own (client ids below), so the shared installation's state from one
test never decides another. "The right text for the right number" is read from the simulator's own
decoder (its ``/messages`` and ``/submits``), which shares no PDU code with the gateway.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.system.clients import GatewayClient, SimulatorControl, eventually, same_number
from tests.system.conftest import SYSTEM
from tests.system.stack import STAFF_ID, STAFF_NUMBER, number_of

GSM7_LONG = ("Ndugu mteja, marejesho ya mkopo wako wa TSh 250,000 yanadaiwa tarehe 5 Desemba. " * 5)[:400]
CASES = [
    # (name, client id, text, expected SMS parts)
    ("single", 101, "Your loan repayment of TZS 5,000 is due on 1 December.", 1),
    ("gsm7 extension table", 102, "Fee: 5€ [ref {A-7}] ~ ^ | \\ paid", 1),
    ("multipart", 103, GSM7_LONG, 3),
    ("unicode", 104, "Habari Amani — malipo yako ya TSh 10,000 yamepokelewa. Ασφάλεια, ñandú, Straße.", 2),
    ("emoji", 105, "Hongera! 🎉 Mkopo wako umeidhinishwa ✅", 1),
    ("emoji across a part boundary", 106, "a" * 66 + "😀" + "b" * 10, 2),
]  # fmt: skip

pytestmark = SYSTEM


def statuses(detail: dict[str, Any]) -> list[str]:
    """Return the ``to`` status of every event in the timeline, oldest first."""
    return [event["to"] for event in detail["events"]]


def in_order(seen: list[str], wanted: list[str]) -> bool:
    """Whether ``wanted`` occurs in ``seen`` as a subsequence."""
    remaining = iter(seen)
    return all(status in remaining for status in wanted)


def at(text: str) -> datetime:
    """Parse an API time (ISO 8601, ``Z``)."""
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("name", "client_id", "text", "parts"), CASES, ids=[c[0] for c in CASES])
async def test_message_is_delivered_with_the_right_text_to_the_right_number(
    gateway: GatewayClient, sim: SimulatorControl, name: str, client_id: int, text: str, parts: int
) -> None:
    accepted = await gateway.accepted(text, clientId=str(client_id))
    assert accepted["status"] == "queued"
    assert accepted["clientId"] == client_id  # a numeric id comes back as a JSON number
    assert accepted["partCount"] == parts

    detail = await gateway.wait_for(accepted["id"], "delivered")

    assert detail["message"] == text
    assert in_order(statuses(detail), ["queued", "sending", "sent", "delivered"]), detail["events"]
    assert [p["partNo"] for p in detail["parts"]] == list(range(1, parts + 1))
    assert all(p["reportOutcome"] == "delivered" and p["mr"] is not None for p in detail["parts"])
    assert await sim.messages_to(number_of(client_id)) == [text]
    submits = [s for s in await sim.submits() if same_number(s["recipient"], number_of(client_id))]
    assert len(submits) == parts
    assert all(s["status_report_requested"] for s in submits)
    if parts > 1:
        refs = {s["concat"][0] for s in submits}
        assert len(refs) == 1, submits  # one concatenation reference for the whole message
        assert sorted(s["concat"][2] for s in submits) == list(range(1, parts + 1))
        assert all(s["concat"][1] == parts for s in submits)
        assert "".join(s["part_text"] for s in sorted(submits, key=lambda s: s["concat"][2])) == text


async def test_reports_right_after_the_submit_are_not_lost(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    """A status report may arrive before the worker has stored the part's MR; it must still count.

    The simulator reports the moment it answers ``+CMGS`` (no network delay), the tightest race
    between the report consumer and the worker recording each part. Every part must end delivered.
    """
    clients = (107, 108, 109, 113)  # several three-part messages: the race has many chances to show
    for client_id in clients:
        await sim.plan(number_of(client_id), "DELIVERED", delay=0.0)
    sent = [await gateway.accepted(GSM7_LONG, clientId=str(cid)) for cid in clients]
    for message in sent:
        detail = await gateway.wait_for(message["id"], "delivered", timeout=15)
        assert [p["reportOutcome"] for p in detail["parts"]] == ["delivered"] * 3


async def test_staff_member_gets_the_message_on_their_own_number(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    text = "Staff meeting at the Arusha branch, 9:00 tomorrow."
    accepted = await gateway.accepted(text, staffId=STAFF_ID)
    assert accepted["staffId"] == int(STAFF_ID)
    assert accepted["clientId"] is None
    await gateway.wait_for(accepted["id"], "delivered")
    assert await sim.messages_to(STAFF_NUMBER) == [text]


async def test_scheduled_message_waits_for_send_at_then_is_delivered(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    send_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    text = "Reminder: group meeting starts in one hour."
    accepted = await gateway.accepted(text, clientId="110", sendAt=send_at.isoformat())
    assert at(accepted["sendAt"]) == send_at

    early = await gateway.get(accepted["id"])
    assert early["status"] == "queued"
    assert await sim.messages_to(number_of(110)) == []

    detail = await gateway.wait_for(accepted["id"], "delivered", timeout=30)
    sending = [e for e in detail["events"] if e["to"] == "sending"]
    assert len(sending) == 1
    assert at(sending[0]["at"]) >= send_at
    assert await sim.messages_to(number_of(110)) == [text]


async def test_cancelled_message_is_never_sent(gateway: GatewayClient, sim: SimulatorControl) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=5)  # time enough to cancel on a loaded machine
    doomed = await gateway.accepted("You will never read this.", clientId="111", sendAt=soon.isoformat())
    witness_at = soon + timedelta(seconds=1)
    witness = await gateway.accepted(
        "Sent after the cancelled one was due.", clientId="112", sendAt=witness_at.isoformat()
    )

    cancel = await gateway.request("POST", f"/sms/{doomed['id']}/cancel")
    assert cancel.status == 200, cancel
    assert cancel.body["status"] == "cancelled"
    again = await gateway.request("POST", f"/sms/{doomed['id']}/cancel")
    assert again.status == 409, again

    # The witness was due later than the cancelled message: once it is delivered, the sweep has
    # passed the cancelled one's time, and it must not have left.
    await gateway.wait_for(witness["id"], "delivered")
    assert (await gateway.get(doomed["id"]))["status"] == "cancelled"
    assert await sim.messages_to(number_of(111)) == []
    late = await gateway.request("POST", f"/sms/{witness['id']}/cancel")
    assert late.status == 409, late


async def test_cancel_of_a_missing_message_is_404(gateway: GatewayClient) -> None:
    reply = await gateway.request("POST", "/sms/987654321/cancel")
    assert reply.status == 404
    assert reply.body["error"]["type"]


@pytest.mark.parametrize(
    ("outcome", "client_id"),
    [("PERMANENT_FAILURE", 120), ("VALIDITY_EXPIRED", 122), ("TEMPORARY_THEN_FAILED", 123)],
)
async def test_failed_report_makes_it_undelivered(
    gateway: GatewayClient, sim: SimulatorControl, outcome: str, client_id: int
) -> None:
    await sim.plan(number_of(client_id), outcome, delay=0.5, temporary_delay=0.5)
    text = "Your account statement is ready."
    accepted = await gateway.accepted(text, clientId=str(client_id))
    detail = await gateway.wait_for(accepted["id"], "undelivered")
    assert detail["parts"][0]["reportOutcome"] == "failed"
    assert 0x40 <= detail["parts"][0]["tpSt"] <= 0x7F
    assert statuses(detail)[-2:] == ["sent", "undelivered"]
    assert await sim.messages_to(number_of(client_id)) == [text]  # it left once; the network refused it


async def test_temporary_report_keeps_it_sent_until_the_final_one(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    await sim.plan(number_of(121), "TEMPORARY_THEN_DELIVERED", delay=0.0, temporary_delay=3.0)
    accepted = await gateway.accepted("Payment received, thank you.", clientId="121")

    def temporary_seen(detail: dict[str, Any]) -> bool:
        part = detail["parts"][0] if detail["parts"] else {}
        return part.get("reportOutcome") == "pending"

    pending = await eventually(lambda: gateway.get(accepted["id"]), temporary_seen, what="temporary report")
    assert pending["status"] == "sent"
    assert 0x20 <= pending["parts"][0]["tpSt"] <= 0x3F

    detail = await gateway.wait_for(accepted["id"], "delivered")
    assert detail["parts"][0]["tpSt"] < 0x20
    assert "undelivered" not in statuses(detail)
    assert len(await sim.messages_to(number_of(121))) == 1


async def test_same_idempotency_key_returns_the_first_message_and_sends_one_sms(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    text = "Loan disbursed: TZS 300,000."
    key = {"Idempotency-Key": "disbursement-2026-77"}
    first = await gateway.send(text, clientId="130", headers=key)
    assert first.status == 202, first
    replay = await gateway.send(text, clientId="130", headers=key)
    assert replay.status == 200, replay
    assert replay.body["id"] == first.body["id"]
    assert replay.headers.get("Idempotent-Replayed") == "true"
    conflict = await gateway.send("A different text under the same key.", clientId="130", headers=key)
    assert conflict.status == 409, conflict

    await gateway.wait_for(first.body["id"], "delivered")
    after = await gateway.send(text, clientId="130", headers=key)  # a retry after delivery: still one
    assert after.status == 200, after
    assert after.body["id"] == first.body["id"]
    assert await sim.messages_to(number_of(130)) == [text]
    assert len([m for m in await gateway.list_all("clientId=130")]) == 1


async def test_external_id_makes_a_retried_post_idempotent(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    text = "Savings deposit of TZS 20,000 recorded."
    first = await gateway.accepted(text, clientId="131", externalId="fineract-txn-9001")
    replay = await gateway.send(text, clientId="131", externalId="fineract-txn-9001")
    assert replay.status == 200, replay
    assert replay.body["id"] == first["id"]
    await gateway.wait_for(first["id"], "delivered")
    assert await sim.messages_to(number_of(131)) == [text]
