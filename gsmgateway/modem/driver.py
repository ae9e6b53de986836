"""ModemDriver: one modem's lifecycle (connect, initialise, reconnect) and its SMS operations.

The gateway's worker encodes a message with :func:`~gsmgateway.modem.pdu.encode_sms`, persists the
parts, then calls :meth:`ModemDriver.send_pdu` for each and records the TP-MR it returns. Errors
from ``send_pdu`` say exactly what is known (docs/interfaces.md §3):

* :class:`~gsmgateway.core.errors.ModemUnavailableError`: nothing was sent (not ready, port gone).
* :class:`~gsmgateway.core.errors.CmsError` / :class:`~gsmgateway.core.errors.CmeError` with ``category``.
* :class:`~gsmgateway.core.errors.OutcomeUnknownError`: the PDU may have left; never retried here.
* :class:`~gsmgateway.core.errors.ModemTimeoutError` (not the subclass above): no prompt came, ESC was
  sent, nothing was sent.

Status reports and received SMS — from ``+CDS``/``+CMT``, ``+CDSI``/``+CMTI`` reads, storage sweeps
and the sweep that starts every connection — are handed to the driver's sink
(:mod:`gsmgateway.modem.collection`) before they are deleted from the modem or acknowledged.
A background supervisor reconnects whenever the port goes away (a missing device by a short poll of
its path, a device that fails to open or initialise with exponential back-off), and
:attr:`~ModemDriver.state` always says what the modem can do now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from enum import Enum

from gsmgateway.core.clock import utc_now
from gsmgateway.core.errors import (
    GatewayError,
    ModemCommandError,
    ModemError,
    ModemProtocolError,
    ModemUnavailableError,
    OutcomeUnknownError,
)
from gsmgateway.core.inbox import CollectionSource
from gsmgateway.core.models import ModemReason, ModemState
from gsmgateway.core.records import MemoryUsage
from gsmgateway.modem import responses
from gsmgateway.modem.collection import CollectedQueues, Sink
from gsmgateway.modem.initialise import (
    Commander,
    Setup,
    initialise,
    read_registration,
    read_signal_and_operator,
)
from gsmgateway.modem.options import DriverOptions, Health, Identity, ReportRouting
from gsmgateway.modem.pdu import DEFAULT_VALIDITY, IncomingSms, StatusReport, SubmitPart, encode_sms
from gsmgateway.modem.results import ErrorCategory
from gsmgateway.modem.session import AtSession, BeforePdu, stop_task
from gsmgateway.modem.status import ModemStatus
from gsmgateway.modem.storage import StorageReader
from gsmgateway.modem.transport import Opener
from gsmgateway.modem.urcs import UrcHandler

logger = logging.getLogger(__name__)


class _Outcome(Enum):
    """How one connection attempt ended, for the supervisor's next step."""

    WORKED = "worked"  # initialised (and served until the link dropped): reconnect at once
    MISSING = "missing"  # the device is not there: wait for its path (or back off without one)
    FAILED = "failed"  # it exists but did not open or answer: back off


