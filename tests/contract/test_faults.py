"""Every simulator fault, and every python-gsmmodem failure mode (reference §2.3, A-L), over each link.

Each test names the failure mode it guards against. Runs on the generic profile (the profile
matrix is in test_driver_contract.py) over memory, TCP and pty.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gsmgateway.core.errors import CmsError, ModemTimeoutError, ModemUnavailableError, OutcomeUnknownError
from gsmgateway.core.models import ModemState, ReportOutcome
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import ReportRouting
from gsmgateway.modem.pdu import StatusReport
from gsmgateway.modem.results import ErrorCategory
from simulator import FaultPlan, LinkFaults, MemoryStream, Outcome, SimulatorServer, get_profile
from simulator.faults import (
    CommandMatch,
    ErrorFamily,
    Junk,
    JunkPlacement,
    NetworkOutage,
    SendError,
    Silence,
    SilenceStage,
    UrcInResponse,
)
from simulator.profiles import Memory
from tests.contract.conftest import LINKS, SIM_OPTIONS, sim_opener, sim_server

ALICE, BOB = "+255700000001", "+255700000002"


class Rig:
    """A simulator and the drivers started on it in one test."""

    def __init__(self, sim: SimulatorServer) -> None:
        self.sim = sim
        self.drivers: list[ModemDriver] = []

    async def driver(self, *, ready: bool = True, **overrides: Any) -> ModemDriver:
        driver = ModemDriver(
            "m1", sim_opener(self.sim), options=dataclasses.replace(SIM_OPTIONS, **overrides)
        )
        self.drivers.append(driver)
        await driver.start()
        if ready:
            await driver.wait_ready(10)
        return driver


@pytest.fixture(params=LINKS)
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    marker = request.node.get_closest_marker("profile")
    profile = marker.args[0] if marker else "generic"
    async with sim_server(request.param, profile, tmp_path) as sim:
        rig = Rig(sim)
        yield rig
        for driver in rig.drivers:
            await driver.stop()


async def report(driver: ModemDriver) -> StatusReport:
    async with asyncio.timeout(10):
        return await driver.pending_reports.get()


async def test_a_init_never_sends_csmp_and_keeps_the_smsc(tmp_path: Path) -> None:
    # A: python-gsmmodem's connect() sends AT+CSMP, which wipes the SMSC on ZTE (issue #8).
    async with sim_server("memory", "zte", tmp_path) as sim:
        rig = Rig(sim)
        driver = await rig.driver()
        assert (await driver.health()).smsc == sim.profile.smsc
        (mr,) = await driver.send_sms(ALICE, "hi")
        assert (await sim.wait_for_submits(1))[0].mr == mr
        await driver.stop()


async def test_c_c2_every_part_gets_the_mr_the_modem_answered(rig: Rig) -> None:
    # C/C2: only the last part's MR was kept, and the PDU's MR was trusted over +CMGS.
    driver = await rig.driver()
    mrs = await driver.send_sms(ALICE, "x" * 400)
    submits = await rig.sim.wait_for_submits(3)
    assert mrs == [s.mr for s in submits]
    assert all(s.pdu_mr == 0 for s in submits)


async def test_d2_cds_whose_pdu_line_arrives_in_a_later_read_is_not_lost(rig: Rig) -> None:
    # D/D2: +CDS header and PDU line split over reads (split writes 1 ms apart).
    driver = await rig.driver(report_routing=ReportRouting.DIRECT)
    rig.sim.set_faults(FaultPlan(split_writes=(5, 3, 11)))
    (mr,) = await driver.send_sms(ALICE, "split me")
    got = await report(driver)
    assert (got.mr, got.recipient, got.outcome) == (mr, ALICE, ReportOutcome.DELIVERED)


async def test_e_cdsi_report_is_read_and_deleted_from_storage(rig: Rig) -> None:
    driver = await rig.driver(report_routing=ReportRouting.STORED)
    (mr,) = await driver.send_sms(ALICE, "stored report")
    assert (await report(driver)).mr == mr
    await rig.sim.wait_until(lambda: rig.sim.modem.storage.used(Memory.SR) == 0)


@pytest.mark.profile("quectel-ec25")
async def test_ec25_cdsi_naming_sm_is_read_from_sr(rig: Rig) -> None:
    driver = await rig.driver(report_routing=ReportRouting.STORED)
    rig.sim.inject_sms("+255711000009", "a real SMS in SM that must survive the report read")
    async with asyncio.timeout(10):
        await driver.pending_messages.get()
    (mr,) = await driver.send_sms(ALICE, "quirky")
    assert (await report(driver)).mr == mr
    await rig.sim.wait_until(lambda: rig.sim.modem.storage.used(Memory.SR) == 0)


async def test_f_urc_inside_a_response_is_handled_not_swallowed(rig: Rig) -> None:
    # F: +CMTI between +CSQ: and OK ended up in the response and the SMS was never read.
    driver = await rig.driver()
    rig.sim.set_faults(FaultPlan(urcs_in_response=(UrcInResponse('+CMTI: "SM",1', CommandMatch("+CSQ")),)))
    await driver.stop()  # store an SMS while nobody listens, then let the URC announce it
    rig.sim.inject_sms("+255711000003", "hidden in a response")
    driver = await rig.driver(sweep_on_connect=False)
    health = await driver.health()
    assert health.rssi == rig.sim.profile.signal_rssi
    async with asyncio.timeout(10):
        message = await driver.pending_messages.get()
    assert message.text == "hidden in a response"


async def test_g_each_report_names_its_own_mr_and_recipient(rig: Rig) -> None:
    # G: any report woke any waiter. Reports carry (MR, recipient); two sends, two distinct reports.
    rig.sim.plan(BOB, Outcome.PERMANENT_FAILURE)
    driver = await rig.driver()
    (mr_alice,) = await driver.send_sms(ALICE, "one")
    (mr_bob,) = await driver.send_sms(BOB, "two")
    got = {(r.mr, r.recipient): r.outcome for r in [await report(driver), await report(driver)]}
    assert got == {(mr_alice, ALICE): ReportOutcome.DELIVERED, (mr_bob, BOB): ReportOutcome.FAILED}


@pytest.mark.parametrize(
    ("code", "category"),
    [(332, ErrorCategory.TRANSIENT), (21, ErrorCategory.PERMANENT), (330, ErrorCategory.CONFIGURATION)],
)
async def test_h_cms_error_after_the_pdu_is_classified(rig: Rig, code: int, category: ErrorCategory) -> None:
    driver = await rig.driver()
    rig.sim.set_faults(FaultPlan(send_errors=(SendError(code=code, family=ErrorFamily.CMS),)))
    with pytest.raises(CmsError) as caught:
        await driver.send_sms(ALICE, "refused")
    assert (caught.value.code, caught.value.category) == (code, category)
    rig.sim.set_faults(FaultPlan())
    assert len(await driver.send_sms(ALICE, "accepted")) == 1


@pytest.mark.parametrize("placement", list(JunkPlacement))
async def test_i_non_utf8_bytes_never_kill_the_reader(rig: Rig, placement: JunkPlacement) -> None:
    driver = await rig.driver()
    rig.sim.set_faults(FaultPlan(junk=(Junk(b"\xe9\xff\x81 noise", placement, CommandMatch("+CSQ")),)))
    assert (await driver.health()).state is ModemState.READY
    (mr,) = await driver.send_sms(ALICE, "through the noise")
    assert (await rig.sim.wait_for_submits(1))[0].mr == mr


async def test_i_noise_right_after_the_prompt_still_sends(rig: Rig) -> None:
    # The simulator puts "inside" junk for +CMGS right after "> ": the prompt must still count.
    driver = await rig.driver()
    junk = Junk(b"\xe9\xff", JunkPlacement.INSIDE_RESPONSE, CommandMatch("+CMGS"))
    rig.sim.set_faults(FaultPlan(junk=(junk,)))
    (mr,) = await driver.send_sms(ALICE, "noisy prompt")
    assert [s.mr for s in rig.sim.submits] == [mr]


async def test_j_unplug_is_unavailable_then_replug_reconnects(rig: Rig) -> None:
    driver = await rig.driver()
    await rig.sim.unplug()
    await driver.wait_for_state(ModemState.DISCONNECTED, timeout=10)
    with pytest.raises(ModemUnavailableError):
        await driver.send_sms(ALICE, "nobody home")
    await rig.sim.replug(reboot=True)
    await driver.wait_ready(10)
    assert len(await driver.send_sms(ALICE, "back again")) == 1
    assert driver.connections == 2


async def test_unplug_in_the_middle_of_init_recovers(rig: Rig) -> None:
    rig.sim.set_faults(FaultPlan(unplug_after_commands=4))
    driver = await rig.driver(ready=False)
    await driver.wait_for(
        lambda: driver.connections == 1 and driver.state is ModemState.DISCONNECTED, timeout=10
    )
    assert not rig.sim.plugged
    await rig.sim.replug()
    await driver.wait_ready(10)


async def test_k_a_burst_of_reports_and_messages_is_all_handled(rig: Rig) -> None:
    # K: only the first URC of a burst was handled.
    for number in (ALICE, BOB):
        rig.sim.plan(number, Outcome.DELIVERED, delay=0.05)
    driver = await rig.driver()
    mrs = [*(await driver.send_sms(ALICE, "a")), *(await driver.send_sms(BOB, "b"))]
    rig.sim.inject_sms("+255711000004", "c")
    reported = {(await report(driver)).mr for _ in mrs}
    assert reported == set(mrs)
    async with asyncio.timeout(10):
        assert (await driver.pending_messages.get()).text == "c"


async def test_l_sc_still_trying_is_pending_not_failed(rig: Rig) -> None:
    rig.sim.plan(ALICE, Outcome.TEMPORARY_THEN_FAILED)
    driver = await rig.driver()
    await driver.send_sms(ALICE, "eventually fails")
    assert [(await report(driver)).outcome for _ in range(2)] == [ReportOutcome.PENDING, ReportOutcome.FAILED]


async def test_silence_after_the_pdu_is_outcome_unknown_and_never_retried(rig: Rig) -> None:
    driver = await rig.driver(send_timeout=0.3)
    rig.sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CMGS"), stage=SilenceStage.AFTER_PDU),)))
    with pytest.raises(OutcomeUnknownError):
        await driver.send_sms(ALICE, "did it go?")
    assert len(rig.sim.submits) == 1  # it did go, exactly once
    rig.sim.set_faults(FaultPlan())
    assert len(await driver.send_sms(ALICE, "next one")) == 1
    assert len(rig.sim.submits) == 2


async def test_no_prompt_sends_esc_and_nothing(rig: Rig) -> None:
    driver = await rig.driver(prompt_timeout=0.3)
    rig.sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CMGS", nth=1)),)))
    with pytest.raises(ModemTimeoutError) as caught:
        await driver.send_sms(ALICE, "no prompt")
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert rig.sim.submits == []
    assert len(await driver.send_sms(ALICE, "prompt again")) == 1


async def test_a_modem_gone_silent_is_reopened(rig: Rig) -> None:
    driver = await rig.driver(command_timeout=0.3)
    rig.sim.set_faults(FaultPlan(silences=(Silence(CommandMatch(), forever=True),)))
    for _ in range(SIM_OPTIONS.max_timeouts):
        with pytest.raises(ModemTimeoutError):
            await driver.health()
    await driver.wait_for_state(ModemState.DISCONNECTED, ModemState.INITIALISING, timeout=10)
    rig.sim.set_faults(FaultPlan())
    await rig.sim.replug(reboot=True)
    await driver.wait_ready(10)


@pytest.mark.parametrize("memory", [Memory.SM, Memory.SR])
async def test_full_storage_is_emptied_on_connect(rig: Rig, memory: Memory) -> None:
    rig.sim.set_faults(FaultPlan(storage_full=frozenset({memory})))
    assert rig.sim.modem.storage.is_full(memory)
    await rig.driver()
    assert rig.sim.modem.storage.used(memory) == 0


@pytest.mark.parametrize("stat", [0, 2, 3], ids=["not-searching", "searching", "denied"])
async def test_no_network_then_registration(rig: Rig, stat: int) -> None:
    # 27.007 §7.2 +CREG <stat>: only 1 (home) and 5 (roaming) are registered. A modem that starts
    # outside coverage (0 not searching, 2 searching, 3 denied) is initialised but cannot send: it
    # must say so, refuse sends before a byte of AT+CMGS, and become ready once it registers.
    rig.sim.set_faults(FaultPlan(network_outage=NetworkOutage(state=stat)))  # from the start, for good
    driver = await rig.driver(ready=False)
    settled = await driver.wait_for_state(ModemState.NO_NETWORK, ModemState.READY, timeout=10)
    assert settled is ModemState.NO_NETWORK
    assert driver.identity is not None  # initialisation ran to the end; only the network is missing
    with pytest.raises(ModemUnavailableError, match="no_network"):
        await driver.send_sms(ALICE, "no network")
    assert rig.sim.submits == []
    assert driver.state is ModemState.NO_NETWORK
    rig.sim.set_faults(FaultPlan())  # coverage comes: +CREG says registered from now on
    await driver.wait_ready(10)
    (mr,) = await driver.send_sms(ALICE, "registered now")
    assert [s.mr for s in rig.sim.submits] == [mr]


async def test_sim_removed_is_sim_error(rig: Rig) -> None:
    rig.sim.set_faults(FaultPlan(sim_removed=True))
    driver = await rig.driver(ready=False)
    await driver.wait_for_state(ModemState.SIM_ERROR, timeout=10)
    with pytest.raises(ModemUnavailableError):
        await driver.send_sms(ALICE, "no SIM")


@pytest.mark.parametrize(
    ("pin", "state"),
    [("1234", ModemState.READY), (None, ModemState.SIM_ERROR), ("9999", ModemState.SIM_ERROR)],
)
async def test_pin(tmp_path: Path, pin: str | None, state: ModemState) -> None:
    profile = dataclasses.replace(get_profile("generic"), sim_pin="1234")
    async with sim_server("memory", profile, tmp_path) as sim:
        rig = Rig(sim)
        driver = await rig.driver(ready=False, pin=pin)
        assert await driver.wait_for_state(ModemState.READY, ModemState.SIM_ERROR, timeout=10) is state
        await driver.stop()


async def test_direct_reports_and_messages_are_acknowledged_when_csms_is_1(rig: Rig) -> None:
    # With +CSMS service 1 an unacknowledged +CDS/+CMT makes the modem switch direct routing off.
    rig.sim.modem.state.csms_service = 1
    driver = await rig.driver(report_routing=ReportRouting.DIRECT)
    for text in ("first", "second"):
        (mr,) = await driver.send_sms(ALICE, text)
        assert (await report(driver)).mr == mr
    rig.sim.inject_sms("+255711000005", "direct", direct=True)
    async with asyncio.timeout(10):
        assert (await driver.pending_messages.get()).text == "direct"
    await rig.sim.wait_until(lambda: rig.sim.modem.state.acks_pending == rig.sim.modem.state.acks_done)
    assert rig.sim.counters.get("ack_timeouts", 0) == 0


@pytest.mark.parametrize("text", ["§ 10 ¿ Ç", "{[€]} ~|^\\", "ж Cyrillic", "emoji 😀 and ÿ", "y" * 200])
async def test_received_text_decodes_exactly(rig: Rig, text: str) -> None:
    driver = await rig.driver()
    rig.sim.inject_sms("+255711000006", text)
    parts = []
    async with asyncio.timeout(10):
        while not parts or (parts[-1].concat is not None and len(parts) < parts[-1].concat[1]):
            parts.append(await driver.pending_messages.get())
    assert "".join(p.text for p in parts) == text


async def test_unplug_after_the_pdu_left_is_outcome_unknown(rig: Rig) -> None:
    driver = await rig.driver(send_timeout=10)
    rig.sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CMGS"), stage=SilenceStage.AFTER_PDU),)))
    sending = asyncio.create_task(driver.send_sms(ALICE, "cable pulled"))
    await rig.sim.wait_for_submits(1)
    await rig.sim.unplug()
    with pytest.raises(OutcomeUnknownError):
        await sending


async def test_configured_smsc_is_set_when_different(rig: Rig) -> None:
    driver = await rig.driver(smsc="+255780000999")
    assert (await driver.health()).smsc == "+255780000999"
    assert rig.sim.modem.state.smsc == "+255780000999"
    (mr,) = await driver.send_sms(ALICE, "via the configured SMSC")
    assert rig.sim.submits[0].mr == mr


async def test_missing_smsc_is_set_from_the_configuration(rig: Rig) -> None:
    rig.sim.modem.state.smsc = ""
    driver = await rig.driver(smsc="+255780000004")
    assert rig.sim.modem.state.smsc == "+255780000004"
    assert len(await driver.send_sms(ALICE, "now it can go")) == 1


async def test_d2_cds_pdu_line_50ms_after_its_header(rig: Rig) -> None:
    # The reference's D2 case had a 20 ms gap; the wire here waits 50 ms between every 9 bytes.
    driver = await rig.driver(report_routing=ReportRouting.DIRECT)
    rig.sim.plan(ALICE, Outcome.DELIVERED, delay=0.2)  # the report comes after the wire turns slow
    (mr,) = await driver.send_sms(ALICE, "late line")
    rig.sim.output.set_faults(LinkFaults(split_sizes=(9,), split_gap=0.05))
    got = await report(driver)
    assert (got.mr, got.outcome) == (mr, ReportOutcome.DELIVERED)


async def test_network_lost_while_ready_and_found_again(rig: Rig) -> None:
    driver = await rig.driver()
    rig.sim.set_faults(FaultPlan(network_outage=NetworkOutage(start_command=0, end_command=8)))
    health = await driver.health()
    assert health.registration == "searching"
    assert driver.state is ModemState.NO_NETWORK
    with pytest.raises(ModemUnavailableError):
        await driver.send_sms(ALICE, "not now")
    await driver.wait_ready(10)  # the registration poll sees the network come back
    assert len(await driver.send_sms(ALICE, "now")) == 1


async def test_full_storages_drain_over_a_paced_115200_line(rig: Rig) -> None:
    # A real line is slow: a long +CMGL arrives over many reads and must still parse whole.
    rig.sim.set_faults(FaultPlan(baud_rate=115200, storage_full=frozenset({Memory.SM, Memory.SR})))
    storage = rig.sim.modem.storage
    full = {memory: storage.capacity(memory) for memory in (Memory.SM, Memory.SR)}
    driver = await rig.driver()
    assert storage.used(Memory.SM) == storage.used(Memory.SR) == 0
    assert driver.pending_messages.qsize() == full[Memory.SM]  # every stored SMS decoded
    assert driver.pending_reports.qsize() == full[Memory.SR]  # every stored report decoded
    while not driver.pending_reports.empty():
        driver.pending_reports.get_nowait()
    (mr,) = await driver.send_sms(ALICE, "paced")
    assert (await report(driver)).mr == mr


async def test_a_modem_left_at_the_prompt_by_a_dead_process_is_recovered(tmp_path: Path) -> None:
    # Each open finds the modem collecting PDU text (as after a crash mid-send): ESC ends it.
    async with sim_server("memory", "generic", tmp_path) as sim:

        async def opener_at_prompt() -> MemoryStream:
            stream = await sim.open_stream()
            await stream.write(b"ATE0\rAT+CMGF=0\rAT+CMGS=5\r")
            received = b""
            async with asyncio.timeout(5):
                while b"> " not in received:
                    received += await stream.read()
            return stream

        driver = ModemDriver("m1", opener_at_prompt, options=SIM_OPTIONS)
        await driver.start()
        try:
            await driver.wait_ready(10)
            assert driver.connections == 1
            assert len(await driver.send_sms(ALICE, "after the ESC")) == 1
            assert len(sim.submits) == 1
        finally:
            await driver.stop()
