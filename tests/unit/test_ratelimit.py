"""The token bucket: bursts, refill over (injected) time, per-key independence, the off switch."""

from __future__ import annotations

import pytest

from gsmgateway.core.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_wait_then_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("k") == pytest.approx(0.5)  # one token takes 1/rate seconds
    clock.now += 0.5
    assert limiter.acquire("k") == 0.0
    assert limiter.acquire("k") == pytest.approx(0.5)
    clock.now += 100
    assert limiter.check("k", 3) == 0.0  # refills, but never above the burst
    assert limiter.check("k", 4) == pytest.approx(0.5)


def test_keys_are_independent_and_refusal_takes_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("a") == pytest.approx(1.0)  # the refused calls did not dig a deeper hole
    assert limiter.acquire(("client", "12")) == 0.0


def test_rate_zero_means_unlimited() -> None:
    limiter = RateLimiter(rate=0, burst=1, clock=FakeClock())
    assert all(limiter.acquire("k") == 0.0 for _ in range(1000))


def test_memory_stays_bounded() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock, max_keys=100)
    for i in range(1000):
        limiter.acquire(i)
    assert len(limiter._buckets) <= 100
    clock.now += 10  # every bucket refilled: evicting them changes no answer
    assert limiter.acquire("new") == 0.0
    assert len(limiter._buckets) <= 100


@pytest.mark.parametrize(("rate", "burst"), [(-1, 1), (1, 0)])
def test_nonsense_settings_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate=rate, burst=burst)
