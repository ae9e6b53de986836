"""Status reports from the fake network, routed as ``AT+CNMI`` ``<ds>`` says (27.005 §3.4.1).

ds=1: ``+CDS: <length>`` and the PDU on the next line (not stored); ds=2: stored in SR and
announced with ``+CDSI: "SR",<index>`` (Quectel EC25 says ``"SM"`` although it stores in SR);
ds=0: stored in SR silently, for a gateway that polls. Reports arrive only for submits that
asked for one (TP-SRR), after the delay the recipient's plan sets.
"""

from __future__ import annotations

from functools import partial
from typing import Final

from simulator.network.clock import network_time, text_mode_time
from simulator.network.handset import Handset
from simulator.network.smsc import report_steps
from simulator.pdu.encode import FO_STATUS_REPORT, status_report
from simulator.pdu.fields import TOA_INTERNATIONAL, TOA_UNKNOWN, is_digits
from simulator.pdu.submit import Submit
from simulator.profiles.model import Memory
from simulator.state.storage import Stat, StoredMessage

#: Seconds a modem waits for ``AT+CNMA`` (``+CSMS=1``) before it turns direct routing off.
ACK_TIMEOUT: Final = 15.0


def schedule_reports(modem: Handset, submit: Submit, accepted_at: float) -> None:
    """Arrange the report(s) the recipient's plan produces for ``submit``."""
    if not submit.status_report_requested:
        return
    for step in report_steps(modem.network.plan_for(submit.recipient)):
        action = partial(_arrive, modem, submit, step.tp_st, accepted_at)
        modem.schedule_event(accepted_at + step.delay, action)


def _arrive(modem: Handset, submit: Submit, tp_st: int, submitted_at: float, due: float) -> None:
    if not modem.state.registered:
        modem.network.hold(partial(_arrive, modem, submit, tp_st, submitted_at))
        return
    digits = submit.recipient.lstrip("+")
    if not is_digits(digits):  # e.g. "*100#": no SMSC would report on it
        modem.counters["reports_lost"] += 1
        return
    submitted, discharged = network_time(submitted_at), network_time(due)
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
    ds = modem.state.cnmi[3]
    if ds == 1:
        urc = f"+CDS: {text_fields}" if modem.state.text_mode else f"+CDS: {pdu.tpdu_length}\r\n{pdu.hex}"
        modem.emit_urc(urc, due)
        expect_ack(modem, due)
    else:
        message = StoredMessage(Stat.REC_UNREAD, pdu.hex, pdu.tpdu_length, text_fields, "", is_report=True)
        index = modem.storage.add(Memory.SR, message)
        if index is None:
            modem.counters["reports_lost"] += 1
            return
        if ds == 2:
            announced = modem.profile.quirks.cdsi_announced_memory or Memory.SR
            modem.emit_urc(f'+CDSI: "{announced}",{index}', due)
    modem.counters["reports_emitted"] += 1


def expect_ack(modem: Handset, due: float) -> None:
    """After a direct ``+CMT``/``+CDS`` with ``+CSMS=1``, wait for ``AT+CNMA`` (27.005 §3.4.4).

    Without it in time the modem turns ``<mt>`` and ``<ds>`` off, as the standard says.
    """
    if modem.state.csms_service != 1:
        return
    modem.state.acks_pending += 1
    token = modem.state.acks_pending
    modem.schedule_event(due + ACK_TIMEOUT, partial(_ack_deadline, modem, token))


def _ack_deadline(modem: Handset, token: int, due: float) -> None:
    state = modem.state
    if state.acks_pending >= token > state.acks_done:
        mode, _, bm, _, bfr = state.cnmi
        state.cnmi = (mode, 0, bm, 0, bfr)
        state.acks_done = state.acks_pending
        modem.counters["ack_timeouts"] += 1
