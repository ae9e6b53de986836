"""A per-endpoint circuit breaker: stop calling an endpoint that keeps failing, try it again later.

Closed, every call may go. After ``failures`` failures in a row it opens for ``cooldown`` seconds:
no calls (their events wait in the outbox, nothing is lost). Then it lets exactly one trial call
through (half-open): a success closes it, a failure opens it again. So a dead endpoint costs one
call per cooldown instead of a timeout per event, and never ties up the calls of the others.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Decide whether a call may go; be told how each call went."""

    def __init__(self, *, failures: int, cooldown: float, clock: Callable[[], float]) -> None:
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._state = BreakerState.CLOSED
        self._open_until = 0.0
        self._trial_out = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose cooldown ended still reads open until asked)."""
        return self._state

    @property
    def open_until(self) -> float | None:
        """When an open breaker lets its trial call through (None unless open)."""
        return self._open_until if self._state is BreakerState.OPEN else None

    def allows(self) -> bool:
        """Whether a call may go now; an open breaker past its cooldown allows one trial."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN and self._clock() >= self._open_until:
            self._state, self._trial_out = BreakerState.HALF_OPEN, False
        if self._state is BreakerState.HALF_OPEN and not self._trial_out:
            self._trial_out = True
            return True
        return False

    def succeeded(self) -> bool:
        """Record a successful call; return True when this closed an open or half-open breaker."""
        reopened = self._state is not BreakerState.CLOSED
        self._state, self._failures, self._trial_out = BreakerState.CLOSED, 0, False
        return reopened

    def failed(self) -> bool:
        """Record a failed call; return True when this opened the breaker."""
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            opened = self._state is not BreakerState.OPEN
            self._state, self._trial_out = BreakerState.OPEN, False
            self._open_until = self._clock() + self._cooldown
            return opened
        return False
