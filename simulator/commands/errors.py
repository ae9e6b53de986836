"""How a failed command reads on the wire, per ``+CMEE`` and the profile.

27.007 §9.1: ``+CMEE=0`` gives a bare ``ERROR``, 1 the number, 2 the text. 27.005 §3.2.5 makes
``+CMS ERROR`` the final result of SMS commands regardless of ``+CMEE`` (verbose under 2), which is
what SIMCom, Quectel and Huawei firmware do.
"""

from __future__ import annotations

from gsmgateway.modem.results import CME_ERROR_PREFIX, CMS_ERROR_PREFIX, ERROR, describe_cme, describe_cms
from simulator.commands.base import CommandFailure, ErrorKind
from simulator.profiles import Profile


def render_failure(failure: CommandFailure, cmee: int, profile: Profile) -> str:
    """Return the final result line (without CR LF) for ``failure``."""
    if failure.unknown:
        return profile.quirks.unknown_command_text
    if failure.kind is ErrorKind.PLAIN or failure.code is None:
        return ERROR
    if failure.kind is ErrorKind.CME:
        if cmee == 0:
            return ERROR
        detail = describe_cme(failure.code) if cmee == 2 else str(failure.code)
        return f"{CME_ERROR_PREFIX} {detail}"
    detail = describe_cms(failure.code) if cmee == 2 else str(failure.code)
    return f"{CMS_ERROR_PREFIX} {detail}"
