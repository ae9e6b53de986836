"""A small keyed token-bucket limiter: pure, no IO, with an injectable clock.

The service limits messages per recipient with it, the API limits requests per key, and a modem
worker limits messages per minute. Each key has a bucket of ``burst`` tokens refilled at ``rate``
tokens per second; a request takes one token or is told how long to wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets by key. ``rate`` 0 means no limit (every :meth:`acquire` succeeds).

    :param rate: tokens added per second.
    :param burst: bucket size, the most requests accepted at once after a quiet spell.
    :param clock: monotonic seconds; tests pass their own.
    :param max_keys: buckets kept; full buckets are dropped first so memory stays bounded.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate < 0 or burst < 1:
            raise ValueError("rate must be >= 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def acquire(self, key: Hashable, tokens: int = 1) -> float:
        """Take ``tokens`` for ``key``; return 0.0 on success, else the seconds to wait (nothing taken)."""
        if self.rate == 0:
            return 0.0
        bucket = self._refill(key)
        if bucket.tokens >= tokens:
            bucket.tokens -= tokens
            return 0.0
        return (tokens - bucket.tokens) / self.rate

    def check(self, key: Hashable, tokens: int = 1) -> float:
        """Return the seconds until ``tokens`` would be available for ``key``, taking nothing."""
        if self.rate == 0:
            return 0.0
        bucket = self._refill(key)
        return max(0.0, (tokens - bucket.tokens) / self.rate)

    def _refill(self, key: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            return bucket
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        return bucket

    def _evict(self, now: float) -> None:
        """Forget buckets that have refilled completely: they behave exactly like new ones."""
        full = [
            key for key, b in self._buckets.items() if b.tokens + (now - b.stamp) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:  # all busy: drop the oldest half
            for key in list(self._buckets)[: self._max_keys // 2]:
                del self._buckets[key]
