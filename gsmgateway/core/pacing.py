"""Messages per phone number over time: a pure pacer (GCRA) whose state the stored messages rebuild.

The limit is "``per_hour`` messages an hour to one number, ``burst`` at once after a quiet spell",
the same as a token bucket, kept as one *theoretical arrival time* (TAT) per number in the way of
the generic cell rate algorithm: every message to a number moves its TAT one interval on, from
``max(TAT, its arrival)``. A message is due at ``TAT - (burst - 1) * interval``; if that is in the
future, the number is over its limit until then.

The TAT after a run of messages depends only on *when they arrived* — not on whether they were sent
at once or deferred to their slot — so replaying the arrival times of the messages the store holds
(:meth:`Pacer.replay`) gives back exactly the state a restart would otherwise forget. That is how
the limit survives a restart without writing anything more per message than the message itself.
"""

from __future__ import annotations

from collections.abc import Iterable


class Pacer:
    """Per-key message slots. ``per_hour`` 0 means no limit (every message is due at once).

    Times are seconds on one clock shared with :meth:`replay` (the service uses Unix time, as the
    store's ``created_at`` does).

    :param per_hour: messages an hour a key may get in the long run.
    :param burst: messages a key may get at once after a quiet spell (>= 1).
    :param max_keys: keys kept; keys whose slots have all passed are dropped first.
    """

    def __init__(self, per_hour: float, burst: int, *, max_keys: int = 200_000) -> None:
        if per_hour < 0 or burst < 1:
            raise ValueError("per_hour must be >= 0 and burst >= 1")
        self.enabled = per_hour > 0
        self.interval = 3600.0 / per_hour if per_hour > 0 else 0.0
        self.tolerance = (burst - 1) * self.interval
        self._max_keys = max_keys
        self._tat: dict[str, float] = {}

    def delay(self, key: str, now: float, count: int = 1) -> float:
        """Return how many seconds from ``now`` the ``count``-th next message to ``key`` must wait."""
        if not self.enabled:
            return 0.0
        start = max(self._tat.get(key, now), now)
        return max(0.0, start + (count - 1) * self.interval - self.tolerance - now)

    def take(self, key: str, now: float) -> float:
        """Give the next slot of ``key`` to a message arriving at ``now``; return its delay (seconds)."""
        if not self.enabled:
            return 0.0
        start = max(self._tat.get(key, now), now)
        if key not in self._tat and len(self._tat) >= self._max_keys:
            self._forget_past(now)
        self._tat[key] = start + self.interval
        return max(0.0, start - self.tolerance - now)

    def give_back(self, key: str) -> None:
        """Undo the last :meth:`take` of ``key`` (its message turned out to be a replay, never stored)."""
        if self.enabled and key in self._tat:
            self._tat[key] -= self.interval

    def replay(self, arrivals: Iterable[tuple[str, float]]) -> int:
        """Rebuild the state from stored ``(key, arrival time)`` pairs in arrival order; return how many."""
        if not self.enabled:
            return 0
        count = 0
        tat = self._tat
        interval = self.interval
        for key, arrived in arrivals:
            previous = tat.get(key, arrived)
            tat[key] = (previous if previous > arrived else arrived) + interval
            count += 1
        return count

    def _forget_past(self, now: float) -> None:
        """Drop keys whose TAT has passed: a new key behaves exactly like them."""
        for key in [key for key, tat in self._tat.items() if tat <= now]:
            del self._tat[key]
        if len(self._tat) >= self._max_keys:  # every key is busy: forget the ones freed soonest
            for key, _ in sorted(self._tat.items(), key=lambda item: item[1])[: self._max_keys // 2]:
                del self._tat[key]


__all__ = ["Pacer"]
