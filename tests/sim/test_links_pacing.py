"""The serial-line arithmetic behind baud-rate pacing, checked exactly with an injected clock.

No timers and no wall clock: the pacer is pure, so every bound here is exact arithmetic.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.links.pacing import UART_FIFO_BYTES, SerialLinePacer, bytes_per_second

RATE_115200 = 11520.0


def test_115200_8n1_carries_11520_bytes_per_second() -> None:
    assert bytes_per_second(115200) == 11520
    assert bytes_per_second(9600) == 960
    assert bytes_per_second(115200, bits_per_char=11) == pytest.approx(10472.7, abs=0.1)


@pytest.mark.parametrize(("baud", "bits"), [(0, 10), (-9600, 10), (9600, 0)])
def test_a_line_needs_a_positive_rate(baud: int, bits: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        bytes_per_second(baud, bits)


def test_without_a_fifo_bytes_are_released_only_at_their_stop_bit() -> None:
    line = SerialLinePacer(rate=1000.0, burst=0)  # one byte per millisecond
    assert line.enqueue(100, now=10.0) == pytest.approx(10.100)  # busy until the last stop bit
    assert line.take_due(10.0) == 0  # the first byte is still on the wire
    assert line.next_due_time() == pytest.approx(10.001)
    assert line.take_due(10.0105) == 10
    assert line.released_until == pytest.approx(10.010)
    assert line.take_due(10.050) == 40
    assert line.pending == 50
    assert line.drained_time() == pytest.approx(10.100)
    assert line.take_due(11.0) == 50
    assert line.next_due_time() is None
    assert line.drained_time() is None


def test_the_fifo_lets_a_release_run_ahead_by_its_depth_and_no_more() -> None:
    line = SerialLinePacer(rate=1000.0)  # 16-byte FIFO: 16 ms of lead at 1000 bytes/s
    assert line.burst == UART_FIFO_BYTES == 16
    line.enqueue(4, now=0.0)
    assert line.take_due(0.0) == 4  # a short answer due within the FIFO goes out at once
    assert line.released_until == pytest.approx(0.004)  # ...though its stop bit is 4 ms away
    line.enqueue(100, now=0.0)  # queued behind the 4: the line is busy until 0.104
    assert line.busy_until == pytest.approx(0.104)
    assert line.take_due(0.0) == 12  # up to byte 16 of the line, no further
    assert line.next_due_time() == pytest.approx(0.001)  # byte 17 finishes at 17 ms, 16 ms ahead
    assert line.take_due(0.050) == 50
    assert line.drained_time() == pytest.approx(0.088)
    assert line.take_due(0.088) == 38
    assert line.pending == 0


def test_bytes_queued_on_a_busy_line_wait_for_it() -> None:
    line = SerialLinePacer(rate=1000.0, burst=0)
    line.enqueue(10, now=0.0)
    assert line.enqueue(5, now=0.002) == pytest.approx(0.015)  # starts at 0.010, not 0.002
    assert line.take_due(0.012) == 12


def test_an_idle_line_banks_no_credit() -> None:
    line = SerialLinePacer(rate=1000.0)
    line.enqueue(5, now=0.0)
    assert line.take_due(1.0) == 5
    line.enqueue(100, now=2.0)  # a second of silence gives nothing beyond the FIFO
    assert line.take_due(2.0) == UART_FIFO_BYTES
    assert line.take_due(2.002) == 2


def test_a_limit_holds_bytes_back_for_the_next_write() -> None:
    line = SerialLinePacer(rate=1000.0, burst=0)
    line.enqueue(10, now=0.0)
    assert line.take_due(0.010, limit=3) == 3
    assert line.take_due(0.010) == 7


def test_reset_forgets_what_was_queued_and_frees_the_line() -> None:
    line = SerialLinePacer(rate=1000.0, burst=0)
    line.enqueue(10, now=0.0)
    assert line.take_due(0.004) == 4
    line.reset()
    assert line.pending == 0
    assert line.take_due(5.0) == 0
    assert line.busy_until == pytest.approx(0.004)  # only what was released had used the line
    assert line.enqueue(1, now=0.004) == pytest.approx(0.005)


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SerialLinePacer(rate=0)
    with pytest.raises(ValueError, match="negative"):
        SerialLinePacer(rate=10.0, burst=-1)
    line = SerialLinePacer(rate=10.0)
    with pytest.raises(ValueError, match="negative"):
        line.enqueue(-1, now=0.0)


# One event on the line: wait this long, queue this many bytes (0: none), then take what is due,
# capped by a split write's size when one is given.
events = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=0.01),
        st.integers(min_value=0, max_value=300),
        st.one_of(st.none(), st.integers(min_value=1, max_value=64)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(events=events, burst=st.integers(min_value=0, max_value=64))
def test_bytes_released_by_t_never_exceed_the_fifo_plus_the_line_rate_times_t(
    events: list[tuple[float, int, int | None]], burst: int
) -> None:
    line = SerialLinePacer(RATE_115200, burst=burst)
    now = 0.0
    released = queued = 0
    started: float | None = None
    for wait, size, limit in events:
        now += wait
        if size:
            line.enqueue(size, now)
            queued += size
            started = now if started is None else started
        released += line.take_due(now, limit)
        if started is not None:
            assert released <= burst + RATE_115200 * (now - started) + 1e-6
    assert released + line.pending == queued
    drained = line.drained_time()
    if drained is not None:  # nothing is held back once the last stop bit is within the FIFO
        waiting = line.pending
        assert line.take_due(max(now, drained)) == waiting


exchange = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=200),  # bytes in this message
        st.floats(min_value=0.0, max_value=0.003),  # how late the timer fires for each release
        st.floats(min_value=0.0, max_value=0.002),  # the receiver's turnaround before it answers
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(messages=exchange)
def test_a_ping_pong_exchange_never_outruns_the_line(messages: list[tuple[int, float, float]]) -> None:
    # Two lines, one each way; each message answers the previous one, as AT commands do. The
    # sender's bytes start `lead` later than it wrote them, lead being how early it was handed
    # what it answers (what OutputChannel and ModemRunner do). However the timers fire, the last
    # byte cannot arrive before every message's bytes and every turnaround have been spent, less
    # one FIFO allowance.
    lines = (SerialLinePacer(RATE_115200), SerialLinePacer(RATE_115200))
    now = lead = 0.0
    for index, (size, lateness, turnaround) in enumerate(messages):
        line = lines[index % 2]
        line.enqueue(size, now + lead)
        while line.pending:
            due = line.next_due_time()
            assert due is not None
            now = max(now, due) + lateness
            line.take_due(now)
        lead = max(0.0, line.released_until - now)
        assert lead <= line.burst / RATE_115200 + 1e-9
        now += turnaround
    last_turnaround = messages[-1][2]
    spent = sum(size for size, _, _ in messages) / RATE_115200 + sum(t for _, _, t in messages)
    arrived = now - last_turnaround
    assert arrived >= spent - last_turnaround - UART_FIFO_BYTES / RATE_115200 - 1e-9
