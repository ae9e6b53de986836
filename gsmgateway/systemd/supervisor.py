"""What the running daemon tells systemd: ready, still alive (watchdog), what it is doing, stopping.

``READY=1`` goes out once the gateway has started — the store is open and the API listens — so
``systemctl start`` returns when a request can be answered, and units ordered after ours start then.
``WATCHDOG=1`` is sent by a task on the event loop: if the loop hangs (a blocking call, a busy
loop), the pings stop and systemd restarts the daemon after ``WatchdogSec=``. The ping checks the
loop, nothing deeper: a store or modem that misbehaves shows in ``STATUS=`` and ``/ready``, and
restarting the daemon would not cure it. ``STATUS=`` (shown by ``systemctl status``) carries where
the API listens, the queue depth and each modem's state, refreshed every few seconds and sent when
it changes.
``STOPPING=1`` is sent as soon as the shutdown begins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from gsmgateway.core.errors import GatewayError
from gsmgateway.systemd.notify import ServiceNotifier

logger = logging.getLogger(__name__)

#: How often STATUS= is recomputed: one indexed COUNT and a look at each worker.
STATUS_INTERVAL = 2.0


class Supervised(Protocol):
    """The little the supervisor needs to know of the gateway."""

    @property
    def url(self) -> str:
        """Where the API listens."""
        ...

    async def queue_depth(self) -> int:
        """How many messages wait to be sent."""
        ...

    def modem_states(self) -> Sequence[tuple[str, str]]:
        """Each modem's id and live state."""
        ...


def status_line(url: str, queue_depth: int | None, modems: Sequence[tuple[str, str]]) -> str:
    """Return the one-line ``STATUS=`` text.

    For example ``listening on http://127.0.0.1:8080; queued: 3; modems: modem-1 ready, modem-2
    disconnected``. ``queue_depth`` None means the store could not be asked (shown as ``?``).
    """
    queued = "?" if queue_depth is None else str(queue_depth)
    described = ", ".join(f"{modem_id} {state}" for modem_id, state in modems) or "none configured"
    return f"listening on {url}; queued: {queued}; modems: {described}"


class ServiceSupervisor:
    """Sends READY/STATUS/WATCHDOG/STOPPING for one gateway; does nothing when systemd does not listen."""

    def __init__(
        self, notifier: ServiceNotifier, gateway: Supervised, *, status_interval: float = STATUS_INTERVAL
    ) -> None:
        self._notifier = notifier
        self._gateway = gateway
        self._status_interval = status_interval
        self._tasks: list[asyncio.Task[None]] = []
        self._last_status: str | None = None
        self._ready = False

    async def ready(self) -> None:
        """Tell systemd the gateway serves now (with a first STATUS); start the watchdog and status tasks."""
        if not self._notifier.enabled:
            return
        self._last_status = await self._status()
        self._notifier.send(READY="1", STATUS=self._last_status)
        self._ready = True
        self._tasks.append(asyncio.create_task(self._refresh_status(), name="systemd-status"))
        interval = self._notifier.watchdog_interval
        if interval is not None:
            self._tasks.append(asyncio.create_task(self._ping_watchdog(interval), name="systemd-watchdog"))

    async def stop(self) -> None:
        """Stop the pings and say ``STOPPING=1`` (if READY was said); idempotent."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._ready:
            self._notifier.send(STOPPING="1", STATUS="stopping: finishing the sends in flight")
            self._ready = False
        self._notifier.close()

    async def _ping_watchdog(self, interval: float) -> None:
        while True:
            self._notifier.send(WATCHDOG="1")
            await asyncio.sleep(interval)  # the pace systemd asked for (half of WatchdogSec=)

    async def _refresh_status(self) -> None:
        while True:
            await asyncio.sleep(self._status_interval)  # a periodic refresh, not a wait for a condition
            status = await self._status()
            if status != self._last_status:
                self._notifier.send(STATUS=status)
                self._last_status = status

    async def _status(self) -> str:
        try:
            depth: int | None = await self._gateway.queue_depth()
        except GatewayError as exc:  # the store is in trouble: say so, keep the pings going
            logger.debug("queue depth for STATUS= unavailable: %s", exc)
            depth = None
        return status_line(self._gateway.url, depth, self._gateway.modem_states())
