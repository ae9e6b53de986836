"""A real sending stack for in-process tests: tmp SQLite store, simulator on the memory link, driver, worker.

Time is injected: the services and workers read :class:`Clock`, which a test moves instead of
sleeping. Outcomes are awaited with :func:`until`, which re-checks after every change a worker
announces, under a deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig, ModemConfig
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessageDetail, RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from gsmgateway.messages.worker import ModemWorker, WorkerOptions
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import DriverOptions
from gsmgateway.wiring import Services, open_services
from simulator import FaultPlan, SimulatorServer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST_DRIVER = DriverOptions(
    command_timeout=2.0, prompt_timeout=1.0, send_timeout=0.5, reconnect_delay=0.05,
    reconnect_delay_max=0.2, busy_retry_delay=0.0, stale_grace=0.2,
)  # fmt: skip
FAST_WORKER = WorkerOptions(idle_max=30.0, ready_wait=5.0, resume_delay=0.0, stop_grace=5.0)


class Clock:
    """The wall clock (frozen until moved) and the monotonic clock every service and worker reads.

    The monotonic clock runs (rate limits refill as in life) and :meth:`advance` jumps it too, so
    a test that needs a minute to pass moves the clock instead of sleeping.
    """

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self.offset = 0.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self.offset += delta.total_seconds()


def base_config(tmp_path: Path, **changes: Any) -> GatewayConfig:
    """Return a config on a tmp SQLite file, without per-recipient limits (tests burst one person)."""
    config = GatewayConfig(state_dir=str(tmp_path), limits=LimitsConfig(per_recipient_per_hour=0))
    return replace(config, **changes)


@dataclass
class Rig:
    """Services, simulators, drivers and workers of one test, and helpers to submit and await."""

    services: Services
    clock: Clock
    caller: Caller
    sims: list[SimulatorServer] = field(default_factory=list)
    drivers: list[ModemDriver] = field(default_factory=list)
    workers: list[ModemWorker] = field(default_factory=list)

    @property
    def sim(self) -> SimulatorServer:
        return self.sims[0]

    @property
    def worker(self) -> ModemWorker:
        return self.workers[0]

    async def person(self, entry_id: str, mobile: str, kind: RecipientKind = RecipientKind.CLIENT) -> None:
        await self.services.directory.put(kind, entry_id, mobile=mobile, opted_out=False, name=None)

    async def submit(self, text: str, client_id: str = "1001", *, send_at: datetime | None = None) -> int:
        request = SubmitRequest(
            message=text, client_id=client_id, staff_id=None, send_at=send_at, external_id=None
        )
        view, _ = await self.services.messages.submit(request, caller=self.caller, idempotency_key=None)
        return view.id

    async def submit_batch(self, texts: Sequence[str], client_id: str = "1001") -> list[int]:
        requests = [
            SubmitRequest(message=t, client_id=client_id, staff_id=None, send_at=None, external_id=None)
            for t in texts
        ]
        return [view.id for view in await self.services.messages.submit_batch(requests, caller=self.caller)]

    async def detail(self, message_id: int) -> MessageDetail:
        return await self.services.messages.get(message_id)

    async def status(self, message_id: int) -> MessageStatus:
        return (await self.detail(message_id)).message.status

    async def until(self, check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``check()`` holds, re-checking after every change any worker announces."""
        await until(self.workers, check, timeout)

    async def until_status(self, message_id: int, *statuses: MessageStatus, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async def reached() -> bool:
            return await self.status(message_id) in statuses

        await self.until(reached, timeout)

    async def until_settled(self, message_id: int, attempts: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``attempts`` send attempts of the message have ended (left ``sending``)."""

        async def ended() -> bool:
            events = (await self.detail(message_id)).events
            return sum(1 for e in events if e.from_status is MessageStatus.SENDING) >= attempts

        await self.until(ended, timeout)

    async def settle(self, worker: ModemWorker | None = None) -> None:
        """Wake a worker and wait until it has looked at the queue and gone idle again."""
        worker = worker or self.worker
        before = worker.passes
        worker.wake()

        async def idle_again() -> bool:
            return worker.idle_pass > before

        await until([worker], idle_again)


async def until(
    workers: Sequence[ModemWorker],
    check: Callable[[], Awaitable[bool]],
    timeout: float = 5.0,  # noqa: ASYNC109
) -> None:
    """Re-check ``check`` after every change of any worker, until it holds or ``timeout`` passes."""
    async with asyncio.timeout(timeout):
        while True:
            generations = [w.generation for w in workers]
            if await check():
                return
            waits = [
                asyncio.ensure_future(w.wait_changed(g)) for w, g in zip(workers, generations, strict=True)
            ]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
                    with suppress(asyncio.CancelledError):
                        await wait


@asynccontextmanager
async def rig(
    config: GatewayConfig,
    *,
    modems: int = 1,
    faults: FaultPlan | None = None,
    messages_per_minute: int = 6000,
    driver_options: DriverOptions = FAST_DRIVER,
    worker_options: WorkerOptions = FAST_WORKER,
    start_workers: bool = True,
) -> AsyncIterator[Rig]:
    """Open the store, start ``modems`` simulators with a driver and a worker each; stop all after."""
    clock = Clock()
    async with AsyncExitStack() as stack:
        services = await open_services(config, clock=clock, monotonic=clock.monotonic)
        stack.push_async_callback(services.close)
        scopes = frozenset({"sms:send", "sms:read"})
        key_id = await services.api_keys.create(name="test", key_hash="0" * 64, scopes=scopes, now=clock())
        built = Rig(services, clock, Caller(key_id=key_id, name="test", scopes=scopes))
        await built.person("1001", "+255700001001")
        options = replace(worker_options, mode=config.dispatch.mode)
        for index in range(modems):
            sim = await stack.enter_async_context(
                SimulatorServer(profile="generic", link="memory", faults=faults)
            )
            modem = ModemConfig(id=f"m{index + 1}", port="memory", messages_per_minute=messages_per_minute)
            driver = ModemDriver(
                modem.id, sim.open_stream, options=driver_options, sink=services.collection.sink(modem.id)
            )
            worker = ModemWorker(
                modem,
                driver,
                services.dispatch,
                services.collection,
                options=options,
                clock=clock,
                monotonic=clock.monotonic,
            )
            built.sims.append(sim)
            built.drivers.append(driver)
            built.workers.append(worker)
            services.messages.add_wake_listener(worker.wake)
            await driver.start()
            stack.push_async_callback(driver.stop)
            await driver.wait_ready(timeout=5)
        for worker in built.workers:
            if start_workers:
                await worker.start()
            stack.push_async_callback(worker.stop)
        yield built
