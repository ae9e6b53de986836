"""The wire between the modem and its client: split writes, baud-rate pacing and byte accounting.

These are faults of the *link*, not of the modem: the device decides what to say and when, the wire
decides how the bytes arrive. A real USB dongle's answer can reach the host in several reads (split
writes) and never faster than the serial line allows (pacing); a driver must cope with both. A
serial line is paced both ways, so the runner puts a second channel (paced, never split) between
the client's writes and the device.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from simulator.faults.plan import FaultPlan
from simulator.links.pacing import DEFAULT_BAUDRATE, UART_FIFO_BYTES, SerialLinePacer, bytes_per_second

#: Longest a paced byte waits for company: a long answer leaves in batches this far apart. A
#: USB-serial adapter also batches bytes (a CDC-ACM packet is 64 bytes, about 5.5 ms at 11 520
#: bytes/s); batching keeps the timer rate sane on a busy box.
PACING_QUANTUM: Final = 0.005
#: Seconds between two pieces of a split write: long enough that a reader waiting in select()
#: usually sees them as separate reads, short enough that a split answer costs a test little.
DEFAULT_SPLIT_GAP: Final = 0.001
#: How many recent writes the accounting keeps (for tests and the control surface).
ACCOUNTING_DEPTH: Final = 4096

Sink = Callable[[bytes], None]


@dataclass(frozen=True, slots=True)
class LinkFaults:
    """How the wire misbehaves; the default is a perfect, instant wire.

    ``split_sizes`` cuts the modem's output into writes of these sizes (cycled), ``split_gap``
    seconds apart, so a client reads half lines. ``baudrate`` paces the line like a UART at that
    rate with 8N1 framing (115200 → 11 520 bytes/s); None means as fast as the link can go.
    ``fifo_bytes`` is how many byte times a release may run ahead of the line, so that timer
    granularity does not make the simulated line slower than a real one (see
    :mod:`simulator.links.pacing`). The fault plan's ``split_writes`` and ``baud_rate`` map onto
    these (:meth:`from_plan`).
    """

    split_sizes: tuple[int, ...] = ()
    split_gap: float = DEFAULT_SPLIT_GAP
    baudrate: int | None = None
    fifo_bytes: int = UART_FIFO_BYTES

    def __post_init__(self) -> None:
        if any(size < 1 for size in self.split_sizes):
            raise ValueError(f"split sizes must be at least 1 byte, got {self.split_sizes}")
        if self.split_gap < 0:
            raise ValueError(f"split_gap cannot be negative, got {self.split_gap}")
        if self.baudrate is not None and self.baudrate <= 0:
            raise ValueError(f"baudrate must be positive, got {self.baudrate}")
        if self.fifo_bytes < 0:
            raise ValueError(f"fifo_bytes cannot be negative, got {self.fifo_bytes}")

    @classmethod
    def from_plan(cls, plan: FaultPlan) -> LinkFaults:
        """Return the wire behaviour a fault plan asks for."""
        return cls(split_sizes=tuple(plan.split_writes), baudrate=plan.baud_rate)

    @classmethod
    def paced(cls, baudrate: int = DEFAULT_BAUDRATE) -> LinkFaults:
        """Return a wire paced like a real serial line (115200 8N1 unless told otherwise)."""
        return cls(baudrate=baudrate)

    @property
    def instant(self) -> bool:
        """True when output goes out in one write, immediately."""
        return not self.split_sizes and self.baudrate is None


@dataclass(frozen=True, slots=True)
class WriteRecord:
    """One write the link made to its client: when (event-loop time) and how many bytes."""

    time: float
    size: int


class OutputChannel:
    """Carries bytes one way along the wire to whoever is attached, as ``LinkFaults`` says.

    The server's channel carries the modem's output to the client; the runner's second one carries
    the client's bytes to the device. Output made while no client is attached is dropped, as a real
    modem's is when the port is closed.
    Every write is recorded in ``writes`` (the link's own accounting), and ``tap`` sees every byte
    (the transcript).
    """

    def __init__(self, faults: LinkFaults | None = None, *, tap: Sink | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._faults = faults or LinkFaults()
        self._pacer = self._make_pacer(self._faults)
        self._tap = tap
        self._sink: Sink | None = None
        self._pending = bytearray()
        self._split_index = 0
        self._timer: asyncio.TimerHandle | None = None
        self._lead = 0.0
        self.writes: deque[WriteRecord] = deque(maxlen=ACCOUNTING_DEPTH)
        self.bytes_written = 0

    @staticmethod
    def _make_pacer(faults: LinkFaults) -> SerialLinePacer | None:
        if faults.baudrate is None:
            return None
        return SerialLinePacer(bytes_per_second(faults.baudrate), burst=faults.fifo_bytes)

    @property
    def faults(self) -> LinkFaults:
        """The wire's current behaviour."""
        return self._faults

    @property
    def pending(self) -> int:
        """Bytes the modem has said that the wire has not delivered yet."""
        return len(self._pending)

    @property
    def lead(self) -> float:
        """How far ahead of its last byte's stop bit the latest paced write went out (seconds, >= 0).

        Whoever got those bytes could not have had them before the stop bit, so what it says in
        reply goes on the other line this much later (see :meth:`send`): releasing early then
        absorbs timer granularity without letting a ping-pong exchange outrun the line.
        """
        return self._lead

    def set_faults(self, faults: LinkFaults) -> None:
        """Change the wire's behaviour; bytes already queued go out under the new rules."""
        self._faults = faults
        self._pacer = self._make_pacer(faults)
        if self._pacer is not None and self._pending:
            self._pacer.enqueue(len(self._pending), self._loop.time())
        self._schedule(self._loop.time())

    def attach(self, sink: Sink) -> None:
        """Send output to ``sink`` from now on (a client connected); anything queued is dropped."""
        self.discard()
        self._sink = sink

    def detach(self, sink: Sink | None = None) -> None:
        """Stop sending to ``sink`` (or to whoever is attached) and drop what was queued for it."""
        if sink is None or sink == self._sink:
            self._sink = None
            self.discard()

    def discard(self) -> None:
        """Drop queued output: its reader went away, so a real wire would lose it too."""
        self._pending.clear()
        self._lead = 0.0
        if self._pacer is not None:
            self._pacer.reset()
        self._cancel_timer()

    def send(self, data: bytes, *, lead: float = 0.0) -> None:
        """Queue bytes for the wire; with a perfect wire they are written at once.

        ``lead`` is the other line's :attr:`lead`: the sender was handed what it answers that much
        before the line could have carried it, so its bytes start on this line that much later.
        """
        if not data or self._sink is None:
            return
        now = self._loop.time()
        if self._faults.instant and not self._pending:
            self._write(data, now)
            return
        self._pending += data
        if self._pacer is not None:
            self._pacer.enqueue(len(data), now + max(0.0, lead))
        if self._timer is None:
            self._drain()

    def close(self) -> None:
        """Stop for good: no timer stays armed after the simulator stops."""
        self._sink = None
        self.discard()

    def _drain(self) -> None:
        self._timer = None
        now = self._loop.time()
        size = len(self._pending)
        split = self._faults.split_sizes
        if split:
            size = min(size, split[self._split_index % len(split)])
        if self._pacer is not None:
            size = self._pacer.take_due(now, limit=size)
            if size:
                self._lead = max(0.0, self._pacer.released_until - now)
        if size:
            chunk = bytes(self._pending[:size])
            del self._pending[:size]
            self._write(chunk, now)
            if split:
                self._split_index += 1
                self._schedule(now + self._faults.split_gap)
            else:
                self._schedule(now)
        else:
            self._schedule(now)

    def _schedule(self, earliest: float) -> None:
        self._cancel_timer()
        if not self._pending or self._sink is None:
            return
        when = earliest
        if self._pacer is not None:
            due, drained = self._pacer.next_due_time(), self._pacer.drained_time()
            if due is not None and drained is not None:
                # A short answer goes out whole once its last byte may be released; a long one
                # leaves in batches at most one quantum apart, never further ahead of the line
                # than the FIFO allowance.
                when = max(when, due, min(drained, self._loop.time() + PACING_QUANTUM))
        self._timer = self._loop.call_at(when, self._drain)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _write(self, data: bytes, now: float) -> None:
        if self._sink is None:
            return
        self.writes.append(WriteRecord(now, len(data)))
        self.bytes_written += len(data)
        if self._tap is not None:
            self._tap(data)
        self._sink(data)
