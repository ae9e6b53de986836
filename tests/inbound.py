"""Received SMS as the network sends them, for tests that need one to reach the gateway.

The PDUs are built by the simulator's own encoder (TS 23.040 §9.2.2.1), share no code with the
gateway's decoder, and enter through the same door as real ones: the collection service the
driver's sink calls (journal), then inbound processing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gsmgateway.core.inbox import CollectionSource
from gsmgateway.messages.inbound import InboundSummary
from gsmgateway.modem.collection import classify
from gsmgateway.wiring import Services
from simulator.pdu.encode import CONCAT_8BIT_OCTETS, CONCAT_16BIT_OCTETS, deliver, split_text

SENT = datetime(2026, 3, 2, 8, 59, tzinfo=UTC)


def deliver_pdus(
    text: str,
    *,
    sender: str,
    reference: int = 0x42,
    bits: int = 8,
    order: list[int] | None = None,
    sent: datetime = SENT,
    smsc: str = "+255000000001",
) -> list[str]:
    """Return the SMS-DELIVER PDUs a network delivers for ``text``, in ``order`` (default: all)."""
    header = CONCAT_16BIT_OCTETS if bits == 16 else CONCAT_8BIT_OCTETS
    dcs, pieces = split_text(text, None, header)
    total = len(pieces)
    return [
        deliver(
            smsc=smsc, sender=sender, text=str(pieces[seq - 1]), dcs=dcs, sent=sent,
            concat=(reference, total, seq) if total > 1 else None, sixteen_bit=bits == 16,
        ).hex
        for seq in (order or range(1, total + 1))
    ]  # fmt: skip


async def receive(services: Services, batch: list[str], modem: str = "m1") -> InboundSummary:
    """Journal ``batch`` as the driver's sink does, one PDU per storage slot, then process it."""
    collected = [
        classify(pdu, tpdu_length=None, source=CollectionSource.SWEEP, memory="SM", index=i)
        for i, pdu in enumerate(batch)
    ]
    await services.collection.journal(modem, collected)
    return await services.inbound.process_pending()
