"""What a send error means: did the part leave, may it be resent in place, is it the modem's fault."""

from __future__ import annotations

import pytest

from gsmgateway.core.errors import (
    CmeError,
    CmsError,
    ModemCommandError,
    ModemProtocolError,
    ModemTimeoutError,
    ModemUnavailableError,
    OutcomeUnknownError,
    PduError,
)
from gsmgateway.messages.attempts import Verdict, judge


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (ModemUnavailableError("unplugged"), Verdict.MODEM_DOWN),
        (ModemTimeoutError("no prompt; ESC sent"), Verdict.TRANSIENT),
        (ModemProtocolError("OK before the prompt"), Verdict.TRANSIENT),
        (ModemCommandError("ERROR"), Verdict.TRANSIENT),
        (CmsError("congestion", code=42, category="transient"), Verdict.TRANSIENT),
        (CmeError("SIM busy", code=14, category="transient"), Verdict.TRANSIENT),
        (CmsError("rejected", code=21, category="permanent"), Verdict.PERMANENT),
        (PduError("cannot encode"), Verdict.PERMANENT),
        (CmsError("SMSC unknown", code=330, category="configuration"), Verdict.NEEDS_ATTENTION),
        (CmeError("SIM not inserted", code=10, category="configuration"), Verdict.NEEDS_ATTENTION),
        (OutcomeUnknownError("no +CMGS after the PDU"), Verdict.MAYBE_SENT),
        (ValueError("a bug"), Verdict.MAYBE_SENT),
    ],
)
def test_each_error_has_one_verdict(error: Exception, verdict: Verdict) -> None:
    assert judge(error) is verdict


@pytest.mark.parametrize(
    ("verdict", "resumable", "refunded"),
    [
        (Verdict.MODEM_DOWN, True, True),
        (Verdict.TRANSIENT, True, False),
        (Verdict.NEEDS_ATTENTION, False, True),
        (Verdict.PERMANENT, False, False),
        (Verdict.MAYBE_SENT, False, False),
    ],
)
def test_only_errors_that_prove_nothing_left_allow_a_resend(
    verdict: Verdict, resumable: bool, refunded: bool
) -> None:
    assert verdict.may_resume is resumable
    assert verdict.modem_at_fault is refunded
