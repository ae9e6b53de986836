"""The periodic jobs, run by APScheduler 3.x's ``AsyncIOScheduler`` (the only APScheduler import).

Each job is one short call into a worker or the maintenance service, safe to repeat, with its
interval from ``[jobs]`` in the config:

* ``sweep`` (``sweep_seconds``): wake every worker, so retries after back-off and scheduled sends
  (``sendAt``) leave on time; in ``scheduled`` dispatch mode it is the only thing that starts sends.
* ``reports:<modem>`` (``report_poll_seconds``): read and delete SR storage, record the reports,
  drain received SMS — the polling that catches reports a lost ``+CDSI`` would have announced.
* ``health:<modem>`` (``health_seconds``): signal, registration, operator → the modem table and log.
* ``expire-reports`` and ``expire-validity`` (``report_expiry_seconds``): ``sent`` without a final
  report past the window, and ``queued`` past validity, become ``expired``.
* ``retention`` (``retention_seconds``): remove the text of old messages.

A job never kills the scheduler: the wrapper catches ``Exception`` once and logs it (cancellation
passes through). Jobs do not overlap themselves (``max_instances=1``) and missed runs coalesce.
:class:`Jobs` holds the job bodies so tests can run one directly, with an injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from gsmgateway.core.config_sections import JobsConfig
from gsmgateway.messages.maintenance import MaintenanceService
from gsmgateway.messages.worker import ModemWorker

logger = logging.getLogger(__name__)

JobBody = Callable[[], Awaitable[object]]


class Jobs:
    """The bodies of the scheduled jobs, by name; each returns what it did (for logs and tests)."""

    def __init__(self, workers: Sequence[ModemWorker], maintenance: MaintenanceService) -> None:
        self._workers = list(workers)
        self._maintenance = maintenance

    async def sweep(self) -> int:
        """Wake every worker; return how many were woken."""
        for worker in self._workers:
            worker.wake()
        return len(self._workers)

    async def expire_reports(self) -> list[int]:
        """``sent`` too long without a final report → ``expired`` (no-report)."""
        ids = await self._maintenance.expire_unreported()
        if ids:
            logger.info("report window closed for %d message(s) → expired", len(ids))
        return ids

    async def expire_validity(self) -> list[int]:
        """``queued`` past validity → ``expired`` (validity)."""
        ids = await self._maintenance.expire_unsent()
        if ids:
            logger.info("%d queued message(s) passed their validity → expired", len(ids))
        return ids

    async def retention(self) -> int:
        """Remove the text of done messages older than the retention period."""
        removed = await self._maintenance.apply_retention()
        if removed:
            logger.info("retention: removed the text of %d message(s)", removed)
        return removed

    def schedule(self, jobs: JobsConfig) -> list[tuple[str, float, JobBody]]:
        """Every job as (name, interval in seconds, body), in the order they are registered."""
        table: list[tuple[str, float, JobBody]] = [("sweep", jobs.sweep_seconds, self.sweep)]
        for worker in self._workers:
            table.append((f"reports:{worker.modem_id}", jobs.report_poll_seconds, worker.poll_reports))
            table.append((f"health:{worker.modem_id}", jobs.health_seconds, worker.check_health))
        table += [
            ("expire-reports", jobs.report_expiry_seconds, self.expire_reports),
            ("expire-validity", jobs.report_expiry_seconds, self.expire_validity),
            ("retention", jobs.retention_seconds, self.retention),
        ]
        return table


class JobScheduler:
    """Run :class:`Jobs` on their intervals inside the running event loop; start, then shut down."""

    def __init__(self, jobs: Jobs, config: JobsConfig, *, shutdown_grace: float = 10.0) -> None:
        self._jobs = jobs
        self._config = config
        self._grace = shutdown_grace
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self.runs: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self._finished = asyncio.Condition()

    def start(self) -> None:
        """Register every job and start the scheduler (call from inside the event loop)."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone=UTC, event_loop=asyncio.get_running_loop())
        for name, seconds, body in self._jobs.schedule(self._config):
            scheduler.add_job(
                self._guarded, "interval", args=(name, body), seconds=seconds, id=name, name=name,
                max_instances=1, coalesce=True, misfire_grace_time=None,
            )  # fmt: skip
        scheduler.start()
        self._scheduler = scheduler

    @property
    def running(self) -> int:
        """How many job runs are in progress now."""
        return len(self._running)

    @property
    def job_names(self) -> list[str]:
        """The registered jobs' names (empty before :meth:`start`)."""
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    async def _guarded(self, name: str, body: JobBody) -> None:
        """Run one job; log an error instead of letting it reach APScheduler."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await body()
            self.runs[name] = self.runs.get(name, 0) + 1
        except Exception:
            self.failures[name] = self.failures.get(name, 0) + 1
            logger.exception("job %s failed", name)
        finally:
            if task is not None:
                self._running.discard(task)
            async with self._finished:
                self._finished.notify_all()

    async def wait_finished(self, name: str, count: int = 1) -> None:
        """Wait until job ``name`` has ended ``count`` times, well or badly (for tests and tools)."""
        async with self._finished:
            await self._finished.wait_for(
                lambda: self.runs.get(name, 0) + self.failures.get(name, 0) >= count
            )

    async def shutdown(self) -> None:
        """Stop scheduling, let running jobs finish (``shutdown_grace`` seconds), then cancel the rest."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()
        running = set(self._running)
        if running:
            await asyncio.wait(running, timeout=self._grace)
        scheduler.shutdown(wait=False)
        for task in running:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
