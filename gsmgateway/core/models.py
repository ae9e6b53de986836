"""Value types shared by every layer: message and modem states and the allowed status moves.

The lifecycle is decided in DESIGN.md; this module is its executable form. The store refuses any
transition that is not in :data:`TRANSITIONS`, so a bug elsewhere cannot invent a new path
(for example ``unknown → queued``, which would be an automatic resend).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class MessageStatus(StrEnum):
    """Where a message is in its life; stored as text."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """True when nothing will change this status on its own any more.

        ``unknown`` is not final: a late status report may still resolve it.
        """
        return self in FINAL_STATUSES


FINAL_STATUSES: Final = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.CANCELLED,
        MessageStatus.EXPIRED,
    }
)

S = MessageStatus
TRANSITIONS: Final[dict[MessageStatus, frozenset[MessageStatus]]] = {
    # queued → sending: a worker claimed it. → cancelled: the API. → expired: validity passed
    # while waiting. → failed: the recipient became unreachable before it could go out.
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED, S.EXPIRED, S.FAILED}),
    # sending → queued only when nothing left the port (modem unavailable, transient error before
    # the first byte of the PDU); → unknown when the PDU may have left (timeout, crash).
    S.SENDING: frozenset({S.SENT, S.QUEUED, S.FAILED, S.UNKNOWN}),
    S.SENT: frozenset({S.DELIVERED, S.UNDELIVERED, S.EXPIRED}),
    # A late report resolves an unknown message; at-least-once operators may requeue it by hand;
    # an operator who learnt what happened marks it sent or, never resending it, failed (console).
    S.UNKNOWN: frozenset({S.DELIVERED, S.UNDELIVERED, S.SENT, S.QUEUED, S.FAILED}),
    S.DELIVERED: frozenset(),
    S.UNDELIVERED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    # A report may arrive after the report window closed; the truth wins over the timeout.
    S.EXPIRED: frozenset({S.DELIVERED, S.UNDELIVERED}),
}
del S


def can_transition(from_: MessageStatus, to: MessageStatus) -> bool:
    """Return whether the lifecycle allows moving a message from ``from_`` to ``to``."""
    return to in TRANSITIONS[from_]


class ModemState(StrEnum):
    """What a modem worker can do right now; shown by ``GET /modems`` and ``/ready``."""

    DISCONNECTED = "disconnected"  # port not open (not plugged in, or between reconnect attempts)
    INITIALISING = "initialising"  # port open, running the init sequence
    READY = "ready"  # registered on a network, can send
    NO_NETWORK = "no_network"  # initialised but not registered (searching, denied)
    SIM_ERROR = "sim_error"  # SIM missing, PIN/PUK needed and not configured, wrong PIN
    STOPPED = "stopped"  # the gateway is shutting down


class ModemReason(StrEnum):
    """Why a modem is in its state (``GET /modems``); None while it is ready."""

    STARTING = "starting"  # not connected yet, or running the init sequence
    MISSING = "missing"  # the device path does not exist (unplugged, or a wrong path)
    PERMISSION = "permission"  # the device exists but may not be opened (group dialout?)
    BUSY = "busy"  # another process holds the port (ModemManager, a terminal program)
    OPEN_FAILED = "open_failed"  # opening failed for another reason
    UNPLUGGED = "unplugged"  # the open port went away
    NOT_RESPONDING = "not_responding"  # the port is open but the modem does not answer
    SIM = "sim"  # SIM missing, failed, or asking for its PUK
    PIN = "pin"  # SIM PIN needed and none configured, or the configured one refused
    NETWORK = "network"  # not registered (searching, denied) or no service when sending
    STOPPED = "stopped"  # the gateway is shutting down


class ReportOutcome(StrEnum):
    """What a status report (TP-ST) says about one part."""

    DELIVERED = "delivered"  # 0x00-0x1F: transaction completed
    PENDING = "pending"  # 0x20-0x3F: temporary error, the SC is still trying
    FAILED = "failed"  # 0x40-0x7F and reserved values: the SC stopped trying
