"""How a worker reads a send error before the dispatch rules settle the attempt.

Two questions the error tables alone do not answer: may a later part of a multipart message be
tried again on the same modem (only if the error proves the part did not leave), and is the error
about the modem rather than the message (a configuration-class error: requeue, do not fail).
"""

from __future__ import annotations

from gsmgateway.core.errors import (
    ModemCommandError,
    ModemError,
    ModemTimeoutError,
    ModemUnavailableError,
    OutcomeUnknownError,
    PduError,
)


def as_modem_trouble(error: Exception) -> Exception:
    """Turn a configuration-class error (SIM gone, SMSC unknown) into "modem unavailable".

    Such an error says nothing about the message: failing it would burn through the whole queue
    while the modem waits for an operator. Requeued without spending an attempt, the messages
    wait (and expire at their validity if nobody comes).
    """
    if isinstance(error, ModemCommandError) and error.category == "configuration":
        return ModemUnavailableError(
            f"modem needs attention: {error}", modem_id=error.modem_id, code=error.code
        )
    return error


def nothing_left(error: ModemError) -> bool:
    """Whether ``error`` proves the part did not leave and may be sent again later."""
    if isinstance(error, OutcomeUnknownError | PduError):
        return False
    if isinstance(error, ModemCommandError):
        return error.is_transient
    return isinstance(error, ModemUnavailableError | ModemTimeoutError)
