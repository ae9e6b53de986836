"""The arithmetic of a serial line: which queued bytes a UART has shifted out by a given moment.

Kept pure (the clock is an argument) so the pacing rule is tested exactly, without timers. A real
USB dongle behind a 115200 8N1 line carries at most 11 520 bytes per second in each direction (10 bit
times per byte: start bit, 8 data bits, stop bit); a driver that only ever met an instant simulator
can hide bugs that show on hardware (a command that times out on a long ``+CMGL`` listing, a reader
that assumes a whole line per read).

The line is modelled in virtual time: it is *busy until* the stop bit of the last byte queued on
it, and bytes queued later start then (or at once on an idle line). An event loop cannot wake at an
exact instant (timers fire on whole milliseconds with epoll), so a byte may be released up to
``burst`` byte times before its stop bit, the depth of a real UART's FIFO (16 for a 16550). That
keeps the simulator from being slower than the line because of its timers, and still bounds it:
by any moment ``t`` after the line started, at most ``burst + rate * t`` bytes have been released.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Final

#: Bits on the wire per character for 8N1: one start bit, eight data bits, one stop bit.
BITS_PER_CHAR_8N1: Final = 10
DEFAULT_BAUDRATE: Final = 115200
#: Bytes a 16550-class UART buffers: how far (in byte times) a release may run ahead of the line.
UART_FIFO_BYTES: Final = 16
#: Keeps a timer that fires exactly on a byte boundary from losing that byte to float rounding.
_EPSILON: Final = 1e-9


def bytes_per_second(baudrate: int = DEFAULT_BAUDRATE, bits_per_char: int = BITS_PER_CHAR_8N1) -> float:
    """Return the payload rate of a line: ``baudrate / bits_per_char`` (115200 8N1 → 11520).

    :raises ValueError: for a non-positive baud rate or character size.
    """
    if baudrate <= 0 or bits_per_char <= 0:
        raise ValueError(f"baud rate and bits per character must be positive, got {baudrate}/{bits_per_char}")
    return baudrate / bits_per_char


@dataclass(slots=True)
class _Segment:
    """Bytes queued together: byte ``i`` (from 1) finishes at ``start + i / rate``."""

    start: float
    count: int
    released: int = 0


class SerialLinePacer:
    """One direction of a serial line: decides how many queued bytes may be released by ``now``.

    Bytes queued at ``now`` go on the wire at ``max(now, busy_until)``, one every ``1 / rate``
    seconds; an idle line does not bank credit, so a lone answer after a quiet spell is not sped up
    by the silence. A byte is released once ``now`` is within ``burst`` byte times of its stop bit.
    """

    def __init__(self, rate: float, burst: int = UART_FIFO_BYTES) -> None:
        if rate <= 0:
            raise ValueError(f"pacing rate must be positive, got {rate}")
        if burst < 0:
            raise ValueError(f"burst allowance cannot be negative, got {burst}")
        self._rate = rate
        self._burst = burst
        self._lead = burst / rate
        self._segments: deque[_Segment] = deque()
        self._busy_until = -math.inf
        self._released_until = -math.inf
        self._pending = 0

    @property
    def rate(self) -> float:
        """Bytes per second this line carries."""
        return self._rate

    @property
    def burst(self) -> int:
        """How many byte times a release may run ahead of the line (the UART FIFO depth)."""
        return self._burst

    @property
    def pending(self) -> int:
        """Bytes queued but not released yet."""
        return self._pending

    @property
    def busy_until(self) -> float:
        """When the stop bit of the last byte queued so far leaves the line (-inf: never used)."""
        return self._busy_until

    @property
    def released_until(self) -> float:
        """When the stop bit of the last byte released so far crossed (or will cross) the line."""
        return self._released_until

    def enqueue(self, count: int, now: float) -> float:
        """Queue ``count`` bytes at ``now``; return when the last of them has crossed the line."""
        if count < 0:
            raise ValueError(f"cannot queue a negative byte count: {count}")
        if count == 0:
            return max(now, self._busy_until)
        start = max(now, self._busy_until)
        self._segments.append(_Segment(start, count))
        self._busy_until = start + count / self._rate
        self._pending += count
        return self._busy_until

    def take_due(self, now: float, limit: int | None = None) -> int:
        """Return how many queued bytes may be released by ``now``, and count them as released.

        ``limit`` caps the count (a split write carries fewer bytes than the line could have sent);
        the rest stay due and go out with the next call.
        """
        budget = self._pending if limit is None else max(0, min(limit, self._pending))
        taken = 0
        while self._segments and taken < budget:
            segment = self._segments[0]
            crossed = math.floor((now + self._lead - segment.start) * self._rate + _EPSILON)
            due = min(segment.count, crossed) - segment.released
            step = max(0, min(due, budget - taken))
            segment.released += step
            taken += step
            if step:
                self._released_until = segment.start + segment.released / self._rate
            if segment.released < segment.count:
                break
            self._segments.popleft()
        self._pending -= taken
        return taken

    def next_due_time(self) -> float | None:
        """Return when the next queued byte may be released, or None when nothing waits."""
        if not self._segments:
            return None
        segment = self._segments[0]
        return segment.start + (segment.released + 1) / self._rate - self._lead

    def drained_time(self) -> float | None:
        """Return when the last queued byte may be released, or None when nothing waits."""
        if not self._segments:
            return None
        return self._busy_until - self._lead

    def reset(self) -> None:
        """Forget queued bytes (the far end went away): the line is busy only with what was released."""
        self._busy_until = self._released_until
        self._segments.clear()
        self._pending = 0
