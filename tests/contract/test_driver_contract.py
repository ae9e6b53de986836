"""One driver contract, run over every link and simulator profile (or real hardware)."""

from __future__ import annotations

import asyncio

import pytest

from gsmgateway.core.models import ModemState, ReportOutcome
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import ReportRouting
from gsmgateway.modem.pdu import StatusReport
from simulator import Outcome, SimulatorServer
from simulator.profiles import ReportStorage
from tests.contract.conftest import MakeDriver, Target

LONG_TEXT = "Loan repayment of TZS 150,000 received on 27/11. Thank you for banking with us. " * 3


@pytest.fixture
def recipient(target: Target) -> str:
    if not target.recipient:
        pytest.skip("hardware run without --modem-recipient: not sending SMS")
    return target.recipient


async def next_report(driver: ModemDriver, timeout: float = 10.0) -> StatusReport:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        return await driver.pending_reports.get()


async def test_initialises_to_ready_and_knows_who_it_is(target: Target, make_driver: MakeDriver) -> None:
    driver = await make_driver()
    await driver.wait_ready(20)
    assert driver.identity is not None
    assert driver.identity.imei
    assert driver.routing is not None
    if target.sim is not None:
        assert driver.identity.imei == target.sim.profile.imei
        assert driver.identity.imsi == target.sim.profile.imsi
    health = await driver.health()
    assert health.state is ModemState.READY
    assert health.registration in {"home", "roaming"}
    assert health.smsc


async def test_single_part_send_returns_the_modems_mr_and_its_report_matches(
    target: Target, make_driver: MakeDriver, recipient: str
) -> None:
    driver = await make_driver()
    await driver.wait_ready(20)
    (mr,) = await driver.send_sms(recipient, "Your loan of TZS 50,000 is approved [ref €12]")
    if target.sim is not None:
        (submit,) = await target.sim.wait_for_submits(1)
        assert submit.mr == mr
        assert submit.text == "Your loan of TZS 50,000 is approved [ref €12]"
        assert submit.status_report_requested
        assert submit.validity is not None
    report = await next_report(driver)
    assert (report.mr, report.recipient, report.outcome) == (mr, recipient, ReportOutcome.DELIVERED)


async def test_multipart_send_returns_every_parts_mr_and_every_part_is_reported(
    target: Target, make_driver: MakeDriver, recipient: str
) -> None:
    driver = await make_driver()
    await driver.wait_ready(20)
    mrs = await driver.send_sms(recipient, LONG_TEXT)
    assert len(mrs) == 2
    assert len(set(mrs)) == 2
    if target.sim is not None:
        submits = await target.sim.wait_for_submits(2)
        assert [s.mr for s in submits] == mrs
        assert "".join(s.part_text for s in submits) == LONG_TEXT
        assert all(s.status_report_requested for s in submits)
    reported = {(await next_report(driver)).mr for _ in mrs}
    assert reported == set(mrs)


async def test_health_reports_signal_and_operator(target: Target, make_driver: MakeDriver) -> None:
    driver = await make_driver()
    await driver.wait_ready(20)
    health = await driver.health()
    assert health.rssi is not None
    assert health.dbm is not None
    assert health.operator
    if target.sim is not None:
        assert health.operator == target.sim.profile.operator_long


async def test_received_sms_is_read_and_deleted(sim: SimulatorServer, make_driver: MakeDriver) -> None:
    driver = await make_driver()
    await driver.wait_ready(20)
    sim.inject_sms("+255711000002", "Balance please")
    async with asyncio.timeout(10):
        message = await driver.pending_messages.get()
    assert (message.sender, message.text) == ("+255711000002", "Balance please")
    assert await driver.sweep() == 0  # it was deleted once handed over: nothing left to collect


@pytest.mark.parametrize("routing", list(ReportRouting))
async def test_reports_arrive_whatever_the_routing(
    sim: SimulatorServer, make_driver: MakeDriver, routing: ReportRouting
) -> None:
    sim.plan("+255700000009", Outcome.TEMPORARY_THEN_DELIVERED)
    driver = await make_driver(routing)
    await driver.wait_ready(20)
    if routing is ReportRouting.POLL:  # only where a memory keeps reports; SIM800 would drop them
        keeps = sim.profile.report_storage is not ReportStorage.NONE
        assert driver.routing is (ReportRouting.POLL if keeps else ReportRouting.DIRECT)
    emitted = sim.counters["reports_emitted"]
    (mr,) = await driver.send_sms("+255700000009", "hello")
    outcomes: list[ReportOutcome] = []
    async with asyncio.timeout(10):
        while ReportOutcome.DELIVERED not in outcomes:
            if driver.routing is ReportRouting.POLL:
                await sim.wait_until(lambda: sim.counters["reports_emitted"] >= emitted + 2)
                await driver.sweep()
            report = await driver.pending_reports.get()
            assert report.mr == mr
            outcomes.append(report.outcome)
    assert outcomes == [ReportOutcome.PENDING, ReportOutcome.DELIVERED]
