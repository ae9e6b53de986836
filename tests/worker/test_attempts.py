"""Which send errors prove a part did not leave, and which ones are the modem's, not the message's."""

from __future__ import annotations

import pytest

from gsmgateway.core.errors import (
    CmeError,
    CmsError,
    ModemError,
    ModemProtocolError,
    ModemTimeoutError,
    ModemUnavailableError,
    OutcomeUnknownError,
    PduError,
)
from gsmgateway.messages.attempts import as_modem_trouble, nothing_left


@pytest.mark.parametrize(
    ("error", "resumable"),
    [
        (ModemUnavailableError("unplugged"), True),
        (ModemTimeoutError("no prompt; ESC sent"), True),
        (CmsError("congestion", code=42, category="transient"), True),
        (CmeError("SIM busy", code=14, category="transient"), True),
        (CmsError("rejected", code=21, category="permanent"), False),
        (CmsError("SMSC unknown", code=330, category="configuration"), False),
        (OutcomeUnknownError("no +CMGS after the PDU"), False),
        (PduError("cannot encode"), False),
        (ModemProtocolError("garbled"), False),
    ],
)
def test_only_errors_that_prove_nothing_left_allow_a_resend(error: ModemError, resumable: bool) -> None:
    assert nothing_left(error) is resumable


def test_configuration_errors_become_modem_unavailable_with_their_code() -> None:
    original = CmsError("SMSC address unknown", modem_id="m1", code=330, category="configuration")
    turned = as_modem_trouble(original)
    assert isinstance(turned, ModemUnavailableError)
    assert (turned.code, turned.modem_id) == (330, "m1")
    assert "needs attention" in str(turned)


@pytest.mark.parametrize(
    "error",
    [CmsError("rejected", code=21, category="permanent"), CmsError("busy", code=42), ValueError("bug")],
)
def test_other_errors_are_left_as_they_are(error: Exception) -> None:
    assert as_modem_trouble(error) is error
