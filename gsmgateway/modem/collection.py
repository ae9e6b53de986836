"""The collection seam: what the driver hands over before it deletes or acknowledges anything.

Every PDU the driver takes from a modem — a status report or a received SMS, from ``+CDS``/``+CMT``
direct, from a ``+CDSI``/``+CMTI`` read, from a storage sweep, at start-up — goes to the driver's
:data:`Sink` as a :class:`Collected`, in batches, and only **after the sink returned** does the
driver send the ``AT+CMGD`` that deletes it (or the ``AT+CNMA`` that acknowledges it). A sink that
raises leaves the stored PDUs on the modem for the next sweep (and a direct one unacknowledged, so
a modem with ``+CSMS: 1`` lets the network deliver it again). The gateway's sink journals the batch
in one transaction (``messages/collection.py``); :class:`CollectedQueues` is the in-memory sink a
library user or a test may use instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gsmgateway.core.errors import PduError
from gsmgateway.core.inbox import CollectionSource, PduKind
from gsmgateway.modem.pdu import (
    IncomingSms,
    StatusReport,
    decode_deliver,
    decode_status_report,
    with_smsc_field,
)


@dataclass(frozen=True, slots=True)
class Collected:
    """One PDU read from the modem, decoded as far as it could be.

    ``pdu`` is the hex with the SMSC field (``00`` put in front when the modem left it out);
    ``memory``/``index`` say where it was stored (None for a direct ``+CDS``/``+CMT``).
    ``report`` is set for ``PduKind.REPORT``, ``message`` for ``PduKind.DELIVER``; ``OTHER`` is a
    PDU that is neither (undecodable, or a stored SMS-SUBMIT) and is handed over all the same.
    """

    kind: PduKind
    source: CollectionSource
    memory: str | None
    index: int | None
    pdu: str
    report: StatusReport | None = None
    message: IncomingSms | None = None


#: Takes a batch; returns once it is safe to delete the batch from the modem (durably stored).
Sink = Callable[[Sequence[Collected]], Awaitable[None]]


def classify(
    pdu_hex: str,
    *,
    tpdu_length: int | None,
    source: CollectionSource,
    memory: str | None = None,
    index: int | None = None,
    modem_id: str = "",
) -> Collected:
    """Decode a PDU read from the modem as a status report, else an SMS-DELIVER, else OTHER."""
    pdu = with_smsc_field(pdu_hex.strip(), tpdu_length)
    try:
        report = decode_status_report(pdu, modem_id=modem_id)
    except PduError:
        pass
    else:
        return Collected(PduKind.REPORT, source, memory, index, pdu, report=report)
    try:
        message = decode_deliver(pdu)
    except PduError:
        return Collected(PduKind.OTHER, source, memory, index, pdu)
    return Collected(PduKind.DELIVER, source, memory, index, pdu, message=message)


class CollectedQueues:
    """An in-memory sink: decoded reports and messages on two queues (nothing survives a crash).

    For using the driver without the gateway's store (tests, benchmarks, a library user); the
    gateway itself journals instead (docs/interfaces.md §4c).
    """

    def __init__(self) -> None:
        self.reports: asyncio.Queue[StatusReport] = asyncio.Queue()
        self.messages: asyncio.Queue[IncomingSms] = asyncio.Queue()
        self.others: list[Collected] = []

    async def __call__(self, batch: Sequence[Collected]) -> None:
        """Queue every report and message of ``batch``; keep what is neither in :attr:`others`."""
        for item in batch:
            if item.report is not None:
                self.reports.put_nowait(item.report)
            elif item.message is not None:
                self.messages.put_nowait(item.message)
            else:
                self.others.append(item)
