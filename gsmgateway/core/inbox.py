"""Value types of the modem inbox: the journal of every PDU taken from a modem before it is deleted.

A modem hands the gateway status reports and received SMS, stored (``+CDSI``/``+CMTI``, storage
sweeps) or direct (``+CDS``/``+CMT``). Each one is written to the ``modem_inbox`` table, in one
transaction per batch, **before** the ``AT+CMGD`` that deletes it from the modem (or the
``AT+CNMA`` that acknowledges it), so a crash, an unplug or a store error in between never loses
it. Status reports are then applied to their messages by ``messages/collection.py``; received SMS
(``deliver``) wait there for the inbound processing of issue 11. docs/interfaces.md §4c.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PduKind(StrEnum):
    """What a collected PDU is (TS 23.040 §9.2.2)."""

    REPORT = "report"  # SMS-STATUS-REPORT: applied to the part it belongs to
    DELIVER = "deliver"  # SMS-DELIVER: a received SMS, for inbound processing
    OTHER = "other"  # undecodable, or a stored SMS-SUBMIT: kept, never applied


class CollectionSource(StrEnum):
    """How the gateway came to read a PDU."""

    CDS = "cds"  # direct status report, acknowledged with AT+CNMA after it is journaled
    CMT = "cmt"  # direct SMS, likewise
    CDSI = "cdsi"  # a stored report announced by +CDSI, read with AT+CMGR
    CMTI = "cmti"  # a stored SMS announced by +CMTI, read with AT+CMGR
    SWEEP = "sweep"  # found by the periodic sweep of a memory (AT+CMGL)
    STARTUP = "startup"  # found by the sweep that runs on every connection, before sending


class InboxOutcome(StrEnum):
    """How a journaled PDU was processed (``processed_at`` says when)."""

    APPLIED = "applied"  # a status report recorded on its part (``message_id`` says which)
    DUPLICATE = "duplicate"  # the same report was already applied to that part
    UNMATCHED = "unmatched"  # no part could be found within the grace period
    AMBIGUOUS = "ambiguous"  # more than one part fits the evidence: nothing was guessed
    UNDECODABLE = "undecodable"  # the PDU cannot be decoded; kept for an operator
    IGNORED = "ignored"  # not for the gateway (a stored SMS-SUBMIT)


@dataclass(frozen=True, kw_only=True)
class NewInboxEntry:
    """One PDU as read from a modem, to be journaled.

    ``memory`` and ``slot`` say where it was stored (None for a direct ``+CDS``/``+CMT``); ``pdu``
    is the hex as the modem gave it, with the SMSC field (``00`` added when the modem left it out).
    """

    modem_id: str
    kind: PduKind
    source: CollectionSource
    memory: str | None
    slot: int | None
    pdu: str


@dataclass(frozen=True, kw_only=True)
class InboxEntry(NewInboxEntry):
    """A journaled PDU with its processing state."""

    id: int
    read_at: datetime
    processed_at: datetime | None
    outcome: InboxOutcome | None
    message_id: int | None
