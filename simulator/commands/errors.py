"""How a failed command reads on the wire, per ``+CMEE`` and the profile.

27.007 §9.1: ``+CMEE=0`` gives a bare ``ERROR``, 1 the number, 2 the text. 27.005 §3.2.5 makes
``+CMS ERROR`` the final result of SMS commands regardless of ``+CMEE`` (verbose under 2), which is
what SIMCom, Quectel and Huawei firmware do.
"""

from __future__ import annotations

from simulator.commands.base import CommandFailure, ErrorKind
from simulator.commands.error_codes import CME_PREFIX, CMS_PREFIX, ERROR, cme_text, cms_text


def render_failure(failure: CommandFailure, cmee: int, unknown_command_text: str) -> str:
    """Return the final result line (without CR LF) for ``failure``.

    ``unknown_command_text`` is what the firmware says to a command it does not know (Huawei:
    ``COMMAND NOT SUPPORT``).
    """
    if failure.unknown:
        return unknown_command_text
    if failure.kind is ErrorKind.PLAIN or failure.code is None:
        return ERROR
    if failure.kind is ErrorKind.CME:
        if cmee == 0:
            return ERROR
        detail = cme_text(failure.code) if cmee == 2 else str(failure.code)
        return f"{CME_PREFIX} {detail}"
    detail = cms_text(failure.code) if cmee == 2 else str(failure.code)
    return f"{CMS_PREFIX} {detail}"
