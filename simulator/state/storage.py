"""Message storages SM, ME and SR with the profile's capacities (27.005 §3.2.2, §3.5.4).

Indices are 1-based, as on the SIMCom/Quectel/Huawei firmware the gateway meets. A stored
message keeps its PDU (for PDU mode) and a text-mode rendering, so ``+CMGL``/``+CMGR`` work in
both modes without re-decoding anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from simulator.profiles.model import Memory, Profile


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
    """The three memories; a full memory refuses new messages, as a real SIM does."""

    def __init__(self, profile: Profile) -> None:
        self._capacity = {memory: profile.capacities.get(memory, 0) for memory in Memory}
        self._slots: dict[Memory, dict[int, StoredMessage]] = {memory: {} for memory in Memory}

    def capacity(self, memory: Memory) -> int:
        """Return how many messages ``memory`` holds at most."""
        return self._capacity[memory]

    def used(self, memory: Memory) -> int:
        """Return how many slots of ``memory`` are taken."""
        return len(self._slots[memory])

    def is_full(self, memory: Memory) -> bool:
        """Return True when ``memory`` cannot take another message."""
        return self.used(memory) >= self._capacity[memory]

    def add(self, memory: Memory, message: StoredMessage) -> int | None:
        """Store ``message`` in the lowest free index; return it, or None when full."""
        slots = self._slots[memory]
        for index in range(1, self._capacity[memory] + 1):
            if index not in slots:
                slots[index] = message
                return index
        return None

    def get(self, memory: Memory, index: int) -> StoredMessage | None:
        """Return the message at ``index`` or None when the slot is empty.

        :raises IndexError: when ``index`` is outside the memory (CMS 321 on the wire).
        """
        self._check_index(memory, index)
        return self._slots[memory].get(index)

    def delete(self, memory: Memory, index: int) -> None:
        """Empty one slot (deleting an empty slot is not an error, as on most firmware).

        :raises IndexError: when ``index`` is outside the memory.
        """
        self._check_index(memory, index)
        self._slots[memory].pop(index, None)

    def delete_matching(self, memory: Memory, stats: frozenset[Stat]) -> int:
        """Delete every message whose stat is in ``stats``; return how many went."""
        slots = self._slots[memory]
        doomed = [index for index, message in slots.items() if message.stat in stats]
        for index in doomed:
            del slots[index]
        return len(doomed)

    def listing(self, memory: Memory, stats: frozenset[Stat]) -> list[tuple[int, StoredMessage]]:
        """Return ``(index, message)`` for the stats asked for, in index order."""
        found = [(i, m) for i, m in self._slots[memory].items() if m.stat in stats]
        return sorted(found, key=lambda item: item[0])

    def _check_index(self, memory: Memory, index: int) -> None:
        if not 1 <= index <= self._capacity[memory]:
            raise IndexError(f"index {index} outside {memory} (1-{self._capacity[memory]})")
