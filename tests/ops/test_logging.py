"""Repeated log messages are rate-limited: a failure repeating in a loop must not fill the journal."""

from __future__ import annotations

import io
import logging

from gsmgateway.logsetup import RepeatFilter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_repeated_error_is_let_through_five_times_a_minute_then_counted() -> None:
    clock = Clock()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatFilter(burst=5, window=60.0, clock=clock))
    logger = logging.getLogger("tests.ops.repeat")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for attempt in range(1000):
            try:
                raise OSError(24, "Too many open files")
            except OSError:
                logger.exception("accept failed (attempt %d)", attempt)  # the text differs, the kind not
        logger.warning("another kind of message")
        clock.now = 61.0
        logger.error("accept failed (attempt %d)", 1000)  # no exception: another kind
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            logger.exception("accept failed (attempt %d)", 1001)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("Traceback") == 6, text[-2000:]
    assert "another kind of message" in text
    assert "accept failed (attempt 1001) (995 similar messages suppressed)" in text
