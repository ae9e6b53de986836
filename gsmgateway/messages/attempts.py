"""What a failed send attempt means, decided in this one place.

The modem layer names what happened — the error's class, and for ``+CMS``/``+CME ERROR`` the
category its tables in ``modem/results.py`` give the code — and :func:`judge` reads that into a
:class:`Verdict`. The worker asks the verdict whether it may send a later part of a multipart
message again in place and whether to pause; dispatch asks it which status comes next. Nobody
else looks at an error's class to decide what it means.

================================================  ===============  ============  ==============
error                                             verdict          part left?    later part
                                                                                 resent here?
================================================  ===============  ============  ==============
OutcomeUnknownError (no +CMGS after the PDU),     MAYBE_SENT       may have      never
or anything that is not a ModemError (a bug)
ModemUnavailableError (not ready, unplugged),     MODEM_DOWN       no            yes
CMS/CME of category ``no_network`` (331: no
network service)
CMS/CME of category ``configuration`` (SIM gone,  NEEDS_ATTENTION  no            no
SMSC unknown)
CMS/CME of category ``permanent``, PduError       PERMANENT        no            no
CMS/CME ``transient``, bare ERROR, a timeout      TRANSIENT        no            yes
before the PDU (ESC sent), an answer out of turn
before the prompt (ModemProtocolError)
================================================  ===============  ============  ==============
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from gsmgateway.core.errors import (
    ModemCommandError,
    ModemError,
    ModemUnavailableError,
    OutcomeUnknownError,
    PduError,
)
from gsmgateway.modem.results import ErrorCategory


class Verdict(StrEnum):
    """What one failed attempt means for its message and its modem."""

    MAYBE_SENT = "maybe_sent"  # the PDU may have left: ``unknown``, never resent automatically
    MODEM_DOWN = "modem_down"  # the modem cannot take commands: requeue at once, attempt refunded
    NEEDS_ATTENTION = "needs_attention"  # the modem or SIM needs an operator: requeue, refund, pause
    TRANSIENT = "transient"  # may work later: requeue after back-off, until ``max_attempts``
    PERMANENT = "permanent"  # can never work: ``failed``

    @property
    def modem_at_fault(self) -> bool:
        """Whether the error says nothing about the message, so the attempt is given back.

        Failing messages for a modem's trouble would burn through the whole queue while the modem
        waits for an operator; requeued, they wait (and expire at their validity if nobody comes).
        """
        return self in (Verdict.MODEM_DOWN, Verdict.NEEDS_ATTENTION)

    @property
    def may_resume(self) -> bool:
        """Whether the part provably did not leave and may be sent again on the same modem now."""
        return self in (Verdict.MODEM_DOWN, Verdict.TRANSIENT)


_BY_CATEGORY: Final[dict[str, Verdict]] = {
    ErrorCategory.TRANSIENT: Verdict.TRANSIENT,
    ErrorCategory.PERMANENT: Verdict.PERMANENT,
    ErrorCategory.CONFIGURATION: Verdict.NEEDS_ATTENTION,
    ErrorCategory.NO_NETWORK: Verdict.MODEM_DOWN,  # the driver pauses the modem until it registers
}


def judge(error: BaseException) -> Verdict:
    """Return what ``error``, raised while sending a part, means (the table in the module docstring)."""
    if isinstance(error, OutcomeUnknownError) or not isinstance(error, ModemError):
        return Verdict.MAYBE_SENT
    if isinstance(error, ModemUnavailableError):
        return Verdict.MODEM_DOWN
    if isinstance(error, PduError):
        return Verdict.PERMANENT
    if isinstance(error, ModemCommandError):
        return _BY_CATEGORY.get(error.category, Verdict.TRANSIENT)
    return Verdict.TRANSIENT
