"""V.250 command-line editing: characters gather until CR; backspace erases; ``A/`` repeats.

The device echoes and runs what comes out; this only decides when a line is complete and what it
says. A line longer than the buffer is marked as overflowed (V.250 leaves it to the DCE; real
firmware answers ``ERROR``).
"""

from __future__ import annotations

from typing import Final

CR: Final = 0x0D
BACKSPACE: Final = 0x08
DEL: Final = 0x7F
MAX_LINE: Final = 1024  # longer lines are answered with ERROR, as a V.250 buffer overflow


class LineEditor:
    """The command line being typed, and the last one run (for ``A/``)."""

    def __init__(self) -> None:
        self._line = bytearray()
        self._overflow = False
        self.last_line = ""

    def reset(self) -> None:
        """Drop the half-typed line (the port was closed or reopened)."""
        self._line.clear()
        self._overflow = False

    def take(self, byte: int) -> tuple[str, bool] | None:
        """Add one byte; return ``(line, overflowed)`` once a line is complete, else None.

        ``A/`` (V.250 §5.2.4) completes at once with the last line that was run.
        """
        if byte == CR:
            done = (self._line.decode("latin-1"), self._overflow)
            self.reset()
            return done
        if byte in (BACKSPACE, DEL):
            del self._line[-1:]
        elif len(self._line) >= MAX_LINE:
            self._overflow = True
        else:
            self._line.append(byte)
            if len(self._line) == 2 and self._line.upper() == b"A/" and self.last_line:
                self._line.clear()
                return self.last_line, False
        return None
