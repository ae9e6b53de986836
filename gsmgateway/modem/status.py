"""What a modem can do now, why, and since when: the driver's state, told once per change.

``GET /modems`` shows the state with its reason (``core/models.ModemReason``: permission, missing,
busy, SIM, PIN, network …) and the time it began; the log gets one line when either changes —
never one per poll or per reconnect attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from gsmgateway.core.errors import ModemUnavailableError
from gsmgateway.core.models import ModemReason, ModemState
from gsmgateway.modem.responses import REGISTERED

logger = logging.getLogger("gsmgateway.modem.driver")
#: Reasons an operator has to act on (others pass by themselves: a replug, the network coming back).
_NEEDS_ATTENTION = frozenset(
    {ModemReason.PERMISSION, ModemReason.BUSY, ModemReason.OPEN_FAILED, ModemReason.NOT_RESPONDING,
     ModemReason.SIM, ModemReason.PIN}
)  # fmt: skip


class ModemStatus:
    """State, reason and detail of one modem, with the time the state or reason last changed."""

    def __init__(self, modem_id: str, clock: Callable[[], datetime]) -> None:
        self.modem_id = modem_id
        self.state = ModemState.DISCONNECTED
        self.reason: ModemReason | None = ModemReason.STARTING
        self.detail = "not started"
        self._clock = clock
        self.since = clock()
        self._changed = asyncio.Condition()

    async def set(self, state: ModemState, reason: ModemReason | None, detail: str) -> None:
        """Record a state; log it when the state or its reason changed (details may vary freely)."""
        self.detail = detail
        if (state, reason) != (self.state, self.reason):
            level = logging.WARNING if reason in _NEEDS_ATTENTION else logging.INFO
            why = f"{reason}: {detail}" if reason is not None else detail
            moved = f"{self.state} -> {state}" if state is not self.state else str(state)
            logger.log(level, "%s: %s (%s)", self.modem_id, moved, why)
            self.state, self.reason, self.since = state, reason, self._clock()
        async with self._changed:
            self._changed.notify_all()

    async def apply_registration(self, registration: str) -> None:
        """Move between READY and NO_NETWORK as registration (a ``+CREG`` word) comes and goes."""
        if self.state is ModemState.READY and registration not in REGISTERED:
            await self.set(ModemState.NO_NETWORK, ModemReason.NETWORK, registration)
        elif self.state is ModemState.NO_NETWORK and registration in REGISTERED:
            await self.set(ModemState.READY, None, registration)

    async def wait_for(self, predicate: Callable[[], bool], *, timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds; it is checked on every change.

        :raises ModemUnavailableError: it did not hold within ``timeout`` seconds.
        """
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError as exc:
            raise ModemUnavailableError(
                f"{self.modem_id} is {self.state} ({self.detail}), not {what}",
                modem_id=self.modem_id, reason=self.reason.value if self.reason else None,
            ) from exc  # fmt: skip
