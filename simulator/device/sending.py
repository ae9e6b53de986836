"""What happens between ``> `` and the final result of ``AT+CMGS`` (27.005 §3.5.1).

The TE's PDU (or text) is decoded by the simulator's own decoder, checked against the modem's
state (SMSC known, network registered) and the fault plan, given a TP-MR from the SIM counter
and recorded; then ``+CMGS: <mr>`` / ``OK`` go out after the network delay.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Final, Protocol

from simulator.commands.base import CommandFailure, PromptKind, cms
from simulator.faults.session import FaultSession
from simulator.network.handset import Handset
from simulator.network.reports import schedule_reports
from simulator.pdu import gsm7
from simulator.pdu.fields import Alphabet, PduFormatError, alphabet_of, relative_validity
from simulator.pdu.submit import MAX_SEPTETS, MAX_USER_DATA_OCTETS, Submit, SubmitLog, decode_submit
from simulator.state.device_state import DeviceState

_INVALID_PDU: Final = 304
_INVALID_TEXT: Final = 305
_NO_SMSC: Final = 330
_NO_NETWORK: Final = 331


class Sender(Handset, Protocol):
    """The modem as a send needs it: state, faults, the submit log and the response stream."""

    @property
    def state(self) -> DeviceState:
        """SMSC, registration and the text-mode parameters."""

    @property
    def faults(self) -> FaultSession:
        """Injected send errors and silences."""

    @property
    def submit_log(self) -> SubmitLog:
        """Where accepted submits are recorded."""

    def emit_response(self, data: bytes, delay: float = 0.0) -> None:
        """Put bytes on the response stream."""

    def render_final(self, failure: CommandFailure) -> bytes:
        """Return the error result code for ``failure``, as ``+CMEE`` wants it."""


@dataclass
class PendingSend:
    """An open ``> `` prompt: the announced length (or number) and what the TE typed so far."""

    kind: PromptKind
    length: int
    recipient: str | None = None
    body: bytearray = field(default_factory=bytearray)
    overflow: bool = False


def abort_send(modem: Sender) -> None:
    """ESC at the prompt: nothing is sent; the modem answers ``OK``."""
    modem.counters["sends_cancelled"] += 1
    modem.emit_response(b"\r\nOK\r\n")


def finish_send(modem: Sender, pending: PendingSend) -> None:
    """Ctrl-Z: submit to the fake network and answer ``+CMGS: <mr>`` or an error."""
    plan = modem.faults.plan
    latency = plan.command_latency + plan.network_delay
    silent = modem.faults.silence_next_send_result
    modem.faults.silence_next_send_result = False
    accepted_at = modem.now + latency
    try:
        submit = _accept(modem, pending, accepted_at)
    except CommandFailure as failure:
        modem.counters["errors"] += 1
        if not silent:
            modem.emit_response(modem.render_final(failure), latency)
        return
    schedule_reports(modem, submit, accepted_at)
    if silent:
        return
    lead = "".join(f"\r\n{urc}\r\n" for urc in modem.profile.quirks.urcs_around_send)
    modem.emit_response(f"{lead}\r\n+CMGS: {submit.mr}\r\n\r\nOK\r\n".encode("latin-1"), latency)


def _accept(modem: Sender, pending: PendingSend, accepted_at: float) -> Submit:
    """Decode and check the submit, then record it with its TP-MR and the SMSC's time stamp.

    :raises CommandFailure: 304/305 malformed, 330 no SMSC, 331 no network, or an injected error.
    """
    if pending.kind is PromptKind.PDU:
        if pending.overflow:
            raise cms(_INVALID_PDU)
        try:
            submit = decode_submit(pending.body.decode("latin-1"), pending.length)
        except PduFormatError:
            raise cms(_INVALID_PDU) from None
    else:
        submit = _text_submit(modem, pending)
    if submit.smsc is None and not modem.state.smsc:
        raise cms(_NO_SMSC)
    if not modem.state.registered:
        raise cms(_NO_NETWORK)
    injected = modem.faults.send_error(submit.recipient)
    if injected is not None:
        raise injected
    submit = dataclasses.replace(submit, mr=modem.network.next_mr(), scts=modem.network.clock.at(accepted_at))
    modem.submit_log.record(submit)
    modem.counters["submits"] += 1
    return submit


def _text_submit(modem: Sender, pending: PendingSend) -> Submit:
    """Build the submit a text-mode ``AT+CMGS="<da>"`` makes from ``+CSMP`` and ``+CSCS``."""
    state = modem.state
    fo, vp, _, dcs = state.csmp
    raw = pending.body.decode("latin-1").rstrip("\n")
    alphabet = alphabet_of(dcs)
    try:
        text = bytes.fromhex(raw).decode("utf-16-be") if state.charset == "UCS2" else raw
        if alphabet is Alphabet.UCS2:
            payload = tuple(text.encode("utf-16-be"))
            too_long = len(payload) > MAX_USER_DATA_OCTETS
        else:
            alphabet = Alphabet.GSM7
            payload = tuple(gsm7.encode(text))
            too_long = len(payload) > MAX_SEPTETS
    except ValueError:
        raise cms(_INVALID_TEXT) from None
    if too_long or pending.overflow or not pending.recipient:
        raise cms(_INVALID_TEXT)
    return Submit(
        recipient=pending.recipient,
        part_text=text,
        mr=0,
        concat=None,
        dcs=dcs,
        status_report_requested=bool(fo & 0x20),
        validity=relative_validity(vp) if (fo >> 3) & 0x03 == 0b10 else None,
        tpdu_length=0,
        raw_pdu="",
        alphabet=alphabet,
        payload=payload,
    )
