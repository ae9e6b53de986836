"""The arithmetic of a serial line: how many bytes a UART can have delivered by a given moment.

Kept pure (the clock is an argument) so the pacing rule is tested exactly, without timers. A real
USB dongle behind a 115200 8N1 line delivers at most 11 520 bytes per second (10 bit times per byte:
start bit, 8 data bits, stop bit); a driver that only ever met an instant simulator can hide bugs
that show on hardware (a command that times out on a long ``+CMGL`` listing, a reader that assumes a
whole line per read).
"""

from __future__ import annotations

import math
from typing import Final

#: Bits on the wire per character for 8N1: one start bit, eight data bits, one stop bit.
BITS_PER_CHAR_8N1: Final = 10
DEFAULT_BAUDRATE: Final = 115200


def bytes_per_second(baudrate: int = DEFAULT_BAUDRATE, bits_per_char: int = BITS_PER_CHAR_8N1) -> float:
    """Return the payload rate of a line: ``baudrate / bits_per_char`` (115200 8N1 → 11520).

    :raises ValueError: for a non-positive baud rate or character size.
    """
    if baudrate <= 0 or bits_per_char <= 0:
        raise ValueError(f"baud rate and bits per character must be positive, got {baudrate}/{bits_per_char}")
    return baudrate / bits_per_char


class SerialLinePacer:
    """Decides how many queued bytes a UART has finished sending by ``now``.

    A busy period starts when bytes are queued on an idle line; byte *i* of the period (counting
    from 1) is delivered at ``start + i / rate``. Between busy periods the line idles, so a lone
    command's answer is not delayed by bytes sent long ago.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError(f"pacing rate must be positive, got {rate}")
        self._rate = rate
        self._pending = 0
        self._period_start = 0.0
        self._delivered_in_period = 0

    @property
    def rate(self) -> float:
        """Bytes per second this line delivers."""
        return self._rate

    @property
    def pending(self) -> int:
        """Bytes queued but not yet delivered."""
        return self._pending

    def enqueue(self, count: int, now: float) -> None:
        """Queue ``count`` more bytes for sending at ``now``; an idle line starts a new busy period."""
        if count < 0:
            raise ValueError(f"cannot queue a negative byte count: {count}")
        if count == 0:
            return
        if self._pending == 0:
            self._period_start = now
            self._delivered_in_period = 0
        self._pending += count

    def take_due(self, now: float, limit: int | None = None) -> int:
        """Return how many queued bytes the line has delivered by ``now``, and count them as sent.

        ``limit`` caps the count (a split write carries fewer bytes than the line could have sent);
        the rest stay due and go out with the next call.
        """
        if self._pending == 0:
            return 0
        # A small epsilon keeps a timer that fires exactly on a byte boundary from losing that byte
        # to floating-point rounding.
        finished = math.floor((now - self._period_start) * self._rate + 1e-9)
        due = max(0, min(self._pending, finished - self._delivered_in_period))
        if limit is not None:
            due = min(due, max(0, limit))
        self._pending -= due
        self._delivered_in_period += due
        return due

    def next_due_time(self) -> float | None:
        """Return when the next queued byte will have been delivered, or None when nothing waits."""
        if self._pending == 0:
            return None
        return self._period_start + (self._delivered_in_period + 1) / self._rate

    def drained_time(self) -> float | None:
        """Return when the last queued byte will have been delivered, or None when nothing waits."""
        if self._pending == 0:
            return None
        return self._period_start + (self._delivered_in_period + self._pending) / self._rate

    def reset(self) -> None:
        """Forget queued bytes (the far end went away, so nothing more is sent)."""
        self._pending = 0
