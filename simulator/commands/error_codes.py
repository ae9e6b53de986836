"""The error result codes the simulated modem answers with, written from the standards.

``+CME ERROR`` numbers and texts follow 3GPP TS 27.007 §9.2 (general and GPRS errors);
``+CMS ERROR`` numbers follow TS 27.005 §3.2.5, whose 0-127 are the RP causes of TS 24.011
Annex E-2 and whose 128-255 are the TP-Failure-Cause values of TS 23.040 §9.2.3.22. The texts are
what ``AT+CMEE=2`` prints. This is the simulator's own table: the gateway keeps its own, so a wrong
number on either side shows up in a test instead of hiding in a shared constant.
"""

from __future__ import annotations

from typing import Final

ERROR: Final = "ERROR"
CME_PREFIX: Final = "+CME ERROR:"
CMS_PREFIX: Final = "+CMS ERROR:"

#: 27.007 §9.2.1 (general) and §9.2.2 (GPRS) ``+CME ERROR`` values.
CME_TEXTS: Final[dict[int, str]] = {
    0: "phone failure",
    1: "no connection to phone",
    2: "phone-adaptor link reserved",
    3: "operation not allowed",
    4: "operation not supported",
    5: "PH-SIM PIN required",
    6: "PH-FSIM PIN required",
    7: "PH-FSIM PUK required",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    15: "SIM wrong",
    16: "incorrect password",
    17: "SIM PIN2 required",
    18: "SIM PUK2 required",
    20: "memory full",
    21: "invalid index",
    22: "not found",
    23: "memory failure",
    24: "text string too long",
    25: "invalid characters in text string",
    26: "dial string too long",
    27: "invalid characters in dial string",
    30: "no network service",
    31: "network timeout",
    32: "network not allowed - emergency calls only",
    40: "network personalization PIN required",
    41: "network personalization PUK required",
    42: "network subset personalization PIN required",
    43: "network subset personalization PUK required",
    44: "service provider personalization PIN required",
    45: "service provider personalization PUK required",
    46: "corporate personalization PIN required",
    47: "corporate personalization PUK required",
    50: "incorrect parameters",
    100: "unknown",
    103: "illegal MS",
    106: "illegal ME",
    107: "GPRS services not allowed",
    111: "PLMN not allowed",
    112: "location area not allowed",
    113: "roaming not allowed in this location area",
    132: "service option not supported",
    133: "requested service option not subscribed",
    134: "service option temporarily out of order",
    148: "unspecified GPRS error",
    149: "PDP authentication failure",
    150: "invalid mobile class",
}

#: 24.011 Annex E-2 RP causes, which are ``+CMS ERROR`` 0-127.
_RP_CAUSES: Final[dict[int, str]] = {
    1: "unassigned (unallocated) number",
    8: "operator determined barring",
    10: "call barred",
    21: "short message transfer rejected",
    22: "memory capacity exceeded",
    27: "destination out of order",
    28: "unidentified subscriber",
    29: "facility rejected",
    30: "unknown subscriber",
    38: "network out of order",
    41: "temporary failure",
    42: "congestion",
    47: "resources unavailable, unspecified",
    50: "requested facility not subscribed",
    69: "requested facility not implemented",
    81: "invalid short message transfer reference value",
    95: "semantically incorrect message",
    96: "invalid mandatory information",
    97: "message type non-existent or not implemented",
    98: "message not compatible with short message protocol state",
    99: "information element non-existent or not implemented",
    111: "protocol error, unspecified",
    127: "interworking, unspecified",
}

#: 23.040 §9.2.3.22 TP-Failure-Cause values, which are ``+CMS ERROR`` 128-255.
_TP_FAILURE_CAUSES: Final[dict[int, str]] = {
    0x80: "telematic interworking not supported",
    0x81: "short message type 0 not supported",
    0x82: "cannot replace short message",
    0x8F: "unspecified TP-PID error",
    0x90: "data coding scheme (alphabet) not supported",
    0x91: "message class not supported",
    0x9F: "unspecified TP-DCS error",
    0xA0: "command cannot be actioned",
    0xA1: "command unsupported",
    0xAF: "unspecified TP-Command error",
    0xB0: "TPDU not supported",
    0xC0: "SC busy",
    0xC1: "no SC subscription",
    0xC2: "SC system failure",
    0xC3: "invalid SME address",
    0xC4: "destination SME barred",
    0xC5: "SM rejected-duplicate SM",
    0xC6: "TP-VPF not supported",
    0xC7: "TP-VP not supported",
    0xD0: "(U)SIM SMS storage full",
    0xD1: "no SMS storage capability in (U)SIM",
    0xD2: "error in MS",
    0xD3: "memory capacity exceeded",
    0xD4: "(U)SIM application toolkit busy",
    0xD5: "(U)SIM data download error",
    0xFF: "unspecified error cause",
}

#: 27.005 §3.2.5 ME/TA errors.
_ME_ERRORS: Final[dict[int, str]] = {
    300: "ME failure",
    301: "SMS service of ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "(U)SIM not inserted",
    311: "(U)SIM PIN required",
    312: "PH-(U)SIM PIN required",
    313: "(U)SIM failure",
    314: "(U)SIM busy",
    315: "(U)SIM wrong",
    316: "(U)SIM PUK required",
    317: "(U)SIM PIN2 required",
    318: "(U)SIM PUK2 required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
}

CMS_TEXTS: Final[dict[int, str]] = {**_RP_CAUSES, **_TP_FAILURE_CAUSES, **_ME_ERRORS}


def cme_text(code: int) -> str:
    """Return the ``+CMEE=2`` text of a ``+CME ERROR`` (unlisted codes: their number)."""
    return CME_TEXTS.get(code, str(code))


def cms_text(code: int) -> str:
    """Return the ``+CMEE=2`` text of a ``+CMS ERROR`` (512+ are manufacturer specific)."""
    if code >= 512:
        return CMS_TEXTS.get(code, "manufacturer specific")
    return CMS_TEXTS.get(code, str(code))
