"""The composition root: store → services → drivers and workers → scheduler → web server; run and stop.

Start order matters: the store is opened (migrated) and :meth:`MaintenanceService.recover_after_restart`
settles messages a crash left in ``sending`` *before* any worker can claim; only then are modems
connected, workers started, jobs scheduled and, last, the API bound — so a caller never reaches a
gateway that is half built. Shutdown runs the other way: the API stops accepting, the scheduler
stops (running jobs finish), each worker finishes the command in flight, the modem sessions close,
and the store is drained and closed. ``run`` handles SIGTERM and SIGINT itself and returns normally,
so the process exits 0 after an orderly stop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta

from gsmgateway.api import create_app, create_fineract_app
from gsmgateway.api.server import ApiServer, serve
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig, ModemConfig
from gsmgateway.core.records import ModemStatusView
from gsmgateway.heap import prepare_heap_for_serving
from gsmgateway.messages.worker import ModemWorker, WorkerOptions
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.transport import Opener, device_presence, serial_opener
from gsmgateway.scheduler import Jobs, JobScheduler
from gsmgateway.systemd.notify import ServiceNotifier
from gsmgateway.systemd.supervisor import ServiceSupervisor
from gsmgateway.wiring import Services, open_services

logger = logging.getLogger(__name__)


def driver_options_for(modem: ModemConfig) -> DriverOptions:
    """Return the driver options of a configured modem: PIN, SMSC, report routing; defaults otherwise."""
    return DriverOptions(
        pin=modem.pin or None, smsc=modem.smsc or None, report_routing=ReportRouting(modem.report_routing)
    )


class Gateway:
    """Everything the daemon runs, built from one config; :meth:`start` then :meth:`stop`.

    ``openers`` replaces the serial port of a modem by id (tests pass the simulator's memory link);
    ``clock``/``monotonic`` are injected into every service and worker.
    """

    def __init__(
        self,
        config: GatewayConfig,
        *,
        openers: Mapping[str, Opener] | None = None,
        driver_options: Callable[[ModemConfig], DriverOptions] = driver_options_for,
        worker_options: WorkerOptions | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._openers = dict(openers or {})
        self._driver_options = driver_options
        self._worker_options = worker_options or WorkerOptions(
            mode=config.dispatch.mode, validity=timedelta(hours=config.dispatch.validity_hours)
        )
        self._clock = clock
        self._monotonic = monotonic
        self._services: Services | None = None
        self.drivers: list[ModemDriver] = []
        self.workers: list[ModemWorker] = []
        self.scheduler: JobScheduler | None = None
        self.server: ApiServer | None = None
        self.fineract_server: ApiServer | None = None  # the compatibility app, when enabled

    @property
    def services(self) -> Services:
        """The open services. :raises RuntimeError: before :meth:`start`."""
        if self._services is None:
            raise RuntimeError("the gateway is not started")
        return self._services

    @property
    def url(self) -> str:
        """Where the API listens (the real port, also when the config said 0)."""
        if self.server is None:
            raise RuntimeError("the gateway is not started")
        return self.server.url

    async def start(self) -> None:
        """Build and start everything in order; on any failure stop what was started and re-raise.

        :raises StoreError: the store cannot be opened or migrated.
        :raises OSError: the API address cannot be bound.
        """
        try:
            self._services = services = await open_services(
                self.config, clock=self._clock, monotonic=self._monotonic
            )
            await services.maintenance.recover_after_restart()  # logs what it settled
            await services.collection.apply_pending()  # reports journaled before a crash or a stop
            self._build_modems(services)
            if not self.workers:
                logger.warning("no [[modems]] configured: messages are accepted but none will be sent")
            services.messages.add_wake_listener(self._wake_workers)
            for driver in self.drivers:
                await driver.start()
            for worker in self.workers:
                await worker.start()
            self.scheduler = JobScheduler(Jobs(self.workers, services.maintenance), self.config.jobs)
            self.scheduler.start()
            app = create_app(services.messages, services.directory, modems=self, config=self.config)
            self.server = await serve(app, self.config.api.host, self.config.api.port)
            bridge = self.config.fineract_gateway
            if bridge.enabled:
                compat = create_fineract_app(services.messages, tenant=bridge.tenant)
                self.fineract_server = await serve(compat, bridge.host, bridge.port)
                logger.info("Fineract message-gateway contract on %s", self.fineract_server.url)
        except BaseException:
            await self.stop()
            raise
        logger.info("gateway started: API on %s, %d modem(s)", self.server.url, len(self.workers))

    def _build_modems(self, services: Services) -> None:
        for modem in self.config.modems:
            opener = self._openers.get(modem.id)
            presence = None
            if opener is None:
                opener = serial_opener(modem.port, baudrate=modem.baudrate, rtscts=modem.rtscts)
                presence = device_presence(modem.port)  # a replug is noticed within 0.1 s
            driver = ModemDriver(
                modem.id, opener, options=self._driver_options(modem), presence=presence,
                sink=services.collection.sink(modem.id), clock=self._clock,
            )  # fmt: skip
            self.drivers.append(driver)
            self.workers.append(
                ModemWorker(modem, driver, services.dispatch, services.collection,
                            options=self._worker_options, clock=self._clock, monotonic=self._monotonic)
            )  # fmt: skip

    def _wake_workers(self) -> None:
        for worker in self.workers:
            worker.wake()

    async def stop(self) -> None:
        """Stop claiming at once, then in reverse order: API, scheduler, workers, modems, store.

        No worker claims a message after the stop began; each waits only for the one in flight.
        """
        for worker in self.workers:
            worker.stop_claiming()
        for server in (self.fineract_server, self.server):
            if server is not None:
                await server.close()
        self.server = self.fineract_server = None
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            await scheduler.shutdown()
        for worker in self.workers:
            await worker.stop()
        for driver in self.drivers:
            await driver.stop()
        self.workers, self.drivers = [], []
        if self._services is not None:
            services, self._services = self._services, None
            await services.close()
        logger.info("gateway stopped")

    def request_reload(self) -> None:
        """SIGHUP (``systemctl reload gsmgateway``): apply what can change without a restart.

        The hook for issue 10's reload (log level, API keys, directory cache). Until that lands the
        request is only logged: the daemon keeps running either way, never killed by the signal.
        """
        logger.info("reload requested (SIGHUP); nothing is reloaded yet: restart to apply config changes")

    async def queue_depth(self) -> int:
        """How many messages are queued (systemd's ``STATUS=``)."""
        return await self.services.messages.queue_depth()

    def modem_states(self) -> list[tuple[str, str]]:
        """Each modem's id and live state, from memory (systemd's ``STATUS=``)."""
        return [(worker.modem_id, worker.driver.state.value) for worker in self.workers]

    async def modem_statuses(self) -> list[ModemStatusView]:
        """``GET /modems`` and ``/ready``: live state from each worker, counters from the store."""
        stored = {view.modem_id: view for view in await self.services.dispatch.list_modems()}
        return [worker.status(stored.get(worker.modem_id)) for worker in self.workers]


async def run(
    config: GatewayConfig,
    *,
    on_listening: Callable[[str], None],
    gateway: Gateway | None = None,
) -> None:
    """Run the gateway until SIGTERM or SIGINT, then stop it in order and return.

    ``on_listening`` gets the API's URL once it is bound (the CLI prints it). Under systemd
    (``$NOTIFY_SOCKET``) the supervisor says READY once started, pings the watchdog and STATUS,
    and says STOPPING when the stop begins. SIGHUP asks for a reload and never stops the daemon.
    """
    gateway = gateway or Gateway(config)
    supervisor = ServiceSupervisor(ServiceNotifier.from_environment(), gateway)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handlers = {signal.SIGTERM: stop.set, signal.SIGINT: stop.set, signal.SIGHUP: gateway.request_reload}
    for signum, handler in handlers.items():
        loop.add_signal_handler(signum, handler)
    try:
        await gateway.start()
        # Everything long-lived exists now; later full collections walk only per-request garbage.
        prepare_heap_for_serving()
        on_listening(gateway.url)
        await supervisor.ready()
        await stop.wait()
        logger.info("stop requested; shutting down")
    finally:
        await supervisor.stop()
        await gateway.stop()
        for signum in handlers:
            with suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
