"""The serial-line arithmetic behind baud-rate pacing, checked exactly with an injected clock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.links.pacing import SerialLinePacer, bytes_per_second


def test_115200_8n1_carries_11520_bytes_per_second() -> None:
    assert bytes_per_second(115200) == 11520
    assert bytes_per_second(9600) == 960
    assert bytes_per_second(115200, bits_per_char=11) == pytest.approx(10472.7, abs=0.1)


@pytest.mark.parametrize(("baud", "bits"), [(0, 10), (-9600, 10), (9600, 0)])
def test_a_line_needs_a_positive_rate(baud: int, bits: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        bytes_per_second(baud, bits)


def test_bytes_are_delivered_only_once_their_bit_times_have_passed() -> None:
    line = SerialLinePacer(rate=1000.0)  # one byte per millisecond
    line.enqueue(100, now=10.0)
    assert line.take_due(10.0) == 0  # the first byte is still on the wire
    assert line.next_due_time() == pytest.approx(10.001)
    assert line.take_due(10.0105) == 10
    assert line.take_due(10.050) == 40
    assert line.pending == 50
    assert line.drained_time() == pytest.approx(10.100)
    assert line.take_due(11.0) == 50
    assert line.next_due_time() is None
    assert line.drained_time() is None


def test_an_idle_line_starts_a_fresh_period() -> None:
    line = SerialLinePacer(rate=1000.0)
    line.enqueue(5, now=0.0)
    assert line.take_due(1.0) == 5
    line.enqueue(5, now=2.0)  # long idle: the earlier period gives no credit
    assert line.take_due(2.002) == 2


def test_a_limit_holds_bytes_back_for_the_next_write() -> None:
    line = SerialLinePacer(rate=1000.0)
    line.enqueue(10, now=0.0)
    assert line.take_due(0.010, limit=3) == 3
    assert line.take_due(0.010) == 7


def test_reset_forgets_what_was_queued() -> None:
    line = SerialLinePacer(rate=1000.0)
    line.enqueue(10, now=0.0)
    line.reset()
    assert line.pending == 0
    assert line.take_due(5.0) == 0


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SerialLinePacer(rate=0)
    line = SerialLinePacer(rate=10.0)
    with pytest.raises(ValueError, match="negative"):
        line.enqueue(-1, now=0.0)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=8),
    steps=st.lists(st.floats(min_value=0.0, max_value=0.02), min_size=1, max_size=40),
)
def test_no_window_carries_more_than_the_line_rate(sizes: list[int], steps: list[float]) -> None:
    rate = 11520.0
    line = SerialLinePacer(rate)
    now = 0.0
    start = 0.0
    delivered = 0
    for size in sizes:
        line.enqueue(size, now)
    for step in steps:
        now += step
        delivered += line.take_due(now)
        # Everything was queued at t=0, so by `now` at most rate * now bytes can have left.
        assert delivered <= (now - start) * rate + 1e-6
    assert delivered + line.pending == sum(sizes)
