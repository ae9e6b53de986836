"""A standard, independent 27.005 client drives the simulated modem through its pty.

python-gsmmodem-new's ``GsmModem`` was written against real dongles, not against this simulator,
so when it identifies the modem, sends single, multipart and Unicode SMS, receives their status
reports and reads injected SMS, the simulator speaks the protocol as real modems do (issue 2,
"Done when").

The library blocks and uses threads: every call into it runs in a worker thread
(``asyncio.to_thread``) so the simulator's event loop keeps serving the pty, and its
callbacks (on library threads) hand each report and SMS to the test's loop.

Two weaknesses of the library (not of the modem) shape the multipart test: a URC that arrives
while one of its commands is in flight is taken as part of that command's response and lost
(reference §2.3 F), and of several URCs read together it handles only the first. A real network
reports seconds after the submit; the test plans just that, so every part has gone out before the
first report comes, and spaces the parts (``network_delay``) so each report arrives alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gsmmodem.modem import GsmModem

from simulator import FaultPlan, Memory, Outcome, SimulatorServer
from tests.sim.conftest import MakeSim

RECIPIENT = "+255700000123"
UNLUCKY = "+255700000999"
SINGLE = "Habari, your loan repayment of 25,000 TZS is due on Friday."
MULTIPART = "Karibu! " + "Your savings group meets every Tuesday at 10:00 at the branch office. " * 5
#: UCS-2. No emoji: the library's encoder raises ValueError on characters beyond the BMP.
UNICODE = "Привет! Ваш платёж получен. Café déjà vu, señor, ¿qué tal?"
TP_ST_PERMANENT_FAILURE = 0x43
#: Seconds between the parts' submits, and from a submit to its report: generous against a
#: loaded machine, as only their order matters (all parts out, then one report at a time).
PART_SPACING = 0.4
REPORT_DELAY = 1.6


@dataclass
class Client:
    """A connected ``GsmModem``, its simulator, and the reports its callback received."""

    sim: SimulatorServer
    modem: Any  # gsmmodem.modem.GsmModem: untyped
    reports: asyncio.Queue[Any]
    received: asyncio.Queue[Any]

    async def send(self, recipient: str, text: str) -> Any:
        return await asyncio.to_thread(self.modem.sendSms, recipient, text)

    async def next_reports(self, count: int) -> list[Any]:
        async with asyncio.timeout(10):
            return [await self.reports.get() for _ in range(count)]

    async def next_received(self) -> Any:
        async with asyncio.timeout(10):
            return await self.received.get()


@contextlib.asynccontextmanager
async def connected(sim: SimulatorServer) -> AsyncIterator[Client]:
    """Connect a ``GsmModem`` to the simulator's pty (its whole init sequence) and close it after."""
    loop = asyncio.get_running_loop()
    reports: asyncio.Queue[Any] = asyncio.Queue()
    received: asyncio.Queue[Any] = asyncio.Queue()

    def on_report(report: Any) -> None:  # runs on a gsmmodem notification thread
        loop.call_soon_threadsafe(reports.put_nowait, report)

    def on_sms(sms: Any) -> None:  # likewise
        loop.call_soon_threadsafe(received.put_nowait, sms)

    modem = GsmModem(sim.url, 115200, smsReceivedCallbackFunc=on_sms, smsStatusReportCallback=on_report)
    modem.timeout = 0.1  # its read thread's poll period: close() waits for one poll to end
    try:
        await asyncio.to_thread(modem.connect)
        yield Client(sim, modem, reports, received)
    finally:
        if modem.alive:  # the read thread runs: stop it and close the port
            await asyncio.to_thread(modem.close)


@pytest.fixture
async def client(make_sim: MakeSim, pty_path: Path) -> AsyncIterator[Client]:
    async with connected(await make_sim(link="pty", pty_path=pty_path, profile="generic")) as client:
        yield client


