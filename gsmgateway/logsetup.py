"""Logging set-up for the daemon: plain lines on stderr that journald understands.

Nothing is configured at import: the CLI calls :func:`configure_logging` once, so a library user or
a test keeps its own handlers. Under systemd (``$JOURNAL_STREAM`` is set) each line starts with the
``<N>`` syslog priority prefix that journald turns into the entry's priority, and carries no time
stamp (the journal adds its own). Elsewhere lines get a UTC time stamp.

Repeated messages are rate-limited (:class:`RepeatFilter`): one failure that repeats hundreds of
times a second (a full disk, a flood of broken connections) must not fill the journal and the disk
with identical tracebacks. The level can be changed while running (:func:`set_level`, on SIGHUP).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from gsmgateway.core.numbers import mask_numbers_in

_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
# Libraries that are chatty at INFO about things an operator does not need.
_QUIET = ("apscheduler", "aiohttp.access", "alembic", "sqlalchemy.engine")


#: A message (logger, level, text template, exception type) may appear this often per window.
REPEAT_BURST = 5
REPEAT_WINDOW_SECONDS = 60.0


class RepeatFilter(logging.Filter):
    """Let each kind of message through ``burst`` times per ``window`` seconds; count the rest.

    The first message let through after some were held back says how many: ``(37 similar messages
    suppressed)``. A kind is the logger, the level, the unformatted text and the exception's type, so
    the same failure for another message id still counts as a repeat.
    """

    def __init__(
        self,
        burst: int = REPEAT_BURST,
        window: float = REPEAT_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._burst = burst
        self._window = window
        self._clock = clock
        self._seen: dict[tuple[object, ...], list[float]] = {}  # kind → [window start, count, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether to emit ``record``; the first let through after a pause says how many were held."""
        exc_type = record.exc_info[0] if record.exc_info else None
        kind = (record.name, record.levelno, str(record.msg), exc_type)
        now = self._clock()
        state = self._seen.get(kind)
        if state is None or now - state[0] >= self._window:
            held = int(state[2]) if state else 0
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[kind] = [now, 1, 0]
            if held:
                record.msg = f"{record.msg} ({held} similar messages suppressed)"
            return True
        state[1] += 1
        if state[1] <= self._burst:
            return True
        state[2] += 1
        return False


class MaskingFormatter(logging.Formatter):
    """A formatter whose lines never show a ``+digits`` number beyond its last digits.

    Every layer masks numbers itself; this is the net under it, for what a library's message or an
    exception's text (a traceback included) may quote.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then mask every international number in the whole text."""
        return mask_numbers_in(super().format(record))


class RequestJunkFilter(logging.Filter):
    """Keep what a client sent out of ``aiohttp.server``'s error lines: the error's kind only.

    aiohttp logs a malformed request with a traceback that quotes the offending bytes — a header
    or a request line that may carry a number or a message text. One line without them is enough
    for an operator (the client got its 400); a handler's own failures are logged by the API's
    error middleware.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's traceback by the exception's class name."""
        if record.exc_info and record.exc_info[1] is not None:
            kind = type(record.exc_info[1]).__name__
            record.msg = f"{record.getMessage()} ({kind}; the request's content is not logged)"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class JournalFormatter(MaskingFormatter):
    """``<priority>logger: message`` — journald strips the prefix and files the priority."""

    def format(self, record: logging.LogRecord) -> str:
        """Prefix every line of the record (tracebacks too) so none loses its priority."""
        priority = _PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        text = f"{record.name}: {super().format(record)}"
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


def under_journald(stream: TextIO) -> bool:
    """Whether ``stream`` is the journal's own socket (systemd sets ``$JOURNAL_STREAM`` to it)."""
    device_inode = os.environ.get("JOURNAL_STREAM", "")
    if not device_inode:
        return False
    try:
        stat = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return device_inode == f"{stat.st_dev}:{stat.st_ino}"


def configure_logging(level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """Send the gateway's logs to ``stream`` (stderr) at ``level``; replaces earlier root handlers.

    :raises ValueError: ``level`` is not a logging level name.
    """
    set_level(level)
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    if under_journald(target):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        formatter = MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


def set_level(level: str) -> None:
    """Set the level of the gateway's logs (and of the chatty libraries, never below WARNING).

    :raises ValueError: ``level`` is not a logging level name.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    logging.getLogger().setLevel(numeric)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, RequestJunkFilter) for f in server.filters):
        server.addFilter(RequestJunkFilter())
