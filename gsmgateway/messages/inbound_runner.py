"""The task that runs inbound processing: when SMS are journaled, at start, and every little while.

It wakes on the collection seam's listener (a batch with received SMS), processes everything
pending (so a kill between journal and processing loses nothing: the start-up pass finds it), and
marks long messages whose parts stopped coming as incomplete. A failed pass (the store was busy or
down) is logged and tried again after ``error_pause``; nothing is lost, the entries stay pending.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from gsmgateway.core.inbox import PduKind
from gsmgateway.messages.collection import CollectionService
from gsmgateway.messages.inbound import InboundService

logger = logging.getLogger(__name__)


class InboundRunner:
    """Run :class:`InboundService` passes in the background; :meth:`start`, :meth:`wake`, :meth:`stop`."""

    def __init__(
        self,
        service: InboundService,
        collection: CollectionService,
        *,
        expiry_interval: float = 30.0,
        error_pause: float = 5.0,
    ) -> None:
        self._service = service
        self._collection = collection
        self._expiry_interval = expiry_interval
        self._error_pause = error_pause
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    async def start(self) -> None:
        """Listen to the collection seam and start the loop (its first pass takes what is pending)."""
        if self._task is not None:
            return
        self._collection.add_listener(self._collected)
        self._wakeup.set()
        self._task = asyncio.create_task(self._run(), name="inbound")

    def _collected(self, modem_id: str, kinds: frozenset[PduKind]) -> None:
        if PduKind.DELIVER in kinds:
            self._wakeup.set()

    def wake(self) -> None:
        """Ask for a pass now."""
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._expiry_interval)
            self._wakeup.clear()
            try:
                await self._service.process_pending()
                await self._service.expire_partial()
            except Exception:  # the loop must outlive a busy or failing store; entries stay pending
                logger.exception("inbound processing failed; retrying in %.0f s", self._error_pause)
                await asyncio.sleep(self._error_pause)
                self._wakeup.set()
            self.passes += 1

    async def stop(self) -> None:
        """Stop the loop (a pass in progress is cancelled; its transaction rolls back; idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
