"""TP-Status of an SMS-STATUS-REPORT (3GPP TS 23.040 §9.2.3.15), the simulator's own table.

Written from the standard, not taken from the gateway: if both read one table, a wrong value in it
would be invisible to every test. The octet falls into four classes by its bits 6-5; values inside
a class that the standard leaves "reserved" or "SC specific" keep the class's meaning.
"""

from __future__ import annotations

from enum import Enum
from typing import Final


class StatusClass(Enum):
    """What a TP-ST tells the sender of the short message."""

    COMPLETED = "completed"  # 0x00-0x1F: the transaction is over, the message was delivered
    TEMPORARY_TRYING = "temporary, SC still trying"  # 0x20-0x3F: not final, wait for another report
    PERMANENT = "permanent error"  # 0x40-0x5F: final, the SC gave up
    TEMPORARY_STOPPED = "temporary, SC stopped trying"  # 0x60-0x7F: final, the SC gave up


# --- short message transaction completed ----------------------------------------------------------
RECEIVED_BY_SME: Final = 0x00
FORWARDED_UNCONFIRMED: Final = 0x01
REPLACED_BY_SC: Final = 0x02
# --- temporary error, SC still trying to transfer the short message -------------------------------
CONGESTION_TRYING: Final = 0x20
SME_BUSY_TRYING: Final = 0x21
NO_RESPONSE_TRYING: Final = 0x22
SERVICE_REJECTED_TRYING: Final = 0x23
QOS_UNAVAILABLE_TRYING: Final = 0x24
SME_ERROR_TRYING: Final = 0x25
# --- permanent error, SC is not making any more transfer attempts ---------------------------------
REMOTE_PROCEDURE_ERROR: Final = 0x40
INCOMPATIBLE_DESTINATION: Final = 0x41
REJECTED_BY_SME: Final = 0x42
NOT_OBTAINABLE: Final = 0x43
QOS_UNAVAILABLE: Final = 0x44
NO_INTERWORKING: Final = 0x45
VALIDITY_PERIOD_EXPIRED: Final = 0x46
DELETED_BY_ORIGINATOR: Final = 0x47
DELETED_BY_SC_ADMINISTRATION: Final = 0x48
MESSAGE_DOES_NOT_EXIST: Final = 0x49
# --- temporary error, SC is not making any more transfer attempts ---------------------------------
CONGESTION_STOPPED: Final = 0x60
SME_BUSY_STOPPED: Final = 0x61
NO_RESPONSE_STOPPED: Final = 0x62
SERVICE_REJECTED_STOPPED: Final = 0x63
QOS_UNAVAILABLE_STOPPED: Final = 0x64
SME_ERROR_STOPPED: Final = 0x65

#: The named values and their wording in §9.2.3.15.
MEANINGS: Final[dict[int, str]] = {
    RECEIVED_BY_SME: "short message received by the SME",
    FORWARDED_UNCONFIRMED: "forwarded by the SC to the SME, delivery not confirmed",
    REPLACED_BY_SC: "short message replaced by the SC",
    CONGESTION_TRYING: "congestion",
    SME_BUSY_TRYING: "SME busy",
    NO_RESPONSE_TRYING: "no response from SME",
    SERVICE_REJECTED_TRYING: "service rejected",
    QOS_UNAVAILABLE_TRYING: "quality of service not available",
    SME_ERROR_TRYING: "error in SME",
    REMOTE_PROCEDURE_ERROR: "remote procedure error",
    INCOMPATIBLE_DESTINATION: "incompatible destination",
    REJECTED_BY_SME: "connection rejected by SME",
    NOT_OBTAINABLE: "not obtainable",
    QOS_UNAVAILABLE: "quality of service not available",
    NO_INTERWORKING: "no interworking available",
    VALIDITY_PERIOD_EXPIRED: "SM validity period expired",
    DELETED_BY_ORIGINATOR: "SM deleted by originating SME",
    DELETED_BY_SC_ADMINISTRATION: "SM deleted by SC administration",
    MESSAGE_DOES_NOT_EXIST: "SM does not exist",
    CONGESTION_STOPPED: "congestion",
    SME_BUSY_STOPPED: "SME busy",
    NO_RESPONSE_STOPPED: "no response from SME",
    SERVICE_REJECTED_STOPPED: "service rejected",
    QOS_UNAVAILABLE_STOPPED: "quality of service not available",
    SME_ERROR_STOPPED: "error in SME",
}


def status_class(tp_st: int) -> StatusClass:
    """Return the class of a TP-ST octet; bit 7 set is reserved and read as a permanent error.

    :raises ValueError: for a value that is not an octet.
    """
    if not 0 <= tp_st <= 0xFF:
        raise ValueError(f"TP-ST {tp_st} is not an octet")
    if tp_st & 0x80:
        return StatusClass.PERMANENT
    return (
        StatusClass.COMPLETED,
        StatusClass.TEMPORARY_TRYING,
        StatusClass.PERMANENT,
        StatusClass.TEMPORARY_STOPPED,
    )[tp_st >> 5]


def is_final(tp_st: int) -> bool:
    """Return True unless the SC is still trying (a later report will follow)."""
    return status_class(tp_st) is not StatusClass.TEMPORARY_TRYING
