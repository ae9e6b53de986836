"""Incoming SMS: SMS-DELIVER PDUs stored with ``+CMTI`` or shown directly with ``+CMT``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.profiles import Memory

if TYPE_CHECKING:
    from simulator.device import SimModem


def fill_memory(modem: SimModem, memory: Memory) -> None:
    """Fill ``memory`` to capacity with read messages (the storage-full fault)."""
    raise NotImplementedError


def deliver_incoming(modem: SimModem, sender: str, text: str, *, direct: bool, now: float) -> None:
    """Deliver ``text`` from ``sender`` to the modem."""
    raise NotImplementedError
