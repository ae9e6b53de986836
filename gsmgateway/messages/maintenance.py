"""Start-up recovery and the housekeeping jobs: report window, validity, retention.

* At start, a message found in ``sending`` was interrupted mid-send. Its parts say what can be
  known: nothing written → ``queued`` again; a part written without an answer → ``unknown``
  (at-most-once, the default) — or ``queued`` when ``dispatch.at_least_once`` is set and no part was
  answered, which accepts that the recipient may get it twice; every part answered → ``sent``;
  some answered and the rest never written → ``failed`` with the count.
* ``sent`` with no final report after ``report_window_hours`` → ``expired`` (reason ``no-report``).
* ``queued`` past its validity → ``expired`` (reason ``validity``).
* Text of done messages older than ``retention_days`` is removed; the metadata stays. Processed
  entries of the modem inbox go after the same time, and so do the text and data of received
  messages (the journal's PDUs carry the text too); delivered webhook events after
  ``webhook_delivery.retention_days``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.inbox import PduKind
from gsmgateway.store.inbound import InboundRepository
from gsmgateway.store.inbox import InboxRepository
from gsmgateway.store.outbox import OutboxRepository
from gsmgateway.store.sweeps import MessageSweeps

logger = logging.getLogger(__name__)


class MaintenanceService:
    """The jobs the scheduler runs, each one short call that is safe to repeat."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        sweeps: MessageSweeps,
        inbox: InboxRepository | None = None,
        inbound: InboundRepository | None = None,
        outbox: OutboxRepository | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._config = config
        self._sweeps = sweeps
        self._inbox = inbox
        self._inbound = inbound
        self._outbox = outbox
        self._clock = clock

    async def recover_after_restart(self, modem_ids: Collection[str] | None = None) -> list[int]:
        """Settle messages left in ``sending`` by a crash (by ``modem_ids`` only if given); return the ids."""
        settled = await self._sweeps.settle_interrupted(
            now=self._clock(), requeue=self._config.dispatch.at_least_once, modem_ids=modem_ids
        )
        for status, ids in sorted(settled.items()):
            logger.warning("%d message(s) were sending at restart → %s", len(ids), status)
        return sorted(i for ids in settled.values() for i in ids)

    async def expire_unreported(self) -> list[int]:
        """``sent`` too long without a final report → ``expired`` (no-report); return their ids."""
        now = self._clock()
        cutoff = now - timedelta(hours=self._config.dispatch.report_window_hours)
        return await self._sweeps.expire_sent_before(cutoff, now=now)

    async def expire_unsent(self) -> list[int]:
        """``queued`` past validity → ``expired`` (validity); return their ids."""
        return await self._sweeps.expire_past_validity(now=self._clock())

    async def apply_retention(self) -> int:
        """Remove the text of done messages older than the retention period; return how many."""
        now = self._clock()
        cutoff = now - timedelta(days=self._config.dispatch.retention_days)
        if self._inbox is not None:
            await self._inbox.prune([PduKind.REPORT, PduKind.OTHER, PduKind.DELIVER], processed_before=cutoff)
        if self._inbound is not None:
            await self._inbound.remove_text_before(cutoff)
        if self._outbox is not None:
            await self._outbox.prune(
                before=now - timedelta(days=self._config.webhook_delivery.retention_days)
            )
        return await self._sweeps.remove_text_before(cutoff)
