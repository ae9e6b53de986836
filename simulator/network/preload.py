"""Messages put into the memories without the network: a profile's preload and the storage-full fault.

They are ordinary messages (SMS-DELIVERs and status reports with real PDUs), so a gateway that
lists and deletes them makes room, as it would on a SIM that filled up while nobody read it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from simulator.network.clock import text_mode_time
from simulator.network.handset import DeliveryStorage
from simulator.pdu.encode import FO_STATUS_REPORT, deliver, split_text, status_report
from simulator.pdu.fields import TOA_INTERNATIONAL, TOA_UNKNOWN
from simulator.profiles.memory import Memory
from simulator.profiles.preload import Preload, PreloadKind
from simulator.state.storage import Stat, StoredMessage

#: What fills a memory when a fault plan says ``storage_full``.
FILLER_SENDER = "+0"
FILLER_TEXT = "filler"


def stored_sms(*, smsc: str, sender: str, text: str, sent: datetime, read: bool) -> StoredMessage:
    """Build a stored SMS-DELIVER (one part: a preload is not a long message).

    :raises ValueError: for a text longer than one SMS or a sender that is no address.
    """
    dcs, parts = split_text(text)
    if len(parts) > 1:
        raise ValueError("a preloaded SMS must fit in one part")
    pdu = deliver(smsc=smsc, sender=sender, text=text, dcs=dcs, sent=sent)
    stat = Stat.REC_READ if read else Stat.REC_UNREAD
    return StoredMessage(stat, pdu.hex, pdu.tpdu_length, f'"{sender}",,"{text_mode_time(sent)}"', text)


def stored_report(
    *, smsc: str, recipient: str, mr: int, tp_st: int, sent: datetime, discharged: datetime, read: bool
) -> StoredMessage:
    """Build a stored SMS-STATUS-REPORT."""
    pdu = status_report(
        smsc=smsc, mr=mr, recipient=recipient, submitted=sent, discharged=discharged, tp_st=tp_st
    )
    toa = TOA_INTERNATIONAL if recipient.startswith("+") else TOA_UNKNOWN
    fields = (
        f'{FO_STATUS_REPORT},{mr},"{recipient}",{toa},'
        f'"{text_mode_time(sent)}","{text_mode_time(discharged)}",{tp_st}'
    )
    stat = Stat.REC_READ if read else Stat.REC_UNREAD
    return StoredMessage(stat, pdu.hex, pdu.tpdu_length, fields, "", is_report=True)


def preloaded_message(entry: Preload, *, smsc: str, now: datetime) -> StoredMessage:
    """Build the message one preload entry describes (``now``: the network time at power-on).

    :raises ValueError: for an SMS too long for one part or an address no PDU can carry.
    """
    sent = entry.sent or now
    if entry.kind is PreloadKind.SMS:
        return stored_sms(smsc=smsc, sender=entry.address, text=entry.text, sent=sent, read=entry.read)
    discharged = entry.discharged or sent
    return stored_report(
        smsc=smsc,
        recipient=entry.address,
        mr=entry.mr,
        tp_st=entry.status,
        sent=sent,
        discharged=discharged,
        read=entry.read,
    )


def apply_preload(
    storage: DeliveryStorage, entries: tuple[Preload, ...], *, smsc: str, now: datetime
) -> None:
    """Store every entry (all or nothing: a memory without room for them all refuses the lot).

    :raises ValueError: when the entries do not fit or one cannot be encoded.
    """
    messages = [(entry.memory, preloaded_message(entry, smsc=smsc, now=now)) for entry in entries]
    wanted: dict[Memory, int] = {}
    for entry in entries:
        wanted[entry.memory] = wanted.get(entry.memory, 0) + entry.count
    for memory, count in wanted.items():
        free = storage.capacity(memory) - storage.used(memory)
        if count > free:
            raise ValueError(f"{count} messages for {memory.value}, which has room for {free}")
    for entry, (memory, message) in zip(entries, messages, strict=True):
        for _ in range(entry.count):
            storage.add(memory, dataclasses.replace(message))  # one record per slot


def fill_memory(storage: DeliveryStorage, memory: Memory, *, smsc: str, now: datetime) -> None:
    """Fill ``memory`` to capacity with read messages (the storage-full fault)."""
    while not storage.is_full(memory):
        if memory is Memory.SR:
            filler = stored_report(
                smsc=smsc, recipient=FILLER_SENDER, mr=0, tp_st=0, sent=now, discharged=now, read=True
            )
        else:
            filler = stored_sms(smsc=smsc, sender=FILLER_SENDER, text=FILLER_TEXT, sent=now, read=True)
        storage.add(memory, filler)