class ModemDriver:
    """Drive one modem: :meth:`start`, then send and receive; :meth:`stop` when done.

    ``presence`` tells whether the device exists now (``transport.device_presence``): while it does
    not, the driver checks it every ``options.presence_poll`` seconds instead of backing off, so a
    replug is noticed at once; the back-off is only for a device that exists but cannot be opened or
    initialised (permission, held by another process, not answering).
    """

    def __init__(
        self,
        modem_id: str,
        opener: Opener,
        *,
        options: DriverOptions | None = None,
        sink: Sink | None = None,
        presence: Callable[[], bool] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.modem_id = modem_id
        self.options = options or DriverOptions()
        self._queues = CollectedQueues() if sink is None else None
        self.identity: Identity | None = None
        self.status = ModemStatus(modem_id, clock)
        self._opener = opener
        self._presence = presence
        self._setup: Setup | None = None
        self._session: AtSession | None = None
        self._commander: Commander | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._storage = StorageReader(
            modem_id, sink or self._queues or CollectedQueues(), within=self.options.command_timeout,
            listing_within=self.options.listing_timeout,
        )  # fmt: skip
        self.connections = 0

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def state(self) -> ModemState:
        """What the modem can do right now."""
        return self.status.state

    @property
    def detail(self) -> str:
        """Why the modem is in its state, in words (no number, no PIN)."""
        return self.status.detail

    @property
    def routing(self) -> ReportRouting | None:
        """The report routing the modem accepted (None before initialisation or if none was)."""
        return self._setup.routing if self._setup else None

    async def start(self) -> None:
        """Start connecting in the background; returns at once (see :meth:`wait_ready`)."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name=f"modem-{self.modem_id}")

    async def stop(self) -> None:
        """Stop the supervisor and close the port; idempotent."""
        if self._supervisor is not None:
            supervisor, self._supervisor = self._supervisor, None
            await stop_task(supervisor)
        await self.status.set(ModemState.STOPPED, ModemReason.STOPPED, "stopped")

    async def wait_for_state(self, *states: ModemState, timeout: float) -> ModemState:  # noqa: ASYNC109
        """Wait until the state is one of ``states`` and return it.

        :raises ModemUnavailableError: not reached within ``timeout`` seconds.
        """
        await self.wait_for(lambda: self.status.state in states, timeout=timeout, what="/".join(states))
        return self.status.state

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds; it is checked on every state change.

        :raises ModemUnavailableError: it did not hold within ``timeout`` seconds.
        """
        await self.status.wait_for(predicate, timeout=timeout, what=what)

    async def wait_ready(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the modem can send. :raises ModemUnavailableError: not within ``timeout``."""
        await self.wait_for_state(ModemState.READY, timeout=timeout)

    async def _supervise(self) -> None:
        """Connect, serve until the link is lost, and again; forever until cancelled.

        A missing device is waited for (a short poll of its path); only a device that exists but
        fails to open or to initialise is retried with exponential back-off. After a connection
        that worked, the next attempt is immediate. Without a path to look at (``socket://``, or
        a test's opener) a missing device is backed off like any failure.
        """
        delay = 0.0
        while True:
            if self._presence is not None and not self._presence():
                await self._await_device(self._presence)
                delay = 0.0
            if delay:
                await asyncio.sleep(delay)  # back-off for a device that exists but fails
            outcome = await self._connect_once()
            if outcome is _Outcome.WORKED or (outcome is _Outcome.MISSING and self._presence is not None):
                delay = 0.0  # reconnect at once, or (gone again) wait for the path
            else:
                delay = min(max(delay * 2, self.options.reconnect_delay), self.options.reconnect_delay_max)

    async def _await_device(self, present: Callable[[], bool]) -> None:
        """Look at the device's path every ``presence_poll`` seconds until it exists again.

        A poll rather than udev/inotify: ``/dev/serial/by-id`` itself vanishes with the last USB
        serial device (an inotify watch on it would die), a pty has no udev events, and one stat
        per 100 ms costs nothing while it notices a replug within the poll.
        """
        await self.status.set(ModemState.DISCONNECTED, ModemReason.MISSING, "the device is not present")
        while not present():  # noqa: ASYNC110 - the file system has no event to wait on portably
            await asyncio.sleep(self.options.presence_poll)

    async def _connect_once(self) -> _Outcome:
        """Open and serve one connection; say whether it worked, or why not."""
        try:
            stream = await self._opener()
        except (ModemUnavailableError, OSError) as exc:  # OSError: a structural opener (simulator)
            named = exc.reason if isinstance(exc, ModemUnavailableError) else None
            reason = ModemReason(named) if named in set(ModemReason) else ModemReason.OPEN_FAILED
            await self.status.set(ModemState.DISCONNECTED, reason, f"cannot open: {exc}")
            return _Outcome.MISSING if reason is ModemReason.MISSING else _Outcome.FAILED
        session = AtSession(
            stream, modem_id=self.modem_id, stale_grace=self.options.stale_grace,
            max_timeouts=self.options.max_timeouts,
        )  # fmt: skip
        worked = await self._serve(session)
        if self.status.state is not ModemState.STOPPED:
            why = ModemReason.UNPLUGGED if worked else ModemReason.NOT_RESPONDING
            await self.status.set(
                ModemState.DISCONNECTED, why, "connection lost" if worked else "no working answer"
            )
        return _Outcome.WORKED if worked else _Outcome.FAILED

    async def _serve(self, session: AtSession) -> bool:
        """Initialise and watch one connection; return whether initialisation succeeded."""
        session.start()
        self.connections += 1
        commander = Commander(session, self.options)
        urc_task: asyncio.Task[None] | None = None
        try:
            await self.status.set(ModemState.INITIALISING, ModemReason.STARTING, "running the init sequence")
            setup = await initialise(commander)
            self._setup, self.identity = setup, setup.identity
            self._storage.use(setup.layout)
            self._session, self._commander = session, commander
            urcs = UrcHandler(session, commander, self._storage, self.status, ack=setup.ack_required)
            urc_task = asyncio.create_task(urcs.consume(), name=f"urcs-{self.modem_id}")
            if setup.state is not ModemState.SIM_ERROR and self.options.sweep_on_connect:
                await self._sweep_on_connect()
            await self.status.set(setup.state, setup.reason, setup.detail)
            await self._watch(session, commander)
            return True
        except ModemError as exc:
            logger.info("%s: connection dropped during set-up: %s", self.modem_id, exc)
            return False
        except Exception:  # a bug in one connection must not end the modem's supervisor for good
            logger.exception("%s: unexpected failure; reconnecting", self.modem_id)
            return False
        finally:
            self._session = self._commander = None
            if urc_task is not None:
                await stop_task(urc_task)
            await session.close()

    async def _watch(self, session: AtSession, commander: Commander) -> None:
        """Wait for the link to drop; meanwhile poll registration whenever there is no network.

        READY can turn into NO_NETWORK at any time (a ``+CREG`` URC, a health check, a send refused
        for want of service), so the state is looked at every ``registration_poll`` seconds; only
        NO_NETWORK costs a command.
        """
        while not session.lost.is_set():
            with suppress(TimeoutError):
                async with asyncio.timeout(self.options.registration_poll):
                    await session.lost.wait()
            if not session.lost.is_set() and self.status.state is ModemState.NO_NETWORK:
                with suppress(ModemError):
                    await self.status.apply_registration(await read_registration(commander))

    # --- sending --------------------------------------------------------------------------------
    def _ready_session(self) -> AtSession:
        session = self._session
        if session is None or self.status.state is not ModemState.READY:
            raise ModemUnavailableError(
                f"{self.modem_id} is {self.status.state} ({self.detail})", modem_id=self.modem_id,
                reason=self.status.reason.value if self.status.reason else None,
            )  # fmt: skip
        return session

    async def send_pdu(self, part: SubmitPart, *, before_pdu: BeforePdu | None = None) -> int:
        """Send one part with ``AT+CMGS`` and return its TP-MR; never retried (see module doc).

        ``before_pdu`` is awaited between the ``> `` prompt and the PDU's first byte: the gateway
        records there that the part's PDU is being written. If it raises, ESC ends the prompt and
        nothing is sent.
        """
        session = self._ready_session()
        try:
            async with session.transaction():
                lines = await session.submit(
                    part.tpdu_length,
                    part.pdu_hex,
                    prompt_timeout=self.options.prompt_timeout,
                    result_timeout=self.options.send_timeout,
                    before_pdu=before_pdu,
                )
        except ModemCommandError as exc:
            if exc.category == ErrorCategory.NO_NETWORK:  # pause like an unplug; the poll sees it return
                await self.status.set(ModemState.NO_NETWORK, ModemReason.NETWORK, f"sending refused: {exc}")
            raise
        try:
            return responses.parse_int_field(lines, "+CMGS:")
        except ModemProtocolError as exc:
            raise OutcomeUnknownError(
                f"AT+CMGS succeeded without a readable +CMGS line: {lines!r}", modem_id=self.modem_id
            ) from exc

    async def send_sms(
        self, number: str, text: str, *, validity: timedelta = DEFAULT_VALIDITY, concat_ref: int | None = None
    ) -> list[int]:
        """Encode and send every part; return each part's TP-MR. Stops at the first error."""
        parts = encode_sms(number, text, validity=validity, concat_ref=concat_ref)
        return [await self.send_pdu(part) for part in parts]

    # --- reports and received messages ----------------------------------------------------------
    @property
    def pending_reports(self) -> asyncio.Queue[StatusReport]:
        """Status reports, when the driver was built without a sink (its own in-memory one)."""
        return self._default_queues().reports

    @property
    def pending_messages(self) -> asyncio.Queue[IncomingSms]:
        """Received SMS, when the driver was built without a sink (its own in-memory one)."""
        return self._default_queues().messages

    def _default_queues(self) -> CollectedQueues:
        if self._queues is None:
            raise RuntimeError(f"{self.modem_id} hands what it collects to its sink, not to queues")
        return self._queues

    @property
    def storage_use(self) -> list[MemoryUsage]:
        """Each memory as last seen by a sweep: slots used/total, or why it could not be read."""
        return list(self._storage.usage.values())

    def _usable_session(self) -> AtSession:
        session = self._session
        if session is None or self.status.state in (ModemState.SIM_ERROR, ModemState.STOPPED):
            raise ModemUnavailableError(
                f"{self.modem_id} is {self.status.state} ({self.detail})", modem_id=self.modem_id
            )
        return session

    async def sweep(self) -> int:
        """Collect (hand to the sink, then delete) everything stored in every memory; return how many.

        :raises ModemUnavailableError: not connected. A memory that cannot be read is skipped and
            shown in :attr:`storage_use`; a failing sink stops the sweep with nothing of its
            memory deleted (:class:`~gsmgateway.core.errors.GatewayError` from the sink).
        """
        return await self._storage.sweep(self._usable_session(), CollectionSource.SWEEP)

    async def _sweep_on_connect(self) -> None:
        """Collect what arrived while we were away, from every memory, before anything is sent."""
        session = self._session
        if session is None:
            return
        try:
            await self._storage.sweep(session, CollectionSource.STARTUP)
        except ModemUnavailableError:
            raise
        except GatewayError as exc:  # the sink (store) failed: everything stays on the modem
            logger.warning("%s: start-up sweep stopped, nothing deleted: %s", self.modem_id, exc)

    # --- health ---------------------------------------------------------------------------------
    async def health(self) -> Health:
        """Ask for signal, registration and operator, and re-assert report routing.

        Meant to be called periodically (the health job); updates READY/NO_NETWORK as it goes.
        """
        setup = self._setup
        commander = self._commander
        rssi = operator = None
        registration = "unknown"
        if commander is not None and self.status.state in (ModemState.READY, ModemState.NO_NETWORK):
            rssi, operator = await read_signal_and_operator(commander)
            with suppress(ModemProtocolError):  # a garbled answer is "unknown", not a failure
                registration = await read_registration(commander)
                await self.status.apply_registration(registration)
            if setup is not None and setup.routing is not None:
                # Re-assert routing: a modem that missed an AT+CNMA (or rebooted) turns it off.
                await commander.optional(setup.routing.cnmi)
        return Health(
            state=self.status.state,
            rssi=rssi,
            dbm=responses.rssi_to_dbm(rssi),
            registration=registration,
            operator=operator,
            smsc=setup.smsc if setup else None,
            routing=setup.routing if setup else None,
            storage=setup.layout.home if setup else None,
        )
