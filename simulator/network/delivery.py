"""How a delivery from the network lands in the modem: stored (or refused when full), or acknowledged.

A memory that is full refuses the message the way 24.011 has it: the modem answers the network
"memory capacity exceeded", the service centre keeps the message, and delivers it again once the
modem says "memory available" (RP-SMMA) after a delete. Nothing is lost on the modem's side; the
firmware may print a vendor URC (Huawei ``^SMMEMFULL: "SM"``) once per filling-up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

from simulator.network.handset import Handset
from simulator.profiles.memory import Memory
from simulator.state.storage import StoredMessage

#: Seconds a modem waits for ``AT+CNMA`` (``+CSMS=1``) before it turns direct routing off.
ACK_TIMEOUT: Final = 15.0


def store(
    modem: Handset, memory: Memory, message: StoredMessage, retry: Callable[[float], None], due: float
) -> tuple[Memory, int] | None:
    """Store ``message`` in ``memory``; when full, refuse it and have the SMSC ``retry`` later.

    Returns where it was stored, or None after a refusal (counted in ``memory_full_refusals``).
    """
    where = modem.storage.add(memory, message)
    if where is not None:
        return where
    modem.counters["memory_full_refusals"] += 1
    modem.network.hold_until_memory(retry)
    template = modem.profile.quirks.memory_full_urc
    full = modem.state.full_memories_announced
    if template is not None and memory not in full:
        full.add(memory)
        modem.emit_urc(template.format(memory=memory.value), due)
    return None


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
