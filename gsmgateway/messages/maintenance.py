"""Start-up recovery and the housekeeping jobs: report window, validity, retention.

* At start, a message found in ``sending`` was interrupted mid-send: it becomes ``unknown``
  (at-most-once, the default) — or ``queued`` again when ``dispatch.at_least_once`` is set, which
  accepts that the recipient may get it twice.
* ``sent`` with no final report after ``report_window_hours`` → ``expired`` (reason ``no-report``).
* ``queued`` past its validity → ``expired`` (reason ``validity``).
* Text of done messages older than ``retention_days`` is removed; the metadata stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.store.sweeps import MessageSweeps

logger = logging.getLogger(__name__)


class MaintenanceService:
    """The jobs the scheduler runs, each one short call that is safe to repeat."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        sweeps: MessageSweeps,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._config = config
        self._sweeps = sweeps
        self._clock = clock

    async def recover_after_restart(self, modem_ids: Collection[str] | None = None) -> list[int]:
        """Settle messages left in ``sending`` by a crash (by ``modem_ids`` only if given); return the ids."""
        requeued, unknown = await self._sweeps.settle_interrupted(
            now=self._clock(), requeue=self._config.dispatch.at_least_once, modem_ids=modem_ids
        )
        if requeued:
            logger.warning("%d message(s) were sending at restart → queued (at-least-once)", len(requeued))
        if unknown:
            logger.warning("%d message(s) were sending at restart → unknown", len(unknown))
        return requeued + unknown

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
        cutoff = self._clock() - timedelta(days=self._config.dispatch.retention_days)
        return await self._sweeps.remove_text_before(cutoff)
