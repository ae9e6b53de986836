"""Incoming SMS: SMS-DELIVER PDUs stored with ``+CMTI`` or shown directly with ``+CMT``.

Long texts arrive as concatenated parts (8-bit reference, one per message); each part is stored or
shown on its own, exactly as a handset network would deliver them.
"""

from __future__ import annotations

from functools import partial

from simulator.network.clock import network_time, text_mode_time
from simulator.network.handset import Handset
from simulator.network.reports import expect_ack
from simulator.pdu.encode import DCS_UCS2, deliver, split_text, status_report
from simulator.pdu.fields import encode_address
from simulator.profiles.model import Memory
from simulator.state.storage import Stat, StoredMessage


def deliver_incoming(modem: Handset, sender: str, text: str, *, direct: bool, now: float) -> None:
    """Deliver ``text`` from ``sender``.

    ``direct=True`` shows it with ``+CMT`` whatever ``+CNMI`` says; otherwise ``<mt>`` decides:
    2/3 direct, 1 stored with ``+CMTI``, 0 stored silently. A full memory loses the message
    (counted in ``counters["incoming_rejected"]``), as the network would get a "memory exceeded".
    Without network service the SMS waits at the SMSC until the modem registers again.

    :raises ValueError: for a sender that is neither ``+digits``, ``digits`` nor a short name.
    """
    encode_address(sender)  # refuse a bad sender before anything changes
    dcs, parts = split_text(text)
    if not modem.state.registered:  # waits at the SMSC until the modem has service again
        modem.network.hold(partial(_deliver_parts, modem, sender, dcs, parts, direct, now))
        return
    _deliver_parts(modem, sender, dcs, parts, direct, now, now)


def _deliver_parts(
    modem: Handset, sender: str, dcs: int, parts: list[str], direct: bool, sent_at: float, now: float
) -> None:
    reference = modem.network.next_concat_reference()
    sent = network_time(sent_at)  # the SMSC's time stamp: when it took the message
    for seq, part in enumerate(parts, start=1):
        concat = (reference, len(parts), seq) if len(parts) > 1 else None
        pdu = deliver(smsc=modem.profile.smsc, sender=sender, text=part, dcs=dcs, sent=sent, concat=concat)
        header = f'"{sender}",,"{text_mode_time(sent)}"'
        message = StoredMessage(Stat.REC_UNREAD, pdu.hex, pdu.tpdu_length, header, part)
        if direct or modem.state.cnmi[1] in (2, 3):
            _show_directly(modem, message, dcs, now)
        else:
            _store(modem, message, now)
    modem.counters["incoming"] += 1


def _show_directly(modem: Handset, message: StoredMessage, dcs: int, now: float) -> None:
    if modem.state.text_mode:
        body = message.text_body.encode("utf-16-be").hex().upper() if dcs == DCS_UCS2 else message.text_body
        modem.emit_urc(f"+CMT: {message.text_header}\r\n{body}", now)
    else:
        modem.emit_urc(f"+CMT: ,{message.tpdu_length}\r\n{message.pdu_hex}", now)
    expect_ack(modem, now)


def _store(modem: Handset, message: StoredMessage, now: float) -> None:
    memory = modem.state.memories[2]
    index = modem.storage.add(memory, message)
    if index is None:
        modem.counters["incoming_rejected"] += 1
        return
    if modem.state.cnmi[1] == 1:
        modem.emit_urc(f'+CMTI: "{memory}",{index}', now)


def fill_memory(modem: Handset, memory: Memory) -> None:
    """Fill ``memory`` to capacity with read messages (the storage-full fault).

    They are ordinary messages (status reports with MR 0 for SR), so a gateway that lists and
    deletes them makes room, as it would on a SIM that filled up.
    """
    sent = network_time(modem.now)
    while not modem.storage.is_full(memory):
        if memory is Memory.SR:
            pdu = status_report(
                smsc=modem.profile.smsc, mr=0, recipient="+0", submitted=sent, discharged=sent, tp_st=0
            )
            filler = StoredMessage(Stat.REC_READ, pdu.hex, pdu.tpdu_length, '6,0,"+0",145,"","",0', "", True)
        else:
            pdu = deliver(smsc=modem.profile.smsc, sender="+0", text="filler", dcs=0, sent=sent)
            filler = StoredMessage(Stat.REC_READ, pdu.hex, pdu.tpdu_length, '"+0",,""', "filler")
        modem.storage.add(memory, filler)
