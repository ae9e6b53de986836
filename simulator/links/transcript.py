r"""A transcript of every byte in and out of the simulated modem, with timestamps.

When a driver misbehaves against the simulator the first question is "what exactly went over the
wire, and when?". The transcript answers it: one JSON object per line, written as it happens (so a
person can ``tail -f`` it), with the wall-clock time, the direction and the bytes. Bytes are stored
as a latin-1 string, which maps every byte to one character, so a command reads naturally
(``"AT\r"`` as JSON writes it) and any byte (junk, non-UTF-8) round-trips exactly through
:func:`read_transcript`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO


class Direction(StrEnum):
    """Which way the bytes went, seen from the client (the gateway)."""

    IN = "in"  # client → modem
    OUT = "out"  # modem → client
    EVENT = "event"  # something happened to the link: connect, disconnect, unplug, replug


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One line of a transcript: when (Unix time), which way, and the bytes (or event name)."""

    time: float
    direction: Direction
    data: bytes


class Transcript:
    """Appends transcript entries to a file; ``None`` path means nothing is recorded.

    The file is opened by :meth:`open` and closed by :meth:`close` (both idempotent) so the
    simulator's lifecycle owns it. Every entry is flushed at once: a transcript is read while the
    simulator runs, and one lost at a crash is useless.
    """

    def __init__(self, path: str | Path | None, *, clock: Callable[[], float] = time.time) -> None:
        self._path = None if path is None else Path(path)
        self._clock = clock
        self._file: IO[str] | None = None

    @property
    def path(self) -> Path | None:
        """Where the transcript goes, or None when it is off."""
        return self._path

    def open(self) -> None:
        """Start recording (appending, so a restarted simulator keeps the earlier story).

        :raises OSError: when the file cannot be opened; the simulator does not start without it.
        """
        if self._path is not None and self._file is None:
            self._file = self._path.open("a", encoding="utf-8")

    def close(self) -> None:
        """Stop recording and close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def record(self, direction: Direction, data: bytes) -> None:
        """Append one entry (no-op when off or closed)."""
        if self._file is None:
            return
        line = {"t": round(self._clock(), 6), "dir": str(direction), "data": data.decode("latin-1")}
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def incoming(self, data: bytes) -> None:
        """Record bytes the client sent to the modem."""
        self.record(Direction.IN, data)

    def outgoing(self, data: bytes) -> None:
        """Record bytes the modem sent to the client."""
        self.record(Direction.OUT, data)

    def event(self, name: str) -> None:
        """Record a link event such as ``unplug`` or ``connect``."""
        self.record(Direction.EVENT, name.encode("latin-1", errors="replace"))


def read_transcript(path: str | Path) -> list[TranscriptEntry]:
    """Read a transcript file back into entries, bytes restored exactly.

    :raises ValueError: when a line is not a transcript entry.
    """
    entries: list[TranscriptEntry] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        try:
            raw = json.loads(line)
            entries.append(
                TranscriptEntry(float(raw["t"]), Direction(raw["dir"]), str(raw["data"]).encode("latin-1"))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a transcript entry: {line[:80]!r}") from exc
    return entries