#: Wavecom, Quectel EC25 and ZTE are left out: the library waits out a 15 s timeout on Wavecom's
#: "+CPIN: READY" without OK, sleeps 0.1 s before every command after Quectel's boot-time CMS 515,
#: reads the wrong memory when Quectel announces a report as "SM", and raises ValueError from
#: connect() on the K3565-Z's "+CFUN: (0-1,4-7),(0-1)" (modem.py:225 parses int("(0-1")) -
#: quirks that unit/test_profiles.py checks byte by byte.
CLIENT_PROFILES = ["generic", "huawei-e173", "simcom-sim800"]


@pytest.mark.parametrize("profile", CLIENT_PROFILES)
async def test_modem_families_serve_the_client(profile: str, make_sim: MakeSim, pty_path: Path) -> None:
    sim = await make_sim(link="pty", pty_path=pty_path, profile=profile)
    async with connected(sim) as client:
        modem = client.modem
        identity = await asyncio.to_thread(lambda: (modem.manufacturer, modem.model, modem.imei))
        sent = await client.send(RECIPIENT, SINGLE)
        [report] = await client.next_reports(1)  # SIM800: direct +CDS, the others +CDSI then AT+CMGR
    assert identity == (sim.profile.manufacturer, sim.profile.model, sim.profile.imei)
    assert (report.reference, report.deliveryStatus) == (sent.reference, 0)
    assert sim.submits[0].mr == sent.reference
    assert sim.modem.complete_messages() == [(RECIPIENT, SINGLE)]


async def test_single_and_unicode_sms_are_recorded_and_reported(client: Client) -> None:
    sim = client.sim
    sim.plan(UNLUCKY, Outcome.PERMANENT_FAILURE)
    single = await client.send(RECIPIENT, SINGLE)
    [single_report] = await client.next_reports(1)
    unicode = await client.send(UNLUCKY, UNICODE)
    [unicode_report] = await client.next_reports(1)

    first, second = sim.submits
    assert (single.reference, single_report.reference) == (first.mr, first.mr)
    assert (single_report.number, single_report.deliveryStatus) == (RECIPIENT, 0)
    assert (unicode.reference, unicode_report.reference) == (second.mr, second.mr)
    assert (unicode_report.number, unicode_report.deliveryStatus) == (UNLUCKY, TP_ST_PERMANENT_FAILURE)
    assert (first.alphabet.value, second.alphabet.value) == ("gsm7", "ucs2")
    assert sim.modem.complete_messages() == [(RECIPIENT, SINGLE), (UNLUCKY, UNICODE)]


async def test_a_multipart_sms_is_reassembled_and_every_part_reported(client: Client) -> None:
    sim = client.sim
    sim.set_faults(FaultPlan(network_delay=PART_SPACING))
    sim.plan(RECIPIENT, Outcome.DELIVERED, delay=REPORT_DELAY)
    sent = await client.send(RECIPIENT, MULTIPART)
    reports = await client.next_reports(3)

    parts = sim.submits
    assert [part.concat[1:] if part.concat else None for part in parts] == [(3, 1), (3, 2), (3, 3)]
    assert sent.reference == parts[-1].mr  # the library keeps the last part's TP-MR
    assert [report.reference for report in reports] == [part.mr for part in parts]
    assert {(report.number, report.deliveryStatus) for report in reports} == {(RECIPIENT, 0)}
    assert sim.modem.complete_messages() == [(RECIPIENT, MULTIPART)]


async def test_incoming_gsm7_and_ucs2_sms_reach_the_client(client: Client) -> None:
    storage = client.sim.modem.storage
    for text in (SINGLE, UNICODE):
        client.sim.inject_sms(UNLUCKY, text)  # stored, announced with +CMTI as the client's CNMI asks
        sms = await client.next_received()
        assert (sms.number, sms.text) == (UNLUCKY, text)
        # The library deletes the message after its callback. Let it finish before the next +CMTI
        # (which would land inside the AT+CMGD response and be lost) and before close: once the
        # AT+CMGD has reached the modem, the library's next command queues behind its answer.
        await client.sim.wait_until(lambda: not any(map(storage.used, Memory)))
        await asyncio.to_thread(client.modem.write, "AT")
    assert client.sim.counters["incoming"] == 2
