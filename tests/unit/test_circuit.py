"""The per-endpoint circuit breaker: closed, open after N failures, one trial after the cooldown."""

from __future__ import annotations

from gsmgateway.core.circuit import BreakerState, CircuitBreaker


def test_opens_after_n_failures_in_a_row_and_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=3, cooldown=10.0, clock=lambda: now[0])
    assert [breaker.failed() for _ in range(2)] == [False, False]
    assert breaker.allows()
    assert breaker.failed()  # the third: it opens
    assert (breaker.state, breaker.open_until) == (BreakerState.OPEN, 10.0)
    assert not breaker.allows()
    now[0] = 10.0
    assert breaker.allows()  # the trial
    assert not breaker.allows()  # only one
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.failed()  # the trial failed: open again, for another cooldown
    assert breaker.open_until == 20.0
    now[0] = 20.0
    assert breaker.allows()
    assert breaker.succeeded()  # closed again
    assert breaker.state is BreakerState.CLOSED
    assert all(breaker.allows() for _ in range(5))


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(failures=2, cooldown=1.0, clock=lambda: 0.0)
    breaker.failed()
    assert not breaker.succeeded()  # it was closed: nothing reopened
    assert not breaker.failed()  # one failure in a row, not two
    assert breaker.state is BreakerState.CLOSED
