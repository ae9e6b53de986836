"""Status reports from the fake network, routed as ``AT+CNMI`` ``<ds>`` says (27.005 §3.4.1).

ds=1: ``+CDS: <length>`` and the PDU on the next line (not stored). ds=2: stored where the
profile keeps reports and announced with ``+CDSI: <mem>,<index>``; ds=0: stored there silently,
for a gateway that polls. Where that is depends on the firmware (``Profile.report_storage``): the
"SR" memory; ``<mem3>`` with the received SMS (Huawei dongles without "SR"); or nowhere (SIMCom
SIM800, whose reports only ever come as ``+CDS``). Quectel EC25 names "SM" in ``+CDSI`` for a report
it keeps in "SR". Reports arrive only for submits that asked for one (TP-SRR), after the delay the
recipient's plan sets; each carries the submit's TP-SCTS and its own discharge time (TP-DT).
"""

from __future__ import annotations

from functools import partial

from simulator.network.clock import text_mode_time
from simulator.network.delivery import expect_ack, store
from simulator.network.handset import Handset
from simulator.network.smsc import report_steps
from simulator.pdu.encode import FO_STATUS_REPORT, status_report
from simulator.pdu.fields import TOA_INTERNATIONAL, TOA_UNKNOWN, is_digits
from simulator.pdu.submit import Submit
from simulator.profiles.memory import Memory, ReportStorage
from simulator.state.storage import Stat, StoredMessage


def schedule_reports(modem: Handset, submit: Submit, accepted_at: float) -> None:
    """Arrange the report(s) the recipient's plan produces for ``submit``."""
    if not submit.status_report_requested:
        return
    for step in report_steps(modem.network.plan_for(submit.recipient)):
        modem.schedule_event(accepted_at + step.delay, partial(_arrive, modem, submit, step.tp_st))


def report_message(modem: Handset, submit: Submit, tp_st: int, discharged_at: float) -> StoredMessage:
    """Build the SMS-STATUS-REPORT for ``submit`` as the modem would store or show it."""
    submitted = submit.scts or modem.network.clock.at(discharged_at)
    discharged = modem.network.clock.at(discharged_at)
    pdu = status_report(
        smsc=modem.profile.smsc,
        mr=submit.mr,
        recipient=submit.recipient,
        submitted=submitted,
        discharged=discharged,
        tp_st=tp_st,
    )
    toa = TOA_INTERNATIONAL if submit.recipient.startswith("+") else TOA_UNKNOWN
    text_fields = (
        f'{FO_STATUS_REPORT},{submit.mr},"{submit.recipient}",{toa},'
        f'"{text_mode_time(submitted)}","{text_mode_time(discharged)}",{tp_st}'
    )
    return StoredMessage(Stat.REC_UNREAD, pdu.hex, pdu.tpdu_length, text_fields, "", is_report=True)


def report_memory(modem: Handset) -> Memory | None:
    """Return where this modem keeps a report it is asked to store (None: it cannot)."""
    kind = modem.profile.report_storage
    if kind is ReportStorage.SR:
        return Memory.SR
    return modem.state.memories[2] if kind is ReportStorage.RECEIVE else None


def _arrive(modem: Handset, submit: Submit, tp_st: int, due: float) -> None:
    retry = partial(_arrive, modem, submit, tp_st)
    if not modem.state.registered:
        modem.network.hold(retry)
        return
    if not is_digits(submit.recipient.lstrip("+")):  # e.g. "*100#": no SMSC would report on it
        modem.counters["reports_lost"] += 1
        return
    message = report_message(modem, submit, tp_st, due)
    ds = modem.state.cnmi[3]
    if ds == 1:
        header = (
            message.text_header if modem.state.text_mode else f"{message.tpdu_length}\r\n{message.pdu_hex}"
        )
        modem.emit_urc(f"+CDS: {header}", due)
        expect_ack(modem, due)
        modem.counters["reports_emitted"] += 1
        return
    memory = report_memory(modem)
    if memory is None:  # delivered to the modem, which has nowhere to keep it and ds says not to show it
        modem.counters["reports_lost"] += 1
        return
    where = store(modem, memory, message, retry, due)
    if where is None:
        return
    if ds == 2:
        stored_in, index = where
        announced = modem.profile.quirks.cdsi_announced_memory or stored_in
        modem.emit_urc(f'+CDSI: "{announced}",{index}', due)
    modem.counters["reports_emitted"] += 1
