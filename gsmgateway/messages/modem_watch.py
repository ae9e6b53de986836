"""Everything a worker keeps an eye on besides sending: reports to apply, health, what ``/modems`` says.

* Reports journaled for the modem (and those that waited for a send to settle) are applied by a
  task of their own (:meth:`ModemWatch.apply_reports`), which never waits for a send.
* Errors are kept per activity (``send``, ``health``, ``worker``) and a later success of the same
  activity clears its error: ``GET /modems`` shows only errors that are still current.
* Signal, operator and storage are shown only while the modem is connected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from gsmgateway.core.errors import GatewayError, ModemError, ModemUnavailableError
from gsmgateway.core.inbox import PduKind
from gsmgateway.core.models import ModemState
from gsmgateway.core.records import ModemStatusView
from gsmgateway.messages.collection import ApplySummary, CollectionService
from gsmgateway.messages.dispatch import DispatchService
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import Health

logger = logging.getLogger("gsmgateway.messages.worker")


class ModemWatch:
    """Reports, health and status of one modem, for its worker."""

    def __init__(
        self,
        driver: ModemDriver,
        dispatch: DispatchService,
        collection: CollectionService,
        *,
        notify: Callable[[], Awaitable[None]],
    ) -> None:
        self.modem_id = driver.modem_id
        self.driver = driver
        self._dispatch = dispatch
        self._collection = collection
        self._notify = notify
        self.reports_due = asyncio.Event()  # reports were journaled, or a send settled: apply them
        self.applying: asyncio.Future[ApplySummary] | None = None
        self.errors: dict[str, str] = {}  # send / health / worker → the error still current
        self.last_health: Health | None = None
        self.incoming_seen = 0
        self._last_seen: tuple[object, ...] = ()

    # --- reports and received SMS -------------------------------------------------------------
    def collected(self, modem_id: str, kinds: frozenset[PduKind]) -> None:
        """Note what concerns this modem in a batch the collection service journaled."""
        if modem_id != self.modem_id:
            return
        if PduKind.DELIVER in kinds:
            self.incoming_seen += 1
        self.reports_due.set()  # the applier's pass ends with a change notification either way

    def after_send(self) -> None:
        """Let a report that beat its MR (journaled, pending) land now that a send was settled."""
        if self._collection.reports_waiting(self.modem_id):
            self.reports_due.set()

    async def apply_reports(self) -> None:
        """Apply this modem's journaled reports whenever some came; never holds a send."""
        while True:
            await self.reports_due.wait()
            self.reports_due.clear()
            # Shielded: stopping the worker must not cut a report's transaction in half.
            self.applying = asyncio.ensure_future(self._collection.apply_pending(self.modem_id))
            try:
                await asyncio.shield(self.applying)
            except GatewayError as exc:
                logger.warning(
                    "%s: applying status reports failed (they stay journaled): %s", self.modem_id, exc
                )
            self.applying = None
            await self._notify()

    async def poll_reports(self) -> int:
        """Sweep every memory into the journal, then apply what is pending; return how many were collected."""
        try:
            collected = await self.driver.sweep()
        except ModemUnavailableError:
            collected = 0
        except GatewayError as exc:  # the journal failed: everything stays on the modem for the next poll
            logger.warning("%s: sweep stopped, nothing deleted: %s", self.modem_id, exc)
            collected = 0
        await self._collection.apply_pending(self.modem_id)
        return collected

    # --- health and GET /modems ---------------------------------------------------------------
    async def check_health(self) -> Health | None:
        """Ask the modem how it is and save it for ``GET /modems`` (the scheduled health job).

        Logged at INFO only when state, registration or operator changed (the signal wanders).
        """
        health: Health | None = None
        try:
            health = await self.driver.health()
        except ModemError as exc:
            self.errors["health"] = f"health: {exc}"[:200]
        else:
            self.errors.pop("health", None)
        self.last_health = health
        operator = health.operator if health else None
        await self._dispatch.save_modem_state(
            self.modem_id, self.driver.state.value, signal=health.dbm if health else None,
            operator=operator, last_error=self.last_error,
        )  # fmt: skip
        seen = (self.driver.state, health.registration if health else "-", operator)
        level = logging.INFO if seen != self._last_seen else logging.DEBUG
        self._last_seen = seen
        logger.log(level, "%s: %s, signal %s dBm, %s, operator %s", self.modem_id, self.driver.state,
                   health.dbm if health else None, seen[1], operator)  # fmt: skip
        return health

    @property
    def last_error(self) -> str | None:
        """An error that is still current: the last send or health check failed, or the modem is down."""
        current = self.errors.get("send") or self.errors.get("health") or self.errors.get("worker")
        if current is None and self.driver.state is not ModemState.READY:
            return self.driver.detail
        return current

    def status(self, stored: ModemStatusView | None, *, now: datetime) -> ModemStatusView:
        """Return the modem as ``GET /modems`` shows it: live state and why, radio, storage, counters.

        Signal, operator and storage only while the modem is connected: a figure from before an
        unplug would describe a modem that is not there.
        """
        connected = self.driver.state in (ModemState.READY, ModemState.NO_NETWORK)
        health = self.last_health if connected else None
        storage = tuple(self.driver.storage_use) if connected else ()
        reason = self.driver.status.reason
        return ModemStatusView(
            modem_id=self.modem_id,
            state=self.driver.state.value,
            reason=reason.value if reason is not None else None,
            since=self.driver.status.since,
            signal=health.dbm if health else None,
            operator=health.operator if health else None,
            storage=storage,
            last_error=self.last_error,
            sent_count=stored.sent_count if stored else 0,
            failed_count=stored.failed_count if stored else 0,
            updated_at=now,
        )
