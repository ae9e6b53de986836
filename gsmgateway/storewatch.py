"""The daemon's eye on its store: a database deleted under it stops it; a full disk heals by itself.

Every :data:`WATCH_INTERVAL` seconds the watch asks the SQLite lock whether the database file is
still the one opened (a deleted file stays writable through the open connections, so the gateway
would go on accepting messages into a file nobody will ever read again), and lets the store's
health probe try to recover while writes fail (``store/health.py``). A lost database is fatal:
``on_lost`` gets the reason once, and the daemon stops with it (saving what the file held, see
``Gateway.stop``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from gsmgateway.store.db import Database
from gsmgateway.store.ownership import StoreLock

logger = logging.getLogger(__name__)

#: Seconds between two looks; a periodic check, not a wait for something to happen.
WATCH_INTERVAL = 2.0


class StoreWatch:
    """A task that checks the database file and probes a failing store; :meth:`stop` ends it."""

    def __init__(
        self,
        lock: StoreLock | None,
        database: Database,
        on_lost: Callable[[str], None],
        *,
        interval: float = WATCH_INTERVAL,
    ) -> None:
        self._lock = lock
        self._database = database
        self._on_lost = on_lost
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start watching (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="gsmgateway-store-watch")

    async def stop(self) -> None:
        """Stop watching (idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            reason = self._lock.lost() if self._lock is not None else None
            if reason is not None:
                logger.critical("%s: stopping the gateway", reason)
                self._on_lost(reason)
                return
            await self._database.health.probe()
