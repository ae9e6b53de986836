"""``kill -9`` at the moments that used to lose reports (issue 8 §5), as processes.

Each test stops the daemon where nothing but the modem inbox (the journal written before
``AT+CMGD``) can save a report, restarts it, and checks the report was applied exactly once. The
moment is chosen by observation — a log line, the simulator's storage — never by a sleep.
"""

from __future__ import annotations

import aiohttp

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.kill_loop import kill_loop
from tests.system.stack import Stack, StackOptions, number_of

pytestmark = SYSTEM


async def reports_in(sim: SimulatorControl, memory: str = "SR") -> int:
    storage = (await sim.storage())["storage"]
    return sum(1 for m in storage.get(memory, {}).get("messages", []) if m["kind"] == "report")


def daemon_log(stack: Stack) -> str:
    return "".join(
        path.read_text(errors="replace") for path in sorted((stack.root / "logs").glob("daemon-*"))
    )


async def test_kill_9_after_a_report_was_taken_but_before_it_was_applied(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """+CDS (direct) arrives while +CMGS is unanswered: journaled, not applicable yet; then the kill."""
    silence = {"silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]}
    stack = await make_stack(StackOptions(faults=(silence,), report_routing="direct", report_delay=0.2))
    gateway, sim = stack.clients(http)
    accepted = await gateway.accepted("The report beats the +CMGS answer.", clientId="50")

    async def log_text() -> str:
        return daemon_log(stack)

    await eventually(log_text, lambda log: "waits for its part" in log, what="the report kept in the journal")
    assert (await gateway.get(accepted["id"]))["status"] == "sending"
    await stack.kill_daemon()  # the report exists only in the journal now: +CDS is never stored
    assert await reports_in(sim) == 0
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    detail = await gateway.wait_for(accepted["id"], "delivered")
    assert [e["to"] for e in detail["events"]][-2:] == ["unknown", "delivered"]
    assert len(await sim.submits_to(number_of(50))) == 1


async def test_kill_9_between_the_journal_and_the_delete_applies_the_report_once(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    await sim.set_faults({"silences": [{"command": "+CMGD", "nth": None, "forever": True}]})
    accepted = await gateway.accepted("Deleted only after it was kept.", clientId="51")
    await gateway.wait_for(accepted["id"], "delivered")  # journaled and applied; AT+CMGD hangs
    assert await reports_in(sim) == 1  # still on the modem
    await stack.kill_daemon()
    await sim.set_faults({})
    await stack.start_daemon()  # the start-up sweep reads it again: the journal keeps it once
    gateway = GatewayClient(http, stack.url, stack.key)
    await eventually(lambda: reports_in(sim), lambda n: n == 0, what="the report deleted at last")
    detail = await gateway.get(accepted["id"])
    assert [e["to"] for e in detail["events"]].count("delivered") == 1


async def test_kill_9_in_the_middle_of_a_sweep_applies_every_report_once(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """The kill lands after the sweep read three reports and deleted one of them, not all.

    The reports pile up while every ``AT+CMGL`` hangs; an unplug ends that hung listing, and the
    sweep on reconnect then reads all three, deletes the first and hangs on the second ``AT+CMGD``.
    Deleting before journaling would lose the first report here for good.
    """
    stack = await make_stack(StackOptions(report_routing="poll"))
    gateway, sim = stack.clients(http)
    await sim.set_faults({"silences": [{"command": "+CMGL", "nth": None, "forever": True}]})
    sent = [await gateway.accepted(f"Swept after the kill {n}.", clientId=str(52 + n)) for n in range(3)]
    await eventually(lambda: reports_in(sim), lambda n: n == 3, what="three reports stored")
    for message in sent:  # every sweep since hangs in AT+CMGL
        assert (await gateway.get(message["id"]))["status"] == "sent"
    await sim.unplug()
    await sim.set_faults({"silences": [{"command": "+CMGD", "nth": 2, "forever": True}]})
    await sim.replug()
    await eventually(lambda: reports_in(sim), lambda n: n == 2, what="the first report deleted")
    await stack.kill_daemon()  # the second AT+CMGD never answers: two reports are still stored
    assert await reports_in(sim) == 2
    await sim.set_faults({})
    await stack.start_daemon()
    gateway = GatewayClient(http, stack.url, stack.key)
    for message in sent:
        detail = await gateway.wait_for(message["id"], "delivered")
        assert [e["to"] for e in detail["events"]].count("delivered") == 1
    await eventually(lambda: reports_in(sim), lambda n: n == 0, what="every report deleted")


async def test_kill_9_three_times_during_a_burst_with_reports_one_second_after_each_submit(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    """The in-suite size of ``bench/kill_soak.py`` (which runs 1,000 messages and 20 kills)."""
    stack = await make_stack(StackOptions(messages_per_minute=6000, report_delay=1.0))
    result = await kill_loop(stack, http, messages=120, kills=3)
    assert result.ok, result
    assert result.submitted >= 100  # nearly all left; one per kill may stay unknown at most
    assert result.statuses["delivered"] == result.submitted
