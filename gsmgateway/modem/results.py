"""Result-code tables: final result codes, CME/CMS numbers and what each means for a sender.

Constants and the table look-ups over them, no parsing or encoding. What an error category means
for a message is decided in ``gsmgateway/messages/attempts.py``; the simulator keeps tables of its
own, so that a wrong number here cannot hide behind the same wrong number on the other side.
Sources: 3GPP TS 27.005 §3.2.5, TS 27.007 §9.2, TS 23.040 §9.2.3.15 and §9.2.3.22, and
reference/gsm-at-and-pdu.md §5.8-§5.9.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from gsmgateway.core.models import ReportOutcome


class ErrorCategory(StrEnum):
    """What a sender should do after an error code."""

    TRANSIENT = "transient"  # retry later with back-off
    PERMANENT = "permanent"  # fail this message; retrying cannot help
    CONFIGURATION = "configuration"  # the modem or SIM needs an operator; stop sending on it
    NO_NETWORK = "no_network"  # no service: the modem waits for the network, messages wait with it


OK: Final = "OK"
ERROR: Final = "ERROR"
CME_ERROR_PREFIX: Final = "+CME ERROR:"
CMS_ERROR_PREFIX: Final = "+CMS ERROR:"
PROMPT: Final = b"> "
CTRL_Z: Final = b"\x1a"
ESC: Final = b"\x1b"

#: Lines that end a command unsuccessfully without a code. ``COMMAND NOT SUPPORT`` is Huawei E1752.
ERROR_SYNONYMS: Final = frozenset(
    {ERROR, "COMMAND NOT SUPPORT", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"}
)

#: Unsolicited result codes that announce SMS traffic. ``+CDS`` and ``+CMT`` carry their PDU on the
#: next line, which may arrive in a later read.
TWO_LINE_URCS: Final = ("+CDS:", "+CMT:")
URC_PREFIXES: Final = (
    "+CDS:",
    "+CDSI:",
    "+CMT:",
    "+CMTI:",
    "+CBM:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+CUSD:",
    "+CRING:",
    "+CLIP:",
    "RING",
    "^",  # Huawei: ^RSSI, ^BOOT, ^MODE, ^SRVST …
    "+Z",  # ZTE: +ZDONR, +ZPASR, +ZUSIMR …
    "+QIND:",  # Quectel
    "+WIND:",  # Wavecom / Sierra
    "+STIN:",  # SIM toolkit
    "+PACSP",
    "+CPIN:",  # some modems announce SIM state changes unsolicited (e.g. after SIM removal)
    "Call Ready",  # SIMCom SIM800
    "SMS Ready",  # SIMCom SIM800
    "RDY",  # Quectel / SIMCom boot
)

# --- +CMS ERROR (TS 27.005 §3.2.5 and TS 24.011 Annex E-2 RP causes) -------------------------------
# Transient (retry later), like every code not listed below: 17, 22, 27, 38, 41, 42, 47, 192, 194,
# 314, 320, 332, 500, 512-517.
#: No network service (27.005 §3.2.5 331; 27.007 §9.2 30, 32 emergency calls only): not the message's
#: fault and no use retrying until the modem registers again.
_CMS_NO_NETWORK: Final = frozenset({331})
_CME_NO_NETWORK: Final = frozenset({30, 32})
_CMS_CONFIGURATION: Final = frozenset(
    {302, 303, 304, 305, 310, 311, 312, 313, 315, 316, 317, 318, 321, 322, 330, 340}
)
_CMS_PERMANENT: Final = frozenset(
    {1, 8, 10, 21, 28, 29, 30, 50, 69, 81, 95, 96, 97, 98, 99, 111, 127}
    | set(range(128, 192))  # TP-FCS: TP-PID / TP-DCS / TP-command errors
    | {193, 195, 196, 197, 198, 199}  # SC: no SC subscription, invalid SME address, barred, dup, VP
)

CMS_TEXT: Final[dict[int, str]] = {
    1: "unassigned (unallocated) number",
    8: "operator determined barring",
    10: "call barred",
    17: "network failure",
    21: "short message transfer rejected",
    22: "congestion / memory capacity exceeded",
    27: "destination out of service",
    28: "unidentified subscriber",
    29: "facility rejected",
    30: "unknown subscriber",
    38: "network out of order",
    41: "temporary failure",
    42: "congestion",
    47: "resources unavailable",
    50: "requested facility not subscribed",
    69: "requested facility not implemented",
    111: "protocol error",
    127: "interworking, unspecified",
    192: "SC busy",
    194: "SC system failure",
    195: "invalid SME address",
    196: "destination SME barred",
    197: "SM rejected, duplicate SM",
    300: "ME failure",
    301: "SMS service of ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    312: "PH-SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    315: "SIM wrong",
    316: "SIM PUK required",
    317: "SIM PIN2 required",
    318: "SIM PUK2 required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
    512: "SIM not ready (vendor)",
    515: "please wait, init or command in progress (vendor)",
}

# --- +CME ERROR (TS 27.007 §9.2) -------------------------------------------------------------------
# Transient, like every code not listed below: 14, 31, 100, 515.
_CME_PERMANENT: Final = frozenset({3, 4, 21, 22, 23, 24, 25, 26, 27, 50})
# 10 SIM not inserted, 11 PIN, 12 PUK, 13 SIM failure, 15 SIM wrong, 16 wrong password, 17/18 PIN2/PUK2

CME_TEXT: Final[dict[int, str]] = {
    0: "phone failure",
    3: "operation not allowed",
    4: "operation not supported",
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
    30: "no network service",
    31: "network timeout",
    32: "network not allowed - emergency calls only",
    50: "incorrect parameters",
    100: "unknown",
    515: "device busy (vendor)",
}

#: CME numbers that mean "the SIM needs the operator" (the driver maps them to ``SIM_ERROR``).
CME_SIM_PROBLEMS: Final = frozenset({10, 11, 12, 13, 15, 16, 17, 18})
#: Codes worth a bounded retry during initialisation (SIM busy, vendor "init in progress").
BUSY_CODES: Final = frozenset({14, 314, 512, 515})


def classify_cms(code: int) -> ErrorCategory:
    """Return what a sender should do after ``+CMS ERROR: <code>``.

    Unlisted codes count as transient so that a vendor code we have never seen costs a bounded
    number of retries rather than a message thrown away.
    """
    if code in _CMS_PERMANENT:
        return ErrorCategory.PERMANENT
    if code in _CMS_NO_NETWORK:
        return ErrorCategory.NO_NETWORK
    if code in _CMS_CONFIGURATION:
        return ErrorCategory.CONFIGURATION
    return ErrorCategory.TRANSIENT


def classify_cme(code: int) -> ErrorCategory:
    """Return what a sender should do after ``+CME ERROR: <code>``."""
    if code in CME_SIM_PROBLEMS:
        return ErrorCategory.CONFIGURATION
    if code in _CME_NO_NETWORK:
        return ErrorCategory.NO_NETWORK
    if code in _CME_PERMANENT:
        return ErrorCategory.PERMANENT
    return ErrorCategory.TRANSIENT


def describe_cms(code: int) -> str:
    """Return the standard text of a CMS error number, or a generic one."""
    return CMS_TEXT.get(code, "manufacturer specific" if code >= 512 else "unspecified")


def describe_cme(code: int) -> str:
    """Return the standard text of a CME error number, or a generic one."""
    return CME_TEXT.get(code, "unspecified")


# --- TP-ST (TS 23.040 §9.2.3.15) ------------------------------------------------------------------
#: TS 23.040 §9.2.3.15: what each assigned TP-ST value says happened to the short message.
TP_ST_TEXT: Final[dict[int, str]] = {
    0x00: "short message received by the SME",
    0x01: "forwarded by the SC to the SME, delivery not confirmed",
    0x02: "short message replaced by the SC",
    0x20: "congestion, SC still trying",
    0x21: "SME busy, SC still trying",
    0x22: "no response from SME, SC still trying",
    0x23: "service rejected, SC still trying",
    0x24: "quality of service not available, SC still trying",
    0x25: "error in SME, SC still trying",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by SME",
    0x43: "not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "validity period expired",
    0x47: "deleted by the originating SME",
    0x48: "deleted by SC administration",
    0x49: "short message does not exist",
    0x60: "congestion, SC stopped trying",
    0x61: "SME busy, SC stopped trying",
    0x62: "no response from SME, SC stopped trying",
    0x63: "service rejected, SC stopped trying",
    0x64: "quality of service not available, SC stopped trying",
    0x65: "error in SME, SC stopped trying",
}


def describe_tp_st(status: int) -> str:
    """Return ``TP-ST 0x43 (not obtainable)``: the value and its meaning (SC-specific or reserved)."""
    text = TP_ST_TEXT.get(status)
    if text is None:
        specific = (
            0x10 <= status <= 0x1F or 0x30 <= status <= 0x3F or 0x50 <= status <= 0x5F or status >= 0x70
        )
        text = "SC-specific value" if specific else "reserved value"
    return f"TP-ST 0x{status:02X} ({text})"


def classify_tp_st(status: int) -> ReportOutcome:
    """Map a TP-ST octet to delivered / still trying / failed.

    0x00-0x1F completed (0x01 "forwarded, unconfirmed" counts as delivered: the SC handed it on);
    0x20-0x3F the SC is still trying (keep waiting); everything else is final failure, including
    reserved values, which a real SC should never send.
    """
    if 0x00 <= status <= 0x1F:
        return ReportOutcome.DELIVERED
    if 0x20 <= status <= 0x3F:
        return ReportOutcome.PENDING
    return ReportOutcome.FAILED
