"""Message memories with the profile's capacities and index base (27.005 §3.2.2, §3.5.4).

Indices start at the profile's ``first_index`` (1 in 27.005's examples, 0 on Huawei and Quectel
firmware). ``MT`` is a view over ``ME`` then ``SM``: its indices run through ME's slots first,
then SM's, and a message stored "in MT" lands in ME while it has room. A stored message keeps its
PDU (for PDU mode) and a text-mode rendering, so ``+CMGL``/``+CMGR`` work in both modes without
re-decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from simulator.profiles.memory import Memory
from simulator.profiles.model import Profile


class Stat(IntEnum):
    """``<stat>`` of 27.005 §3.1 (PDU-mode numbers; text mode uses the names)."""

    REC_UNREAD = 0
    REC_READ = 1
    STO_UNSENT = 2
    STO_SENT = 3

    @property
    def text(self) -> str:
        """Return the text-mode name, e.g. ``REC UNREAD``."""
        return self.name.replace("_", " ")


#: ``AT+CMGD=<index>,<delflag>``: which stats each flag deletes (27.005 §3.5.4).
DELETE_FLAGS: dict[int, frozenset[Stat]] = {
    1: frozenset({Stat.REC_READ}),
    2: frozenset({Stat.REC_READ, Stat.STO_SENT}),
    3: frozenset({Stat.REC_READ, Stat.STO_SENT, Stat.STO_UNSENT}),
    4: frozenset(Stat),
}


@dataclass
class StoredMessage:
    """One slot's content: the PDU as the modem would list it, plus its text-mode view."""

    stat: Stat
    pdu_hex: str  # with the SMSC field, as +CMGR shows it
    tpdu_length: int  # the <length> of +CMGR/+CMGL: octets without the SMSC field
    text_header: str  # text-mode fields after <stat>, e.g. '"+2557…",,"26/01/01,00:00:00+00"'
    text_body: str  # text-mode body line (message text, or empty for a status report)
    is_report: bool = False


class MessageStorage:
    """The memories; a full memory refuses new messages, as a real SIM does.

    ``on_space_freed`` is called with the physical memory whenever a delete makes room, so the
    device can tell the network "memory available" (the SMMA of TS 24.011).
    """

    def __init__(self, profile: Profile) -> None:
        self._first = profile.first_index
        self._capacity = dict(profile.physical_capacities)
        self._slots: dict[Memory, dict[int, StoredMessage]] = {memory: {} for memory in self._capacity}
        self.on_space_freed: Callable[[Memory], None] | None = None

    def capacity(self, memory: Memory) -> int:
        """Return how many messages ``memory`` holds at most."""
        return sum(self._capacity[part] for part in memory.parts)

    def used(self, memory: Memory) -> int:
        """Return how many slots of ``memory`` are taken."""
        return sum(len(self._slots[part]) for part in memory.parts)

    def is_full(self, memory: Memory) -> bool:
        """Return True when ``memory`` cannot take another message."""
        return self.used(memory) >= self.capacity(memory)

    def add(self, memory: Memory, message: StoredMessage) -> tuple[Memory, int] | None:
        """Store ``message`` in the lowest free slot; return where (``MT``: ME or SM), or None when full."""
        for part in memory.parts:
            slots = self._slots[part]
            for position in range(self._capacity[part]):
                if position not in slots:
                    slots[position] = message
                    return part, self._first + position
        return None

    def where(self, memory: Memory, index: int) -> tuple[Memory, int]:
        """Return the physical memory and index an index of ``memory`` names.

        :raises IndexError: when ``index`` is outside the memory (CMS 321 on the wire).
        """
        position = index - self._first
        for part in memory.parts:
            if 0 <= position < self._capacity[part]:
                return part, self._first + position
            position -= self._capacity[part]
        raise IndexError(f"index {index} outside {memory} ({self._range(memory)})")

    def get(self, memory: Memory, index: int) -> StoredMessage | None:
        """Return the message at ``index`` or None when the slot is empty.

        :raises IndexError: when ``index`` is outside the memory (CMS 321 on the wire).
        """
        part, physical = self.where(memory, index)
        return self._slots[part].get(physical - self._first)

    def delete(self, memory: Memory, index: int) -> None:
        """Empty one slot (deleting an empty slot is not an error, as on most firmware).

        :raises IndexError: when ``index`` is outside the memory.
        """
        part, physical = self.where(memory, index)
        if self._slots[part].pop(physical - self._first, None) is not None:
            self._freed(part)

    def delete_matching(self, memory: Memory, stats: frozenset[Stat]) -> int:
        """Delete every message whose stat is in ``stats``; return how many went."""
        deleted = 0
        for part in memory.parts:
            slots = self._slots[part]
            doomed = [position for position, message in slots.items() if message.stat in stats]
            for position in doomed:
                del slots[position]
            deleted += len(doomed)
            if doomed:
                self._freed(part)
        return deleted

    def listing(self, memory: Memory, stats: frozenset[Stat]) -> list[tuple[int, StoredMessage]]:
        """Return ``(index, message)`` for the stats asked for, in index order."""
        found: list[tuple[int, StoredMessage]] = []
        offset = 0
        for part in memory.parts:
            found += [
                (self._first + offset + position, message)
                for position, message in sorted(self._slots[part].items())
                if message.stat in stats
            ]
            offset += self._capacity[part]
        return found

    def _freed(self, memory: Memory) -> None:
        if self.on_space_freed is not None:
            self.on_space_freed(memory)

    def _range(self, memory: Memory) -> str:
        return f"{self._first}-{self._first + self.capacity(memory) - 1}"
