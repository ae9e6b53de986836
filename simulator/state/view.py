"""A plain-data view of the memories, for tests and the control surface (``GET /storage``)."""

from __future__ import annotations

from typing import TypedDict

from simulator.profiles.memory import Memory
from simulator.state.storage import MessageStorage, Stat


class StoredView(TypedDict):
    """One stored message as the modem would list it in PDU mode."""

    index: int
    stat: int
    kind: str  # "sms" or "report"
    pdu: str


class StorageView(TypedDict):
    """One memory: how full it is and what is in it."""

    used: int
    total: int
    messages: list[StoredView]


def storage_view(storage: MessageStorage) -> dict[str, StorageView]:
    """Return every memory that holds messages (``MT`` is a view of ME and SM, so it is left out)."""
    views: dict[str, StorageView] = {}
    for memory in Memory:
        if memory is Memory.MT or storage.capacity(memory) == 0:
            continue
        messages: list[StoredView] = [
            {
                "index": index,
                "stat": message.stat.value,
                "kind": "report" if message.is_report else "sms",
                "pdu": message.pdu_hex,
            }
            for index, message in storage.listing(memory, frozenset(Stat))
        ]
        views[memory.value] = {
            "used": storage.used(memory),
            "total": storage.capacity(memory),
            "messages": messages,
        }
    return views
