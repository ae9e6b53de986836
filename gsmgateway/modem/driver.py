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
A background supervisor reconnects with exponential back-off whenever the port goes away, and
:attr:`~ModemDriver.state` always says what the modem can do now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta

from gsmgateway.core.errors import (
    GatewayError,
    ModemError,
    ModemProtocolError,
    ModemUnavailableError,
    OutcomeUnknownError,
)
from gsmgateway.core.inbox import CollectionSource
from gsmgateway.core.models import ModemState
from gsmgateway.modem import responses
from gsmgateway.modem.codec import Urc
from gsmgateway.modem.collection import CollectedQueues, Sink, classify
from gsmgateway.modem.initialise import (
    REGISTERED,
    Commander,
    Setup,
    initialise,
    read_registration,
    read_signal_and_operator,
)
from gsmgateway.modem.options import DriverOptions, Health, Identity, ReportRouting
from gsmgateway.modem.pdu import DEFAULT_VALIDITY, IncomingSms, StatusReport, SubmitPart, encode_sms
from gsmgateway.modem.session import AtSession, BeforePdu, stop_task
from gsmgateway.modem.storage import MemoryUse, StorageReader, is_sink_failure
from gsmgateway.modem.transport import Opener

logger = logging.getLogger(__name__)


class ModemDriver:
    """Drive one modem: :meth:`start`, then send and receive; :meth:`stop` when done."""

    def __init__(
        self, modem_id: str, opener: Opener, *, options: DriverOptions | None = None, sink: Sink | None = None
    ) -> None:
        self.modem_id = modem_id
        self.options = options or DriverOptions()
        self._queues = CollectedQueues() if sink is None else None
        self.identity: Identity | None = None
        self.detail = "not started"
        self._opener = opener
        self._state = ModemState.DISCONNECTED
        self._state_changed = asyncio.Condition()
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
        return self._state

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
        await self._set_state(ModemState.STOPPED, "stopped")

    async def wait_for_state(self, *states: ModemState, timeout: float) -> ModemState:  # noqa: ASYNC109
        """Wait until the state is one of ``states`` and return it.

        :raises ModemUnavailableError: not reached within ``timeout`` seconds.
        """
        await self.wait_for(lambda: self._state in states, timeout=timeout, what="/".join(states))
        return self._state

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
        try:
            async with asyncio.timeout(timeout), self._state_changed:
                await self._state_changed.wait_for(predicate)
        except TimeoutError as exc:
            raise ModemUnavailableError(
                f"{self.modem_id} is {self._state} ({self.detail}), not {what}", modem_id=self.modem_id
            ) from exc

    async def wait_ready(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the modem can send. :raises ModemUnavailableError: not within ``timeout``."""
        await self.wait_for_state(ModemState.READY, timeout=timeout)

    async def _set_state(self, state: ModemState, detail: str) -> None:
        self.detail = detail
        if state is not self._state:
            logger.info("%s: %s -> %s (%s)", self.modem_id, self._state, state, detail)
            self._state = state
        async with self._state_changed:
            self._state_changed.notify_all()

    async def _supervise(self) -> None:
        """Connect, serve until the link is lost, back off, repeat; forever until cancelled."""
        delay = self.options.reconnect_delay
        while True:
            try:
                stream = await self._opener()
            except (ModemUnavailableError, OSError) as exc:  # OSError: a structural opener (simulator)
                await self._set_state(ModemState.DISCONNECTED, f"cannot open: {exc}")
            else:
                if await self._serve(
                    AtSession(
                        stream,
                        modem_id=self.modem_id,
                        stale_grace=self.options.stale_grace,
                        max_timeouts=self.options.max_timeouts,
                    )
                ):
                    delay = self.options.reconnect_delay
            await self._set_state(ModemState.DISCONNECTED, f"reconnecting in {delay:g}s")
            await asyncio.sleep(delay)  # back-off between attempts, not a wait for an event
            delay = min(delay * 2, self.options.reconnect_delay_max)

    async def _serve(self, session: AtSession) -> bool:
        """Initialise and watch one connection; return whether initialisation succeeded."""
        session.start()
        self.connections += 1
        commander = Commander(session, self.options)
        urc_task: asyncio.Task[None] | None = None
        try:
            await self._set_state(ModemState.INITIALISING, "running the init sequence")
            setup = await initialise(commander)
            self._setup, self.identity = setup, setup.identity
            self._storage.use(setup.layout)
            self._session, self._commander = session, commander
            urc_task = asyncio.create_task(
                self._consume_urcs(session, commander), name=f"urcs-{self.modem_id}"
            )
            if setup.state is not ModemState.SIM_ERROR and self.options.sweep_on_connect:
                await self._sweep_on_connect()
            await self._set_state(setup.state, setup.detail)
            await self._watch(session, commander)
            return True
        except ModemError as exc:
            logger.warning("%s: connection dropped during set-up: %s", self.modem_id, exc)
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

        READY can turn into NO_NETWORK at any time (a ``+CREG`` URC, a health check), so the state
        is looked at every ``registration_poll`` seconds; only NO_NETWORK costs a command.
        """
        while not session.lost.is_set():
            with suppress(TimeoutError):
                async with asyncio.timeout(self.options.registration_poll):
                    await session.lost.wait()
            if not session.lost.is_set() and self._state is ModemState.NO_NETWORK:
                with suppress(ModemError):
                    await self._apply_registration(await read_registration(commander))

    async def _apply_registration(self, registration: str) -> None:
        """Move between READY and NO_NETWORK as registration comes and goes."""
        if self._state is ModemState.READY and registration not in REGISTERED:
            await self._set_state(ModemState.NO_NETWORK, registration)
        elif self._state is ModemState.NO_NETWORK and registration in REGISTERED:
            await self._set_state(ModemState.READY, registration)

    # --- sending --------------------------------------------------------------------------------
    def _ready_session(self) -> AtSession:
        session = self._session
        if session is None or self._state is not ModemState.READY:
            raise ModemUnavailableError(
                f"{self.modem_id} is {self._state} ({self.detail})", modem_id=self.modem_id
            )
        return session

    async def send_pdu(self, part: SubmitPart, *, before_pdu: BeforePdu | None = None) -> int:
        """Send one part with ``AT+CMGS`` and return its TP-MR; never retried (see module doc).

        ``before_pdu`` is awaited between the ``> `` prompt and the PDU's first byte: the gateway
        records there that the part's PDU is being written. If it raises, ESC ends the prompt and
        nothing is sent.
        """
        session = self._ready_session()
        async with session.transaction():
            lines = await session.submit(
                part.tpdu_length,
                part.pdu_hex,
                prompt_timeout=self.options.prompt_timeout,
                result_timeout=self.options.send_timeout,
                before_pdu=before_pdu,
            )
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
    def storage_use(self) -> list[MemoryUse]:
        """Each memory as last seen by a sweep: slots used/total, or why it could not be read."""
        return list(self._storage.usage.values())

    def _usable_session(self) -> AtSession:
        session = self._session
        if session is None or self._state in (ModemState.SIM_ERROR, ModemState.STOPPED):
            raise ModemUnavailableError(
                f"{self.modem_id} is {self._state} ({self.detail})", modem_id=self.modem_id
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

    async def _consume_urcs(self, session: AtSession, commander: Commander) -> None:
        """Handle every URC of one connection; one failing URC never stops the next."""
        while True:
            urc = await session.urcs.get()
            try:
                await self._handle_urc(urc, session, commander)
            except GatewayError as exc:
                if is_sink_failure(exc):
                    logger.warning("%s: could not keep %s (%s); left on the modem, not acknowledged",
                                   self.modem_id, urc.name, exc)  # fmt: skip
                else:
                    logger.warning("%s: handling %s failed: %s", self.modem_id, urc.name, exc)
            except Exception:  # one odd URC must not stop report handling for the connection
                logger.exception("%s: bug while handling %s", self.modem_id, urc.name)

    async def _handle_urc(self, urc: Urc, session: AtSession, commander: Commander) -> None:
        if urc.name in ("+CDS", "+CMT"):
            if urc.pdu is None:
                logger.warning("%s: %s without its PDU line; nothing to keep", self.modem_id, urc.name)
                return
            source = CollectionSource.CDS if urc.name == "+CDS" else CollectionSource.CMT
            item = classify(urc.pdu, tpdu_length=responses.parse_length(urc.args), source=source,
                            modem_id=self.modem_id)  # fmt: skip
            await self._storage.sink([item])
            await self._acknowledge(commander)
        elif urc.name in ("+CDSI", "+CMTI"):
            memory, index = responses.parse_memory_index(urc.args)
            source = CollectionSource.CDSI if urc.name == "+CDSI" else CollectionSource.CMTI
            await self._storage.read_announced(session, memory, index, source)
        elif urc.name == "+CREG":
            await self._apply_registration(responses.parse_creg([urc.text]))
        else:
            logger.debug("%s: ignoring URC %r", self.modem_id, urc.text)

    async def _acknowledge(self, commander: Commander) -> None:
        """Send ``AT+CNMA`` when the modem expects it (``+CSMS`` service 1)."""
        if self._setup is not None and self._setup.ack_required:
            await commander.optional("AT+CNMA")

    # --- health ---------------------------------------------------------------------------------
    async def health(self) -> Health:
        """Ask for signal, registration and operator, and re-assert report routing.

        Meant to be called periodically (the health job); updates READY/NO_NETWORK as it goes.
        """
        setup = self._setup
        commander = self._commander
        rssi = operator = None
        registration = "unknown"
        if commander is not None and self._state in (ModemState.READY, ModemState.NO_NETWORK):
            rssi, operator = await read_signal_and_operator(commander)
            with suppress(ModemProtocolError):  # a garbled answer is "unknown", not a failure
                registration = await read_registration(commander)
                await self._apply_registration(registration)
            if setup is not None and setup.routing is not None:
                # Re-assert routing: a modem that missed an AT+CNMA (or rebooted) turns it off.
                await commander.optional(setup.routing.cnmi)
        return Health(
            state=self._state,
            rssi=rssi,
            dbm=responses.rssi_to_dbm(rssi),
            registration=registration,
            operator=operator,
            smsc=setup.smsc if setup else None,
            routing=setup.routing if setup else None,
            storage=setup.layout.home if setup else None,
        )
