"""The device's output schedule: bytes and network events ordered by the time they fall due.

The modem never sleeps. Everything timed (command latency, a status report 5 s after a submit,
a periodic ``^RSSI``) is an entry here; ``tick(now)`` pops what is due, and ``next_deadline()``
tells the server when to wake up. Order is (due time, insertion order), so two things due at the
same instant come out in the order they were scheduled.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class EntryKind(Enum):
    """What an entry is, which decides whether it may interrupt a ``> `` prompt."""

    RESPONSE = "response"  # echo, information text, final result, prompt
    URC = "urc"  # unsolicited: held back while the TE is typing a PDU
    EVENT = "event"  # a callback (network delivers a report, periodic URC)


@dataclass(order=True)
class Entry:
    """One scheduled output or callback."""

    due: float
    seq: int
    kind: EntryKind = field(compare=False)
    data: bytes | bytearray = field(compare=False, default=b"")
    action: Callable[[float], None] | None = field(compare=False, default=None)


class OutputSchedule:
    """A min-heap of entries plus the "response stream" clock.

    Responses to successive commands must come out in order even when latency is injected, so the
    response stream keeps its own cursor: a response is due no earlier than the previous one.
    """

    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._seq = itertools.count()
        self._tail: Entry | None = None  # the newest entry, while it is a response still queued
        self.stream_time = float("-inf")

    def response(self, data: bytes, now: float, delay: float = 0.0) -> float:
        """Schedule response bytes after everything already in the response stream; return due.

        Bytes due at the same moment as the newest queued response join it, so echoing a long
        burst one character at a time costs one entry, not one per byte.
        """
        due = max(now, self.stream_time) + delay
        self.stream_time = due
        if not data:
            return due
        tail = self._tail
        if tail is not None and tail.due == due:
            if isinstance(tail.data, bytes):
                tail.data = bytearray(tail.data)
            tail.data += data
            return due
        self._tail = Entry(due, next(self._seq), EntryKind.RESPONSE, data)
        heapq.heappush(self._heap, self._tail)
        return due

    def urc(self, data: bytes, due: float) -> None:
        """Schedule unsolicited bytes at ``due``."""
        self._tail = None
        heapq.heappush(self._heap, Entry(due, next(self._seq), EntryKind.URC, data))

    def event(self, due: float, action: Callable[[float], None]) -> None:
        """Run ``action(due)`` when ``due`` passes (it may schedule more output)."""
        self._tail = None
        heapq.heappush(self._heap, Entry(due, next(self._seq), EntryKind.EVENT, action=action))

    def pop_due(self, now: float) -> Entry | None:
        """Remove and return the earliest entry due by ``now``, or None."""
        if self._heap and self._heap[0].due <= now:
            entry = heapq.heappop(self._heap)
            if entry is self._tail:
                self._tail = None
            return entry
        return None

    def next_due(self) -> float | None:
        """Return the earliest due time, or None when nothing is scheduled."""
        return self._heap[0].due if self._heap else None
