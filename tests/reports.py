"""Status reports as the network sends them, for tests that need one to reach the gateway.

The PDU is built by the simulator's own encoder (TS 23.040 §9.2.2.3), shares no code with the
gateway's decoder, and enters through the same door as a real one: the collection service the
driver's sink calls (journal), then the processor that applies journaled reports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gsmgateway.core.inbox import CollectionSource, InboxEntry
from gsmgateway.messages.collection import CollectionService
from gsmgateway.modem.collection import Collected, classify
from simulator.pdu.encode import deliver, status_report

DELIVERED, TEMPORARY, FAILED = 0x00, 0x20, 0x43  # TP-ST, TS 23.040 §9.2.3.15


async def journal_report(
    collection: CollectionService,
    modem_id: str,
    *,
    mr: int,
    number: str,
    scts: datetime,
    tp_st: int = DELIVERED,
) -> list[int]:
    """Journal one status report as modem ``modem_id`` would hand it over; return the new entry ids."""
    pdu = status_report(smsc="+255780000004", mr=mr, recipient=number, submitted=scts,
                        discharged=scts + timedelta(seconds=5), tp_st=tp_st)  # fmt: skip
    item = classify(pdu.hex, tpdu_length=pdu.tpdu_length, source=CollectionSource.CDS, modem_id=modem_id)
    return await collection.journal(modem_id, [item])


async def deliver_report(
    collection: CollectionService,
    modem_id: str,
    *,
    mr: int,
    number: str,
    scts: datetime,
    tp_st: int = DELIVERED,
) -> InboxEntry:
    """Journal a report, apply what is pending for the modem, and return the report's entry."""
    (entry_id,) = await journal_report(collection, modem_id, mr=mr, number=number, scts=scts, tp_st=tp_st)
    await collection.apply_pending(modem_id)
    entry = await collection.inbox.get(entry_id)
    assert entry is not None
    return entry


def inbound_sms(
    sender: str = "+255711000111", text: str = "Nimelipa jana", *, at: datetime | None = None
) -> Collected:
    """Return an SMS-DELIVER as a modem would hand it over from SM storage (+CMTI)."""
    sent = at or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    pdu = deliver(smsc="+255780000004", sender=sender, text=text, dcs=0x00, sent=sent)
    return classify(pdu.hex, tpdu_length=pdu.tpdu_length, source=CollectionSource.CMTI, memory="SM", index=1)
