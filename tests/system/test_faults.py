"""A flaky modem and a crashing daemon: retries, failures, ``kill -9`` and unplugging, as processes.

Each scenario gets an installation of its own, because each one breaks something on purpose. The
faults are the simulator's: a CMS error on a send, a silence after the PDU, a pulled cable, given in
their JSON form to ``gsmgateway-sim --faults-json`` at start or to its control surface's ``POST /faults``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiohttp

from tests.system.clients import GatewayClient, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.stack import StackOptions, number_of

pytestmark = SYSTEM
RECONNECT_TIMEOUT = 60.0  # the driver backs off exponentially while the cable is out


def at(text: str) -> datetime:
    """Parse an API time (ISO 8601 with ``Z``)."""
    return datetime.fromisoformat(text)


def transitions(detail: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Return the (from, to) pairs of the timeline, oldest first."""
    return [(event["from"], event["to"]) for event in detail["events"]]


async def test_transient_errors_are_retried_with_back_off_then_delivered(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """CMS 332 (network timeout) on the first send, CMS 41 (temporary failure) on the second."""
    errors = [{"code": 332, "nth_send": 1}, {"code": 41, "nth_send": 2}]
    stack = await make_stack(StackOptions(faults=({"send_errors": errors},)))
    gateway, sim = stack.clients(http)
    text = "Your loan application was received."

    accepted = await gateway.accepted(text, clientId="160")
    detail = await gateway.wait_for(accepted["id"], "delivered")

    assert detail["attemptCount"] == 3
    retried = [e for e in detail["events"] if (e["from"], e["to"]) == ("sending", "queued")]
    assert [e["errorCode"] for e in retried] == [332, 41], detail["events"]
    claims = [at(e["at"]) for e in detail["events"] if e["to"] == "sending"]
    assert len(claims) == 3
    # Back-off (base 0.2 s, doubling, no jitter in this config): each retry waits at least its delay.
    for requeued, claimed, delay in zip(retried, claims[1:], (0.2, 0.4), strict=True):
        assert claimed - at(requeued["at"]) >= timedelta(seconds=delay), detail["events"]
    assert await sim.messages_to(number_of(160)) == [text]  # the refused sends left nothing behind


async def test_permanent_errors_fail_at_once_without_retry(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """CMS 21 (short message transfer rejected) and CMS 1 (unassigned number) end the message."""
    refused = {161: 21, 163: 1}
    errors = [{"code": code, "recipient": number_of(cid)} for cid, code in refused.items()]
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    await sim.set_faults({"send_errors": errors})  # over the control surface, on a running modem

    doomed = {cid: await gateway.accepted("Rejected by the network.", clientId=str(cid)) for cid in refused}
    for cid, code in refused.items():
        failed = await gateway.wait_for(doomed[cid]["id"], "failed")
        assert failed["attemptCount"] == 1
        assert transitions(failed)[-1] == ("sending", "failed")
        assert failed["events"][-1]["errorCode"] == code

    # The worker carries on with the next message; the failed ones are never tried again.
    witness = await gateway.accepted("Sent after the refused ones.", clientId="162")
    await gateway.wait_for(witness["id"], "delivered")
    for cid in refused:
        again = await gateway.get(doomed[cid]["id"])
        assert again["status"] == "failed"
        assert again["attemptCount"] == 1
        assert [e["to"] for e in again["events"]].count("sending") == 1
        assert await sim.submits_to(number_of(cid)) == []


async def test_kill_9_while_the_modem_holds_the_answer_leaves_it_unknown_and_never_resends(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    silence = {"silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]}
    stack = await make_stack(StackOptions(faults=(silence,)))
    gateway, sim = stack.clients(http)
    number = number_of(170)
    await sim.plan(number, "NO_REPORT")  # no late report may resolve it: the test is about the crash

    accepted = await gateway.accepted("Your repayment was received.", clientId="170")
    await eventually(
        lambda: sim.submits_to(number), lambda found: len(found) == 1, what="the PDU on the wire"
    )
    assert (await gateway.get(accepted["id"]))["status"] == "sending"  # +CMGS: <mr> is being held back

    await stack.kill_daemon()
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)

    detail = await gateway.wait_for(accepted["id"], "unknown")
    assert transitions(detail)[-1] == ("sending", "unknown")
    assert detail["events"][-1]["reason"]  # the timeline says why
    # Proof that the restarted worker is sending, and had its chance to resend: a later message.
    witness = await gateway.accepted("A message after the restart.", clientId="171")
    await gateway.wait_for(witness["id"], "delivered")
    assert len(await sim.submits_to(number)) == 1
    assert (await gateway.get(accepted["id"]))["status"] == "unknown"


async def test_messages_queued_while_unplugged_go_out_after_replug(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)

    await sim.unplug()
    await eventually(
        gateway.modems, lambda items: items[0]["state"] != "ready", what="the daemon noticing the unplug"
    )
    not_ready = await gateway.request("GET", "/ready", anonymous=True)
    assert not_ready.status == 503, not_ready  # no modem can send: a load balancer should know
    clients = (180, 181, 182)
    queued = [
        await gateway.accepted(f"Queued while unplugged, for {cid}.", clientId=str(cid)) for cid in clients
    ]
    for message in queued:
        assert (await gateway.get(message["id"]))["status"] == "queued"

    await sim.replug()
    for cid, message in zip(clients, queued, strict=True):
        detail = await gateway.wait_for(message["id"], "delivered", timeout=RECONNECT_TIMEOUT)
        assert detail["attemptCount"] == 1  # waiting for the modem spends no attempt
        assert await sim.messages_to(number_of(cid)) == [message["message"]]
    await gateway.wait_ready()


async def test_sigterm_during_a_send_finishes_it_and_exits_0(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """An orderly stop lets the command in flight finish: the message ends ``sent``, not ``unknown``."""
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    number = number_of(175)
    await sim.plan(number, "NO_REPORT")
    await sim.set_faults({"network_delay": 2.0})  # the network takes two seconds to answer +CMGS

    accepted = await gateway.accepted("Sent while the gateway was being stopped.", clientId="175")
    await eventually(
        lambda: sim.submits_to(number), lambda found: len(found) == 1, what="the PDU on the wire"
    )
    await stack.stop_daemon()  # SIGTERM while +CMGS is pending; exit code 0 is asserted

    await sim.set_faults({})
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    detail = await gateway.get(accepted["id"])
    assert detail["status"] == "sent", detail["events"]
    assert detail["parts"][0]["mr"] is not None
    witness = await gateway.accepted("After the restart.", clientId="176")
    await gateway.wait_for(witness["id"], "delivered")
    assert len(await sim.submits_to(number)) == 1
