"""The two modem settings an operator types by hand — SIM PIN and SMS centre — and the one rule for each.

``core/config.py`` checks them when a file is loaded (every problem listed at once), and
``modem/options.py`` checks them again when a driver is built without a file
(``gsmgateway modem probe --pin``); both ask these functions.
"""

from __future__ import annotations

from gsmgateway.core.numbers import is_international_address


def is_sim_pin(text: str) -> bool:
    """Whether ``text`` can be a SIM PIN: 4 to 8 ASCII digits (3GPP TS 22.030 / TS 31.102)."""
    return text.isascii() and text.isdigit() and 4 <= len(text) <= 8


def is_smsc_address(text: str) -> bool:
    """Whether ``text`` can be given to ``AT+CSCA``: an international address, + and 6-15 digits."""
    return is_international_address(text)
