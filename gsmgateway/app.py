"""The composition root: store → services → drivers and workers → scheduler → web server; run and stop.

Start order matters: the store is opened (migrated) and :meth:`MaintenanceService.recover_after_restart`
settles messages a crash left in ``sending`` *before* any worker can claim; then webhook delivery
and inbound processing start (the latter takes what a stop left pending); only then are modems
connected, workers started, jobs scheduled and, last, the API bound — so a caller never reaches a
gateway that is half built. Shutdown runs the other way: the API stops accepting, the scheduler
stops (running jobs finish), each worker finishes the command in flight, the modem sessions close,
and the store is drained and closed. ``run`` handles SIGTERM and SIGINT itself and returns normally,
so the process exits 0 after an orderly stop.

One daemon per store: on SQLite the database's lock (``store/ownership.py``) is taken before the
store is even opened, on PostgreSQL each modem's advisory lock (``store/modem_locks.py``) before
anything is recovered; a second daemon is refused with :class:`StoreInUseError`. A database deleted
while running stops the daemon (``storewatch.py``) and ``run`` raises :class:`StoreLostError`.
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
from gsmgateway.api.console import mount_console
from gsmgateway.api.server import ApiServer, serve, tls_context
from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import ModemConfig
from gsmgateway.core.errors import ConfigError, StoreLostError
from gsmgateway.core.records import ModemStatusView
from gsmgateway.heap import prepare_heap_for_serving
from gsmgateway.logsetup import set_level
from gsmgateway.messages.inbound_runner import InboundRunner
from gsmgateway.messages.webhook_dispatcher import WebhookDispatcher
from gsmgateway.messages.webhook_payloads import PayloadBuilder
from gsmgateway.messages.worker import ModemWorker, WorkerOptions
from gsmgateway.metrics import GatewayMetrics, ModemFigures
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.responses import REGISTERED
from gsmgateway.modem.transport import Opener, device_presence, serial_opener
from gsmgateway.scheduler import Jobs, JobScheduler
from gsmgateway.store.backup import rescue_deleted_database
from gsmgateway.store.modem_locks import ModemLocks
from gsmgateway.store.ownership import StoreLock, sqlite_path
from gsmgateway.store.statistics import StatisticsQueries
from gsmgateway.storewatch import StoreWatch
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
    ``clock``/``monotonic`` are injected into every service and worker. ``store_lock`` is the SQLite
    lock when the caller took it already (the demo, before it touches the database); otherwise
    :meth:`start` takes it. ``reload_config`` reads the configuration again on SIGHUP.
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
        store_lock: StoreLock | None = None,
        reload_config: Callable[[], GatewayConfig] | None = None,
    ) -> None:
        self.config = config
        self._store_lock = store_lock
        self._lock_is_ours = False
        self._modem_locks: ModemLocks | None = None
        self._watch: StoreWatch | None = None
        self._reload_config = reload_config
        #: Why the gateway stopped by itself (the database was lost), else None; ``run`` stops on
        #: ``on_failure`` and raises it.
        self.failure: StoreLostError | None = None
        self.on_failure: Callable[[], None] = lambda: None
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
        self.inbound: InboundRunner | None = None  # received SMS → messages, keywords, events
        self.webhooks: WebhookDispatcher | None = None
        self.server: ApiServer | None = None
        self.fineract_server: ApiServer | None = None  # the compatibility app, when enabled
        self.metrics: GatewayMetrics | None = None
        self._started = False

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
            database_file = sqlite_path(self.config.store_url)
            if database_file is not None and self._store_lock is None:
                self._store_lock, self._lock_is_ours = StoreLock.acquire(database_file), True
            self._services = services = await open_services(
                self.config, clock=self._clock, monotonic=self._monotonic
            )
            if self._store_lock is not None:
                self._store_lock.remember_database()
            modem_ids = [modem.id for modem in self.config.modems]
            self._modem_locks = await ModemLocks.acquire(services.database, modem_ids)
            # On PostgreSQL other processes may drive other modems: settle only what ours were sending.
            mine = modem_ids if services.database.dialect == "postgresql" else None
            await services.maintenance.recover_after_restart(mine)  # logs what it settled
            await services.collection.apply_pending()  # reports journaled before a crash or a stop
            await self._start_two_way(services)
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
            self.metrics = GatewayMetrics(
                StatisticsQueries(services.database), self.modem_figures, clock=self._clock,
                breakers=lambda: self.webhooks.breaker_states() if self.webhooks else {},
            )  # fmt: skip
            await self.metrics.start()
            app = create_app(
                services.messages, services.directory, authenticate=services.authenticator.authenticate,
                modems=self, config=self.config, inbound=services.inbound, metrics=self.metrics,
                store_health=services.database.health,
            )  # fmt: skip
            if self.config.console.enabled:
                mount_console(
                    app, operator=services.operator, messages=services.messages,
                    directory=services.directory, inbound=services.inbound, modems=self,
                )  # fmt: skip
            api = self.config.api
            tls = tls_context(api.tls_cert, api.tls_key) if api.tls_cert else None
            self.server = await serve(
                app, api.host, api.port, tls=tls, max_connections=api.max_connections,
                idle_timeout=api.idle_timeout_seconds,
            )  # fmt: skip
            bridge = self.config.fineract_gateway
            if bridge.enabled:
                compat = create_fineract_app(
                    services.messages, services.platform, authenticate=services.authenticator.authenticate,
                    tenant=bridge.tenant, limits=self.config.limits, dispatch=self.config.dispatch,
                    now=self._clock,
                )  # fmt: skip
                tls = tls_context(bridge.tls_cert, bridge.tls_key) if bridge.tls_cert else None
                self.fineract_server = await serve(
                    compat, bridge.host, bridge.port, tls=tls, max_connections=api.max_connections,
                    idle_timeout=api.idle_timeout_seconds,
                )  # fmt: skip
                logger.info("Fineract message-gateway contract on %s", self.fineract_server.url)
            self._watch = StoreWatch(self._store_lock, services.database, self._lost)
            self._watch.start()
        except BaseException:
            await self.stop()
            raise
        self._started = True
        logger.info("gateway started: API on %s, %d modem(s)", self.server.url, len(self.workers))

    async def _start_two_way(self, services: Services) -> None:
        """Start webhook delivery and inbound processing (its first pass takes what a stop left)."""
        self.webhooks = WebhookDispatcher(
            self.config, services.outbox, PayloadBuilder(services.messages, services.inbound),
            clock=self._clock, monotonic=self._monotonic,
        )  # fmt: skip
        await self.webhooks.start()
        services.inbound.add_received_listener(self.webhooks.wake)
        services.inbound.add_queued_listener(self._wake_workers)
        self.inbound = InboundRunner(services.inbound, services.collection)
        await self.inbound.start()

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

    def _rescue(self) -> None:
        """After the database was deleted: save its content before the connections close for good.

        Closing the last connection would fold the WAL into the deleted file and remove it; the
        content is copied now, while nothing writes any more (``<db>.rescued-<time>``).
        """
        if self.failure is None or self._store_lock is None:
            return
        saved = rescue_deleted_database(self._store_lock.database)
        outcome = f"; what it held is saved in {saved}" if saved else "; nothing could be saved"
        logger.critical("%s%s", self.failure.message, outcome)
        self.failure = StoreLostError(self.failure.message + outcome)

    def _lost(self, reason: str) -> None:
        self.failure = StoreLostError(reason)
        self.on_failure()

    def _wake_workers(self) -> None:
        for worker in self.workers:
            worker.wake()

    async def stop(self) -> None:
        """Stop claiming at once, then in reverse order: API, scheduler, workers, modems, store, locks.

        No worker claims a message after the stop began; each waits only for the one in flight.
        """
        for worker in self.workers:
            worker.stop_claiming()
        if self._watch is not None:
            watch, self._watch = self._watch, None
            await watch.stop()
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
        for part in (self.inbound, self.webhooks):  # nothing is journaled any more; calls repeat later
            if part is not None:
                await part.stop()
        self.inbound = self.webhooks = None
        if self._modem_locks is not None:
            locks, self._modem_locks = self._modem_locks, None
            await locks.release()
        if self._services is not None:
            await self._services.writer.close()
            self._rescue()
            services, self._services = self._services, None
            await services.close()
        if self._lock_is_ours and self._store_lock is not None:
            self._store_lock.release()
            self._store_lock, self._lock_is_ours = None, False
        if self._started:  # a start refused (store in use, too new) says so in one line, from the CLI
            logger.info("gateway stopped")
        self._started = False

    def request_reload(self) -> None:
        """SIGHUP (``systemctl reload gsmgateway``): apply what can change without a restart.

        The configuration is read again and its ``log_level`` applied; the cache of API keys (a key
        revoked with the CLI is refused from now on, not within a minute) and the directory's cache
        are dropped. Other changed settings are named in the log: they need a restart. A file with
        problems changes nothing. The daemon keeps running either way.
        """
        if self._reload_config is None or self._services is None:
            logger.warning("reload requested (SIGHUP) but there is nothing to reload from; ignored")
            return
        try:
            new = self._reload_config()
        except ConfigError as exc:
            logger.error("reload (SIGHUP): nothing changed, the configuration has problems: %s", exc)
            return
        set_level(new.log_level)
        self._services.authenticator.forget_keys()
        self._services.directory.forget_cached()
        pending = [
            name for name in GatewayConfig.__dataclass_fields__
            if name != "log_level" and getattr(new, name) != getattr(self.config, name)
        ]  # fmt: skip
        logger.info(
            "reloaded (SIGHUP): log level %s, API keys and directory cache re-read%s",
            new.log_level.upper(),
            f"; changes to {', '.join(pending)} need a restart" if pending else "",
        )

    async def queue_depth(self) -> int:
        """How many messages are queued (systemd's ``STATUS=``)."""
        return await self.services.messages.queue_depth()

    def modem_states(self) -> list[tuple[str, str]]:
        """Each modem's id and live state, from memory (systemd's ``STATUS=``)."""
        return [(worker.modem_id, worker.driver.state.value) for worker in self.workers]

    def modem_figures(self) -> list[ModemFigures]:
        """Each modem for ``/metrics``: live state, last signal and registration, reconnects, storage."""
        figures = []
        for worker in self.workers:
            view = worker.status(None)  # signal and storage only while connected
            health = worker.watch.last_health if view.signal is not None else None
            figures.append(
                ModemFigures(
                    modem_id=worker.modem_id,
                    state=view.state,
                    signal_dbm=view.signal,
                    registered=None if health is None else health.registration in REGISTERED,
                    reconnects=max(0, worker.driver.connections - 1),
                    storage=view.storage,
                )
            )
        return figures

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

    :raises StoreInUseError: another daemon holds the store.
    :raises StoreLostError: the database was deleted while running (after an orderly stop).
    """
    gateway = gateway or Gateway(config)
    supervisor = ServiceSupervisor(ServiceNotifier.from_environment(), gateway)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handlers = {signal.SIGTERM: stop.set, signal.SIGINT: stop.set, signal.SIGHUP: gateway.request_reload}
    for signum, handler in handlers.items():
        loop.add_signal_handler(signum, handler)
    gateway.on_failure = stop.set
    try:
        await gateway.start()
        # Everything long-lived exists now; later full collections walk only per-request garbage.
        prepare_heap_for_serving()
        on_listening(gateway.url)
        await supervisor.ready()
        await stop.wait()
        logger.info("stop requested; shutting down" if gateway.failure is None else "shutting down")
    finally:
        await supervisor.stop()
        await gateway.stop()
        for signum in handlers:
            with suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
    if gateway.failure is not None:
        raise gateway.failure
