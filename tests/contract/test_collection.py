"""The collection seam: whatever the driver reads is handed over *before* it is deleted or acknowledged.

Each test gives the driver a sink that looks at the simulated modem's storage at the moment of the
hand-over: the PDU must still be there (deleting first is how reports were lost on a kill, issue 8
§5). A sink that fails must leave everything on the modem. Over the memory link: the seam does not
depend on the wire (the link matrix is in test_driver_contract.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from gsmgateway.core.errors import StoreError
from gsmgateway.core.inbox import CollectionSource, PduKind
from gsmgateway.modem.collection import Collected
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import ReportRouting
from simulator import FaultPlan, Outcome, SimulatorServer
from simulator.faults import CommandMatch, Silence
from simulator.profiles import Memory
from tests.contract.conftest import SIM_OPTIONS, sim_server

ALICE = "+255700000001"


class WatchingSink:
    """Records every batch and how full each memory was when it was handed over; may refuse."""

    def __init__(self, sim: SimulatorServer) -> None:
        self.sim = sim
        self.batches: list[list[Collected]] = []
        self.stored_then: list[dict[Memory, int]] = []
        self.fail = False
        self.handed = asyncio.Event()

    async def __call__(self, batch: Sequence[Collected]) -> None:
        self.stored_then.append({m: self.sim.modem.storage.used(m) for m in Memory})
        self.handed.set()
        if self.fail:
            raise StoreError("disk full")
        self.batches.append(list(batch))

    @property
    def items(self) -> list[Collected]:
        return [item for batch in self.batches for item in batch]

    async def wait(self, predicate: Any) -> None:
        async with asyncio.timeout(10):
            while not predicate():
                self.handed.clear()
                await self.handed.wait()


class Rig:
    def __init__(self, sim: SimulatorServer) -> None:
        self.sim = sim
        self.sink = WatchingSink(sim)
        self.drivers: list[ModemDriver] = []

    async def driver(self, *, ready: bool = True, **overrides: Any) -> ModemDriver:
        options = dataclasses.replace(SIM_OPTIONS, **overrides)
        driver = ModemDriver("m1", self.sim.open_stream, options=options, sink=self.sink)
        self.drivers.append(driver)
        await driver.start()
        if ready:
            await driver.wait_ready(10)
        return driver


@pytest.fixture
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    marker = request.node.get_closest_marker("profile")
    async with sim_server("memory", marker.args[0] if marker else "generic", tmp_path) as sim:
        made = Rig(sim)
        yield made
        for driver in made.drivers:
            await driver.stop()


async def test_a_stored_report_is_handed_over_while_still_stored_then_deleted(rig: Rig) -> None:
    driver = await rig.driver(report_routing=ReportRouting.STORED)
    (mr,) = await driver.send_sms(ALICE, "stored report")
    await rig.sink.wait(lambda: rig.sink.items)
    (item,) = rig.sink.items
    assert (item.kind, item.source, item.memory) == (PduKind.REPORT, CollectionSource.CDSI, "SR")
    assert item.report is not None
    assert item.report.mr == mr
    assert rig.sink.stored_then[0][Memory.SR] == 1  # not yet deleted when handed over
    await rig.sim.wait_until(lambda: rig.sim.modem.storage.used(Memory.SR) == 0)


async def test_a_failing_sink_leaves_the_report_on_the_modem_for_the_next_sweep(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    driver = await rig.driver(report_routing=ReportRouting.STORED)
    rig.sink.fail = True
    await driver.send_sms(ALICE, "the store is down")
    await rig.sink.wait(lambda: rig.sink.stored_then)
    await rig.sim.wait_until(lambda: rig.sim.modem.counters["reports_emitted"] == 1)
    assert rig.sim.modem.storage.used(Memory.SR) == 1
    with pytest.raises(StoreError):
        await driver.sweep()
    assert rig.sim.modem.storage.used(Memory.SR) == 1  # still there: nothing is deleted unkept
    rig.sink.fail = False
    assert await driver.sweep() == 1
    assert [i.source for i in rig.sink.items] == [CollectionSource.SWEEP]
    assert rig.sim.modem.storage.used(Memory.SR) == 0
    assert not [r for r in caplog.records if r.exc_info]  # said in one line, no traceback


async def test_received_sms_stored_and_direct_are_handed_over_before_they_go(rig: Rig) -> None:
    await rig.driver()
    rig.sim.inject_sms("+255711000002", "stored one")
    rig.sim.inject_sms("+255711000003", "direct one", direct=True)
    await rig.sink.wait(lambda: len(rig.sink.items) == 2)
    by_source = {item.source: item for item in rig.sink.items}
    assert by_source[CollectionSource.CMTI].memory == "SM"
    assert by_source[CollectionSource.CMTI].message is not None
    assert by_source[CollectionSource.CMT].memory is None
    stored_when_handed = rig.sink.stored_then[[i.source for i in rig.sink.items].index(CollectionSource.CMTI)]
    assert stored_when_handed[Memory.SM] == 1
    await rig.sim.wait_until(lambda: rig.sim.modem.storage.used(Memory.SM) == 0)


async def test_a_direct_report_is_acknowledged_only_once_kept(rig: Rig) -> None:
    rig.sim.modem.state.csms_service = 1  # the modem expects AT+CNMA for every +CDS (27.005 §3.4.4)
    driver = await rig.driver(report_routing=ReportRouting.DIRECT, ack_messages=True)
    rig.sink.fail = True
    await driver.send_sms(ALICE, "not kept")
    await rig.sink.wait(lambda: rig.sink.stored_then)
    rig.sink.fail = False
    await driver.send_sms(ALICE, "kept")
    await rig.sink.wait(lambda: rig.sink.items)
    await rig.sim.wait_until(lambda: rig.sim.modem.state.acks_done == 1)
    assert rig.sim.modem.state.acks_pending == 2  # the refused one was never acknowledged


async def test_start_up_hands_over_everything_stored_before_the_modem_is_ready(rig: Rig) -> None:
    rig.sim.set_faults(FaultPlan(storage_full=frozenset({Memory.SM, Memory.SR})))
    storage = rig.sim.modem.storage
    full = {m: storage.capacity(m) for m in (Memory.SM, Memory.SR)}
    await rig.driver()  # ready only after the start-up sweep
    kinds = [item.kind for item in rig.sink.items]
    assert (kinds.count(PduKind.REPORT), kinds.count(PduKind.DELIVER)) == (full[Memory.SR], full[Memory.SM])
    assert {item.source for item in rig.sink.items} == {CollectionSource.STARTUP}
    assert rig.sink.stored_then[0][Memory.SR] == full[Memory.SR]  # handed over before any deletion
    assert storage.used(Memory.SM) == storage.used(Memory.SR) == 0


async def test_one_memory_that_does_not_answer_never_stops_the_others(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gsmgateway.modem.storage")
    driver = await rig.driver(report_routing=ReportRouting.POLL)
    rig.sim.set_faults(
        FaultPlan(silences=(Silence(CommandMatch("+CPMS", 1)),), storage_full=frozenset({Memory.SM}))
    )
    capacity = rig.sim.modem.storage.capacity(Memory.SM)
    assert await driver.sweep() == capacity  # SR (first) timed out; SM and ME were still swept
    use = {u.memory: u for u in driver.storage_use}
    assert use["SR"].problem is not None
    assert (use["SM"].used, use["SM"].total, use["SM"].problem) == (0, capacity, None)
    rig.sim.plan(ALICE, Outcome.DELIVERED)
    await driver.send_sms(ALICE, "polled")
    await rig.sim.wait_until(lambda: rig.sim.modem.storage.used(Memory.SR) == 1)
    for _ in range(3):  # SR answers again; its trouble is logged once, its recovery once
        await driver.sweep()
    assert [i.kind for i in rig.sink.items].count(PduKind.REPORT) == 1
    lines = [r.getMessage() for r in caplog.records]
    assert sum("cannot read storage SR" in line for line in lines) == 1
    assert sum("storage SR readable again" in line for line in lines) == 1


@pytest.mark.profile("quectel-ec25")
async def test_where_reports_really_are_is_learnt_once(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gsmgateway.modem.storage")
    driver = await rig.driver(report_routing=ReportRouting.STORED)
    for n in range(2):
        await driver.send_sms(ALICE, f"quirky {n}")
    await rig.sink.wait(lambda: len(rig.sink.items) == 2)
    assert {(i.kind, i.memory) for i in rig.sink.items} == {(PduKind.REPORT, "SR")}
    learnt = [r for r in caplog.records if "reports announced in SM are kept in SR" in r.getMessage()]
    assert len(learnt) == 1
